"""Corrective plans: what would close the gap between what is still to win and what the pipeline and
the pace will bring — levers in figures, each checked against the team's hours, with proposed actions.

``outlook`` (in ``pac.engine.outlook``) measures the gap; ``levers`` sizes every way to close it;
docs/alerts.md describes each lever and its capacity check.
"""

from __future__ import annotations

from pac.engine.corrections.levers import REASONS, TEMPLATES, Lever, levers
from pac.engine.corrections.load import Binding
from pac.engine.outlook import Change, Gap, Outlook, outlook

__all__ = ["REASONS", "TEMPLATES", "Binding", "Change", "Gap", "Lever", "Outlook", "levers", "outlook"]
