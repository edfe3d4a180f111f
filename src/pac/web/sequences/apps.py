from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SequencesConfig(AppConfig):
    name = "pac.web.sequences"
    label = "sequences"
    verbose_name = _("Sequences")

    def ready(self) -> None:
        from pac.web.plans.filesections import register
        from pac.web.sequences.planfile import PlanFileSequences

        register("sequences", PlanFileSequences())
