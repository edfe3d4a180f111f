"""Alerts: what needs attention in a running plan — pace behind, thin coverage, an unlikely target,
no-shows, a conversion drop, stalled or slipping deals, overdue actions, overloaded weeks and the
plan's own diagnostics — each a code, a severity, a subject, figures and a stable key.

``evaluate`` runs every rule with the plan's thresholds (``Plan.alerts``, the ``alerts`` section of
the plan file); docs/alerts.md lists the rules, their defaults and what they read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pac.engine.alerts.inputs import AlertInputs, OpenDeal, StageConversion
from pac.engine.alerts.rules import (
    SEVERITIES,
    TEMPLATES,
    Alert,
    conversion,
    coverage,
    no_show,
    overdue_actions,
    overload,
    pace,
    plan_diagnostics,
    probability,
    slipping,
    stalled,
)
from pac.engine.formatting import Formatter
from pac.engine.labels import Translate
from pac.engine.model import AlertThresholds, Plan, Severity

__all__ = ["SEVERITIES", "TEMPLATES", "Alert", "AlertInputs", "OpenDeal", "StageConversion", "evaluate", "to_json"]

_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def evaluate(plan: Plan, inputs: AlertInputs, today: dt.date, thresholds: AlertThresholds | None = None) -> list[Alert]:
    """Every alert on ``today``, the most severe first; ``thresholds`` default to the plan's."""
    limits = thresholds or plan.alerts
    found = [
        *probability(inputs, limits),
        *coverage(plan, inputs, limits),
        *pace(inputs, limits),
        *conversion(inputs, limits),
        *no_show(inputs, limits),
        *stalled(plan, inputs, today, limits),
        *slipping(inputs, today, limits),
        *overdue_actions(plan, today),
        *overload(inputs, today, limits),
        *plan_diagnostics(inputs, limits),
    ]
    return sorted(found, key=lambda a: (_ORDER[a.severity], a.code, a.key))


def to_json(
    alerts: list[Alert], formatter: Formatter | None = None, translate: Translate = lambda s: s
) -> list[dict[str, Any]]:
    """The alerts as plain data for a page or a ``--json`` output, worded in the reader's language."""
    return [
        {
            "key": a.key,
            "code": a.code,
            "severity": a.severity.value,
            "subject": dict(a.subject),
            "message": a.message(formatter, translate),
        }
        for a in alerts
    ]
