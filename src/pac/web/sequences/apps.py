from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SequencesConfig(AppConfig):
    name = "pac.web.sequences"
    label = "sequences"
    verbose_name = _("Sequences")

    def ready(self) -> None:
        """The plans app cannot import this one: the plan file's sequences sections, and what the sequences
        produce (meetings booked, replies) counted against their actions' volumes, are registered with it."""
        from pac.web.plans.action_list import PRODUCERS
        from pac.web.plans.filesections import register
        from pac.web.sequences.planfile import PlanFileSequences
        from pac.web.sequences.selectors import produced_by_action

        register("sequences", PlanFileSequences())
        if produced_by_action not in PRODUCERS:
            PRODUCERS.append(produced_by_action)
