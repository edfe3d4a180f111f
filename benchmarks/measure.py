"""Time and peak memory of one piece of work, the same way for every benchmark."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal

from pac.engine.model import FunnelStep, Stage


def measure(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median seconds over ``repeat`` runs, and peak traced Python memory (MiB) of one more run."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak


def measure_side_by_side(works: dict[str, Callable[[], object]], repeat: int) -> dict[str, tuple[float, float]]:
    """Several ways of doing the same work, compared fairly: each runs once untimed (imports, the OS's file
    cache, first compilations), then the timed runs take turns — a change in the machine's load falls on
    all of them alike. Median seconds and peak traced Python memory (MiB) of one more run, per way."""
    for work in works.values():
        work()
    times: dict[str, list[float]] = {label: [] for label in works}
    for _ in range(repeat):
        for label, work in works.items():
            began = time.perf_counter()
            work()
            times[label].append(time.perf_counter() - began)
    results = {}
    for label, work in works.items():
        tracemalloc.start()
        work()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        results[label] = (statistics.median(times[label]), peak)
    return results


def funnel_steps(*, with_meeting: bool = False) -> tuple[FunnelStep, ...]:
    """The funnel every planning benchmark uses (the source text's rates and delays)."""
    return (
        FunnelStep(Stage.LEAD, Decimal("0.25"), 7),
        FunnelStep(Stage.MQL, Decimal("0.4"), 7),
        FunnelStep(Stage.SQL, Decimal("0.5"), 10),
        *((FunnelStep(Stage.MEETING, Decimal("0.8"), 5),) if with_meeting else ()),
        FunnelStep(Stage.DEMO, Decimal("0.3"), 14),
        FunnelStep(Stage.PROPOSAL, Decimal("0.6"), 21),
        FunnelStep(Stage.WON),
    )
