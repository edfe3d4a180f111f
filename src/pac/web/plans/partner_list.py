"""The plan's channel partners as their list shows them: name, kind, manager, status, MDF budget, and
the deals each brought in the team's CRM (won, open pipeline, count) with a total line.

The deals are CRM data, which this app never reads (``plans`` and ``crm`` do not import each other): the
apps above register how to count them in ``DEALS`` when they start (the cockpit does)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from pac.web.plans import models as m
from pac.web.plans.selectors import people_names


@dataclass(frozen=True)
class PartnerDeals:
    """The deals a partner brought: won amount, open pipeline amount, and how many deals (any outcome)."""

    won: Decimal = Decimal(0)
    pipeline: Decimal = Decimal(0)
    count: int = 0


#: Counters of deals by partner, each taking the plan and its partners and answering partner pk → deals.
DEALS: list[Callable[[m.Plan, Sequence[m.Partner]], Mapping[int, PartnerDeals]]] = []


def deals_of(plan: m.Plan, partners: Sequence[m.Partner]) -> dict[int, PartnerDeals]:
    """Partner pk → its deals, from every registered counter (none registered: no deals known)."""
    found: dict[int, PartnerDeals] = {}
    for counter in DEALS:
        for pk, deals in counter(plan, partners).items():
            had = found.get(pk, PartnerDeals())
            found[pk] = PartnerDeals(had.won + deals.won, had.pipeline + deals.pipeline, had.count + deals.count)
    return found


def _status(row: m.Partner, fmt: Any) -> str:
    """« Recruited · 20 janv. 2027 »: the status with the day the partner signed, when known."""
    status = str(row.get_status_display())
    return f"{status} · {fmt.date(row.recruited)}" if row.recruited else status


def partner_table(plan: m.Plan, rows: Sequence[m.Partner], fmt: Any) -> dict[str, Any]:
    """Headers, one line per partner and the total line (MDF, won, pipeline, deals)."""
    names = people_names(plan)
    deals = deals_of(plan, rows)
    lines = []
    total = PartnerDeals()
    mdf = Decimal(0)
    for row in rows:
        d = deals.get(row.pk, PartnerDeals())
        total = PartnerDeals(total.won + d.won, total.pipeline + d.pipeline, total.count + d.count)
        mdf += row.mdf_budget
        lines.append(
            {
                "pk": row.pk,
                "cells": [
                    row.name,
                    row.get_kind_display(),
                    names.get(row.owner, row.owner),
                    _status(row, fmt),
                    fmt.money(row.mdf_budget),
                    fmt.money(d.won),
                    fmt.money(d.pipeline),
                    fmt.number(d.count),
                ],
            }
        )
    return {
        "headers": [
            _("Partner"),
            _("Kind"),
            _("Partner manager"),
            _("Status"),
            _("MDF budget"),
            _("Won"),
            _("Open pipeline"),
            _("Deals"),
        ],
        "rows": lines,
        "total": [
            _("Total"),
            "",
            "",
            "",
            fmt.money(mdf),
            fmt.money(total.won),
            fmt.money(total.pipeline),
            fmt.number(total.count),
        ]
        if lines
        else None,
    }
