from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "pac.web.crm"
    label = "crm"
    verbose_name = _("CRM data")

    def ready(self) -> None:
        from pac.web.crm.freshness import watch_saves

        watch_saves()
