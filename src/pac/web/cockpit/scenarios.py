"""What-if scenarios side by side with their plan: for each, what the engine computes (revenue target,
funnel volumes per stage, hours needed and available per role with the weeks over capacity, cost), the
probability of hitting its target from the team's forecast, its diagnostics by severity, and how many
objects it changes in the plan (``plans.scenarios``). The forecast is the cockpit's (``outlook``): one
team's deals, each column's own target and period."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from pac.engine.analysis import PlanAnalysis, analyse
from pac.engine.capacity import RoleCapacity
from pac.engine.labels import SEVERITY_LABELS, Message
from pac.engine.model import Role, Severity, Stage
from pac.web.cockpit.outlook import plan_forecast
from pac.web.crm.kpi_tables import team_tables
from pac.web.language import formatter, role_label
from pac.web.plans import adapters, scenarios
from pac.web.plans.models import Plan
from pac.web.plans.presenters import stage_label

EMPTY = "—"


@dataclass(frozen=True)
class Column:
    """One plan (or scenario) as the comparison reads it."""

    row: Plan
    analysis: PlanAnalysis
    probability: float | None
    why_no_probability: str
    changes: int | None  # objects that differ from the plan (None: the plan itself)

    @property
    def revenue(self) -> Decimal | None:
        return self.analysis.funnel.revenue_target if self.analysis.funnel else None

    def volume(self, stage: Stage) -> int | None:
        return self.analysis.funnel.volume(stage) if self.analysis.funnel else None

    def role(self, role: Role) -> RoleCapacity | None:
        return next((rc for rc in self.analysis.capacity if rc.role == role), None)

    @property
    def actions_budget(self) -> Decimal:
        return sum((a.budget for a in self.analysis.plan.actions), Decimal(0))

    @property
    def severities(self) -> Counter[Severity]:
        return Counter(d.severity for d in self.analysis.diagnostics)


def _probability(row: Plan, tables: dict[str, Any], target: Decimal | None, today: dt.date) -> tuple[float | None, str]:
    if not tables:
        return None, _("no CRM data for the team: import its opportunities to get a forecast")
    if target is None:
        return None, _("no revenue target")
    if today > row.end:
        return None, _("the plan's period is over")
    found, why = plan_forecast(row, tables, target, today)
    if found is None or found.probability_of_target is None:
        text = why.explained(_) if isinstance(why, Message) else str(why)
        return None, text or _("no forecast for this period")
    return found.probability_of_target, ""


def columns(plan: Plan, chosen: list[Plan], today: dt.date) -> list[Column]:
    """The plan's column, then each chosen scenario's."""
    tables = team_tables(plan.team)
    found = []
    for row in [plan, *chosen]:
        analysis = analyse(adapters.to_engine(row))
        probability, why = _probability(row, tables, analysis.funnel.revenue_target if analysis.funnel else None, today)
        changes = None if row.pk == plan.pk else len(scenarios.differences(plan, row)[2])
        found.append(Column(row, analysis, probability, why, changes))
    return found


def _load(found: RoleCapacity | None, what: str) -> Decimal | int | None:
    """A role's hours needed or available over the plan, or its weeks over capacity (None: no such role)."""
    if found is None:
        return None
    if what == "over":
        return len(found.weeks_over_capacity)
    return found.hours_needed if what == "needed" else found.hours_available


def table(cols: list[Column]) -> list[dict[str, Any]]:
    """The comparison's lines in sections, each line a label and one text per column, in the reader's
    language (``1 000 000 €``, ``25 %``)."""
    fmt = formatter(cols[0].row.currency)

    def money(value: Decimal | None, currency: str) -> str:
        return fmt.money(value, currency) if value is not None else EMPTY

    def number(value: Decimal | int | None) -> str:
        return fmt.number(value, 0) if value is not None else EMPTY

    stages = [s for s in Stage if any(c.volume(s) is not None for c in cols)]
    roles = [r for r in Role if any(c.role(r) is not None for c in cols)]
    sections: list[dict[str, Any]] = [
        {
            "title": _("Target and funnel"),
            "lines": [
                {
                    "label": _("Revenue target"),
                    "key": "revenue",
                    "cells": [money(c.revenue, c.row.currency) for c in cols],
                },
                *(
                    {
                        "label": capfirst(stage_label(s)),
                        "key": f"volume-{s.value}",
                        "cells": [number(c.volume(s)) for c in cols],
                    }
                    for s in stages
                ),
            ],
        },
        {
            "title": _("Capacity"),
            "lines": [
                line
                for r in roles
                for line in (
                    {
                        "label": _("%(role)s: hours needed") % {"role": role_label(r)},
                        "key": f"needed-{r.value}",
                        "cells": [number(_load(c.role(r), "needed")) for c in cols],
                    },
                    {
                        "label": _("%(role)s: hours available") % {"role": role_label(r)},
                        "key": f"available-{r.value}",
                        "cells": [number(_load(c.role(r), "available")) for c in cols],
                    },
                    {
                        "label": _("%(role)s: weeks over capacity") % {"role": role_label(r)},
                        "key": f"over-{r.value}",
                        "cells": [number(_load(c.role(r), "over")) for c in cols],
                    },
                )
            ],
        },
        {
            "title": _("Cost"),
            "lines": [
                {
                    "label": _("Actions' budget"),
                    "key": "actions-budget",
                    "cells": [money(c.actions_budget, c.row.currency) for c in cols],
                },
                {
                    "label": _("Plan budget"),
                    "key": "budget",
                    "cells": [money(c.row.budget, c.row.currency) for c in cols],
                },
            ],
        },
        {
            "title": _("Forecast"),
            "lines": [
                {
                    "label": _("Probability of hitting the target"),
                    "key": "probability",
                    "cells": [
                        fmt.percent(Decimal(str(c.probability)), 0) if c.probability is not None else EMPTY
                        for c in cols
                    ],
                    "notes": [c.why_no_probability for c in cols],
                }
            ],
        },
        {
            "title": _("Diagnostics"),
            "lines": [
                {
                    "label": _(SEVERITY_LABELS[s]).capitalize(),
                    "key": f"diagnostics-{s.value}",
                    "cells": [number(c.severities[s]) for c in cols],
                }
                for s in Severity
            ],
        },
    ]
    for section in sections:
        for line in section["lines"]:
            notes = line.pop("notes", None) or [""] * len(cols)
            line["cells"] = [{"text": text, "note": note} for text, note in zip(line["cells"], notes, strict=True)]
    return sections


def _plain(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def to_json(cols: list[Column]) -> list[dict[str, Any]]:
    """The comparison as data, a column per plan (the plan first), codes and plain numbers: what the
    CLI's ``--json`` and the API answer (the table in words is ``table``)."""
    return [
        {
            "id": c.row.pk,
            "name": c.row.name,
            "scenario": c.changes is not None,
            "note": c.row.scenario_note,
            "currency": c.row.currency,
            "revenue_target": _plain(c.revenue),
            "volumes": {s.value: c.volume(s) for s in Stage if c.volume(s) is not None},
            "capacity": [
                {
                    "role": str(rc.role),
                    "hours_needed": float(rc.hours_needed),
                    "hours_available": float(rc.hours_available),
                    "weeks_over_capacity": len(rc.weeks_over_capacity),
                }
                for rc in c.analysis.capacity
            ],
            "actions_budget": float(c.actions_budget),
            "budget": _plain(c.row.budget),
            "probability_of_target": round(c.probability, 4) if c.probability is not None else None,
            "why_no_probability": c.why_no_probability,
            "diagnostics": {s.value: c.severities[s] for s in Severity},
            "changes": c.changes,
        }
        for c in cols
    ]
