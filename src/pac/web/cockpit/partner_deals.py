"""Deals by partner: the team's CRM opportunities summed for each of a plan's channel partners (won
amount, open pipeline, count), a deal's ``partner`` matched to the partner's name or id whatever the case.
Registered with ``plans.partner_list.DEALS`` when the cockpit starts (``plans`` never reads CRM data)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count, Sum

from pac.web.crm.models import Opportunity
from pac.web.plans import models as m
from pac.web.plans.partner_list import PartnerDeals


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def deals_by_partner(plan: m.Plan, partners: Sequence[m.Partner]) -> dict[int, PartnerDeals]:
    """Partner pk → its deals in ``plan``'s team CRM data. One query, grouped by the partner as the CRM
    writes it (a few distinct values), matched here: SQLite's ``lower`` leaves « É » as it is."""
    owners: dict[str, int] = {}
    for partner in partners:
        for name in (partner.code, partner.name):
            owners.setdefault(_key(name), partner.pk)
    if not owners:
        return {}
    rows = (
        Opportunity.objects.filter(team_id=plan.team_id)
        .exclude(partner="")
        .values("partner", "outcome")
        .annotate(amount=Sum("amount"), deals=Count("id"))
        .order_by()
    )
    found: dict[int, PartnerDeals] = {}
    for row in rows:
        pk = owners.get(_key(row["partner"]))
        if pk is None:
            continue
        amount = row["amount"] or Decimal(0)
        had = found.get(pk, PartnerDeals())
        found[pk] = PartnerDeals(
            had.won + (amount if row["outcome"] == "won" else 0),
            had.pipeline + (amount if row["outcome"] == "open" else 0),
            had.count + row["deals"],
        )
    return found
