"""The team's forecast call: each rep's submitted figures per category (commit, best case, pipeline), a
manager's adjustments on top, and the team roll-up. Plain data, so the rule of which figure stands is
written once and tested without a database.

Which figure stands: a rep's latest submission; a manager's adjustment of a rep's category replaces it when
made after that submission (a rep who submits again has a new figure the manager has not seen yet); a
team-level adjustment of a category, the latest, replaces the sum of the reps' figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pac.engine.forecast.categories import BEST_CASE, COMMIT, PIPELINE

#: What a rep submits and a manager adjusts (closed is measured, omitted is left out).
CALL_CATEGORIES: tuple[str, ...] = (COMMIT, BEST_CASE, PIPELINE)

#: Warning codes of a submission, worded at display.
COMMIT_ABOVE_BEST_CASE = "commit_above_best_case"


@dataclass(frozen=True)
class Submission:
    """A rep's figures per category, as submitted at ``at``."""

    rep: str
    at: dt.datetime
    amounts: dict[str, Decimal]


@dataclass(frozen=True)
class Adjustment:
    """A manager's figure for one category of a rep (``rep``) or of the whole team (``rep`` None)."""

    rep: str | None
    category: str
    amount: Decimal
    at: dt.datetime


@dataclass(frozen=True)
class RepCall:
    """One rep's line: what they submitted (None: nothing yet), what stands after adjustments, and which
    categories a manager adjusted."""

    rep: str
    submitted: Submission | None
    standing: dict[str, Decimal]
    adjusted: dict[str, Adjustment]


@dataclass(frozen=True)
class TeamCall:
    reps: tuple[RepCall, ...]
    submitted: dict[str, Decimal]
    standing: dict[str, Decimal]
    team_adjusted: dict[str, Adjustment]


def submission_warnings(amounts: dict[str, Decimal]) -> tuple[str, ...]:
    """What a submission may hold but should make its author look twice: a commit above the best case."""
    return (COMMIT_ABOVE_BEST_CASE,) if amounts.get(COMMIT, Decimal(0)) > amounts.get(BEST_CASE, Decimal(0)) else ()


def _latest(items: list[Adjustment]) -> dict[str, Adjustment]:
    found: dict[str, Adjustment] = {}
    for item in sorted(items, key=lambda a: a.at):
        found[item.category] = item
    return found


def rep_call(rep: str, submissions: list[Submission], adjustments: list[Adjustment]) -> RepCall:
    """The figures that stand for ``rep`` (their submissions and the adjustments of their line)."""
    last = max((s for s in submissions if s.rep == rep), key=lambda s: s.at, default=None)
    since = [a for a in adjustments if a.rep == rep and (last is None or a.at > last.at)]
    adjusted = _latest(since)
    standing = {
        c: adjusted[c].amount if c in adjusted else (last.amounts.get(c, Decimal(0)) if last else Decimal(0))
        for c in CALL_CATEGORIES
    }
    return RepCall(rep, last, standing, adjusted)


def team_call(reps: list[str], submissions: list[Submission], adjustments: list[Adjustment]) -> TeamCall:
    """Each rep's line and the team's: the sum of the reps' submitted and standing figures, a team-level
    adjustment replacing the standing sum of its category."""
    lines = tuple(rep_call(rep, submissions, adjustments) for rep in reps)
    submitted = {
        c: sum((line.submitted.amounts.get(c, Decimal(0)) for line in lines if line.submitted), Decimal(0))
        for c in CALL_CATEGORIES
    }
    team_adjusted = _latest([a for a in adjustments if a.rep is None])
    standing = {
        c: team_adjusted[c].amount if c in team_adjusted else sum((line.standing[c] for line in lines), Decimal(0))
        for c in CALL_CATEGORIES
    }
    return TeamCall(lines, submitted, standing, team_adjusted)
