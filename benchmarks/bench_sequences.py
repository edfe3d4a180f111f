"""Scheduling of multichannel sequences (`engine.sequences.schedule`): 200 000 enrolments × 4 steps."""

from __future__ import annotations

import datetime as dt

from measure import measure

from pac.engine.sequences import FOUR_TOUCHES, Absence, Capacity, Enrolment, Sequence, Variant, builtin, schedule

TARGET_SECONDS = 10.0
TARGET_MIB = 1024.0
ENROLMENTS = 200_000
OWNERS = 100
START = dt.date(2027, 4, 1)  # Easter Monday, 1 and 8 May, Ascension and Whit Monday fall in the window


def enrolments(count: int = ENROLMENTS) -> list[Enrolment]:
    """``count`` contacts spread over ``OWNERS`` reps, enrolled over 60 days, a fifth of them strategic."""
    return [
        Enrolment(
            "icp", f"c{i:06d}", f"a{i // 3:06d}", f"rep{i % OWNERS:03d}", START + dt.timedelta(days=i % 60), i % 5
        )
        for i in range(count)
    ]


def run() -> str:
    sequence = Sequence(
        "icp", "4 touches sur 21 jours", builtin(FOUR_TOUCHES)[0], (Variant("A", 0.5), Variant("B", 0.5))
    )
    people = enrolments()
    capacity = Capacity(
        60,
        {f"rep{i:03d}": 40 + i % 40 for i in range(0, OWNERS, 2)},
        tuple(Absence(f"rep{i:03d}", dt.date(2027, 5, 10), dt.date(2027, 5, 14)) for i in range(0, OWNERS, 10)),
    )
    last = {}

    def work() -> None:
        last["result"] = schedule([sequence], people, capacity, START)

    seconds, peak = measure(work, 3)
    result = last["result"]
    verdict = "ok" if seconds <= TARGET_SECONDS and peak <= TARGET_MIB else "OVER TARGET"
    row = (
        f"| {_n(ENROLMENTS)} enrolments × 4 steps, {OWNERS} reps, FR holidays, 40–79 touches/rep/day, "
        f"10 reps away a week | {seconds:.2f} s | {peak:.0f} MiB | {_n(len(result.touches))} touches, "
        f"{_n(len(result.overflow))} overflow days, last touch {max(t.date for t in result.touches)} | {verdict} |"
    )
    print(row)
    return (
        "## Sequences (`engine.sequences.schedule`: touches within each rep's daily capacity)\n\n"
        f"Target: ≤ {TARGET_SECONDS:.0f} s and ≤ {TARGET_MIB:.0f} MiB peak for {_n(ENROLMENTS)} enrolments "
        "× 4 steps (« 4 touches sur 21 jours ») on French business days, with per-rep capacity, absences "
        "and overflow rolled to the next business day. One heap-driven day loop per rep; placements kept "
        "as integers and turned into touches once. Peak memory is Python's (tracemalloc).\n\n"
        "| case | median time | peak memory | result | target |\n|---|---|---|---|---|\n" + row + "\n"
    )


def _n(count: int) -> str:
    return f"{count:,}".replace(",", " ")
