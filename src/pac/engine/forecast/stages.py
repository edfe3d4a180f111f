"""A deal's chance from its stage and how long it has been in it, when the source keeps a stage history
(``opportunity_stages``): each stage's close curve is learnt from the time between entering the stage (the
last time) and the close, shrunk toward the deal's age-based chance."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from pac.engine.forecast.deals import OPEN, Deals, current_stage
from pac.engine.forecast.learning import close_curve, shrunk
from pac.engine.forecast.window import Window

Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


def stage_probabilities(
    deals: Deals, window: Window, projected: Mask, p_age: Floats
) -> tuple[Mask, Floats, list[dict[str, Any]]] | None:
    """(which projected deals have a stage entry, their chance, each stage's basis), or None without
    a stage history."""
    stages = deals.stages
    if stages is None or not len(stages.deal):
        return None
    day = np.datetime64(window.as_of, "D")
    now = current_stage(stages, len(deals))[projected]
    entered_at = _last_entries(deals)
    rows = now != ""
    p = p_age[rows].copy()
    basis = []
    projected_index = np.flatnonzero(projected)[rows]
    for stage in sorted(set(now[rows].tolist())):
        entered = entered_at.get(stage)
        if entered is None:
            continue
        through = ~np.isnat(entered)
        until = np.where(deals.outcome == OPEN, day, deals.closed)
        usable = through & ~np.isnat(until)
        duration = np.maximum((until[usable] - entered[usable]).astype(np.int64), 0)
        curve = close_curve(duration, deals.outcome[usable])
        mine = now[rows] == stage
        in_stage = np.maximum((day - entered[projected_index[mine]]).astype(np.int64), 0)
        p_stage = curve.won_between(in_stage, in_stage + window.first_offset, in_stage + window.last_offset)
        p[mine] = shrunk(p_stage, curve.backing(in_stage), p[mine])
        basis.append({"stage": stage, "deals": curve.deals, "won": curve.won, "lost": curve.lost})
    return rows, p, basis


def _last_entries(deals: Deals) -> dict[str, npt.NDArray[np.datetime64]]:
    """Per stage, each deal's last entry into it (NaT when it never was)."""
    stages = deals.stages
    assert stages is not None
    result: dict[str, npt.NDArray[np.datetime64]] = {}
    for stage in set(stages.stage.tolist()):
        rows = stages.stage == stage
        entered = np.full(len(deals), np.datetime64("NaT", "D"))
        order = np.argsort(stages.entered[rows], kind="stable")
        entered[stages.deal[rows][order]] = stages.entered[rows][order]
        result[stage] = entered
    return result
