from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SequencesConfig(AppConfig):
    name = "pac.web.sequences"
    label = "sequences"
    verbose_name = _("Sequences")

    def ready(self) -> None:
        """What the sequences produce (meetings booked, replies) counts against their actions' volumes in
        the plan's action list, which cannot import this app."""
        from pac.web.plans.action_list import PRODUCERS
        from pac.web.sequences.selectors import produced_by_action

        if produced_by_action not in PRODUCERS:
            PRODUCERS.append(produced_by_action)
