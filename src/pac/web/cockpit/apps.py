from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "pac.web.cockpit"
    label = "cockpit"
    verbose_name = _("Cockpit")

    def ready(self) -> None:
        from pac.web.cockpit.partner_deals import deals_by_partner
        from pac.web.cockpit.tasks import warm_after_import
        from pac.web.crm.freshness import data_imported
        from pac.web.plans.partner_list import DEALS

        data_imported.connect(warm_after_import, dispatch_uid="pac-cockpit-warm-after-import")
        if deals_by_partner not in DEALS:  # the plans app cannot read CRM data: the partners' deals come from here
            DEALS.append(deals_by_partner)
