"""Corrective plans: what would close the gap between what is still to win and what the pipeline and
the pace will bring — levers in figures, each checked against the team's hours, with proposed actions.

``outlook`` (in ``pac.engine.outlook``) measures the gap; ``levers`` sizes every way to close it;
docs/alerts.md describes each lever and its capacity check.
"""

from __future__ import annotations

from typing import Any

from pac.engine.corrections.levers import REASONS, TEMPLATES, Lever, levers
from pac.engine.corrections.load import Binding
from pac.engine.formatting import Formatter
from pac.engine.labels import Translate
from pac.engine.outlook import Change, Gap, Outlook, outlook

__all__ = ["REASONS", "TEMPLATES", "Binding", "Change", "Gap", "Lever", "Outlook", "levers", "outlook", "to_json"]


def to_json(
    found: list[Lever], formatter: Formatter | None = None, translate: Translate = lambda s: s
) -> list[dict[str, Any]]:
    """The levers as plain data for a page or a ``--json`` output: what each does, whether the team has
    the hours (else where it breaks) and the actions it proposes (ids, dates, role, volume, hours)."""
    return [
        {
            "code": lever.code,
            "message": lever.message(formatter, translate),
            "closes_gap": lever.change is not None,
            "feasible": lever.feasible,
            "reason": lever.reason,
            "why_not": lever.why_not(formatter, translate),
            "binding": {"role": lever.binding.role.value, "week": lever.binding.week.label} if lever.binding else None,
            "actions": [
                {
                    "id": a.id,
                    "type": a.type.value,
                    "name": a.name,
                    "start": a.start.isoformat(),
                    "end": a.end.isoformat(),
                    "role": a.role.value if a.role else None,
                    "stage": a.expected.stage.value if a.expected and a.expected.stage else None,
                    "volume": int(a.expected.volume) if a.expected else None,
                    "hours": float(a.hours),
                    "status": a.status.value,
                }
                for a in lever.actions
            ],
            "hire": {
                "role": lever.hire.role.value,
                "headcount": lever.hire.headcount,
                "start": lever.hire.start.isoformat() if lever.hire.start else None,
                "ramp_up": [float(f) for f in lever.hire.ramp_up],
            }
            if lever.hire
            else None,
        }
        for lever in found
    ]
