"""Time and peak memory of one piece of work, the same way for every benchmark."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable


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
