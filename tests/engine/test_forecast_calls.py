"""Which figure of the forecast call stands: a rep's latest submission, a manager's later adjustment of a
category, a team adjustment over the reps' sum."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pac.engine.forecast.calls import (
    COMMIT_ABOVE_BEST_CASE,
    Adjustment,
    Submission,
    submission_warnings,
    team_call,
)

T0 = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)


def _at(hours: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def _figures(commit: int, best_case: int, pipeline: int) -> dict[str, Decimal]:
    return {"commit": Decimal(commit), "best_case": Decimal(best_case), "pipeline": Decimal(pipeline)}


def test_the_latest_submission_of_each_rep_stands_and_the_team_sums_them() -> None:
    submissions = [
        Submission("lea", _at(0), _figures(10, 20, 30)),
        Submission("lea", _at(2), _figures(11, 21, 31)),
        Submission("alex", _at(1), _figures(5, 6, 7)),
    ]
    call = team_call(["alex", "lea", "hugo"], submissions, [])
    assert call.submitted == _figures(16, 27, 38) == call.standing
    hugo = call.reps[2]
    assert hugo.submitted is None and hugo.standing == _figures(0, 0, 0)


def test_an_adjustment_after_the_submission_replaces_its_category_only() -> None:
    submissions = [Submission("lea", _at(0), _figures(10, 20, 30))]
    adjustments = [
        Adjustment("lea", "commit", Decimal(4), _at(1)),
        Adjustment("lea", "commit", Decimal(6), _at(2)),  # the latest adjustment wins
    ]
    call = team_call(["lea"], submissions, adjustments)
    assert call.reps[0].standing == _figures(6, 20, 30)
    assert set(call.reps[0].adjusted) == {"commit"}
    assert call.submitted == _figures(10, 20, 30)
    assert call.standing == _figures(6, 20, 30)


def test_a_new_submission_after_an_adjustment_stands_again() -> None:
    submissions = [Submission("lea", _at(0), _figures(10, 20, 30)), Submission("lea", _at(3), _figures(8, 20, 30))]
    call = team_call(["lea"], submissions, [Adjustment("lea", "commit", Decimal(4), _at(1))])
    assert call.reps[0].standing["commit"] == 8
    assert call.reps[0].adjusted == {}


def test_a_team_adjustment_replaces_the_sum_of_its_category() -> None:
    submissions = [Submission("lea", _at(0), _figures(10, 20, 30)), Submission("alex", _at(0), _figures(1, 2, 3))]
    adjustments = [Adjustment(None, "best_case", Decimal(15), _at(1)), Adjustment("alex", "commit", Decimal(0), _at(1))]
    call = team_call(["alex", "lea"], submissions, adjustments)
    assert call.standing == _figures(10, 15, 33)
    assert set(call.team_adjusted) == {"best_case"}


def test_a_commit_above_the_best_case_is_warned() -> None:
    assert submission_warnings(_figures(30, 20, 0)) == (COMMIT_ABOVE_BEST_CASE,)
    assert submission_warnings(_figures(20, 20, 0)) == ()
