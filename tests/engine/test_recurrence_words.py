"""Recurrences read in words (French and English) and built from a form's choices."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from dateutil.rrule import rrulestr

from pac.engine.recurrence_words import Recurrence, describe
from pac.io.messages import catalogue

BRANCH_STRINGS = Path(__file__).resolve().parents[2] / "docs" / "i18n" / "i10-inputs.json"


def french() -> Callable[[str], str]:
    """The French catalogue, with this branch's strings until they are merged into it."""
    compiled = catalogue("fr")
    pending = json.loads(BRANCH_STRINGS.read_text(encoding="utf-8")) if BRANCH_STRINGS.exists() else {}

    def translate(text: str) -> str:
        found = compiled(text)
        return found if found != text else pending.get(text, text)

    return translate


def english(text: str) -> str:
    return text


def plain(text: str) -> str:
    """Non-breaking spaces as plain ones, to compare with what a reader sees."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


NINE = dt.time(9, 0)


@pytest.mark.parametrize(
    ("rule", "at", "fr", "en"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", NINE, "chaque lundi à 9 h", "every Monday at 9:00"),
        (
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TH",
            dt.time(9, 30),
            "chaque lundi et jeudi à 9 h 30",
            "every Monday and Thursday at 9:30",
        ),
        (
            "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU",
            None,
            "le 1er mardi de chaque trimestre",
            "the first Tuesday of each quarter",
        ),
        ("FREQ=MONTHLY;BYDAY=-1FR", None, "le dernier vendredi de chaque mois", "the last Friday of each month"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", None, "le dernier jour de chaque mois", "the last day of each month"),
        ("FREQ=MONTHLY;BYMONTHDAY=1", None, "le 1er de chaque mois", "the 1st of each month"),
        ("FREQ=MONTHLY;BYMONTHDAY=22", None, "le 22 de chaque mois", "the 22nd of each month"),
        (
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1",
            None,
            "le 1er jour ouvré de chaque mois",
            "the first business day of each month",
        ),
        ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", NINE, "chaque jour ouvré à 9 h", "every business day at 9:00"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", None, "toutes les 2 semaines, le mercredi", "every 2 weeks on Wednesday"),
        ("FREQ=MONTHLY;INTERVAL=3", None, "chaque trimestre", "every quarter"),
        ("FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15", None, "chaque année le 15 mars", "every year on March 15"),
        ("FREQ=WEEKLY;BYDAY=MO;COUNT=5", None, "chaque lundi, 5 fois", "every Monday, 5 times"),
    ],
)
def test_it_words_a_rule_in_french_and_in_english(rule: str, at: dt.time | None, fr: str, en: str) -> None:
    assert plain(describe(rule, french(), "fr", at)) == fr
    assert describe(rule, english, "en", at) == en
    assert "FREQ" not in describe(rule, french(), "fr", at)


def test_it_says_when_a_rule_has_parts_it_cannot_word() -> None:
    worded = describe("FREQ=MONTHLY;BYWEEKNO=3", english, "en")
    assert worded == "every month (with further conditions)"
    assert "BYWEEKNO" not in describe("FREQ=MONTHLY;BYWEEKNO=3", french(), "fr")


@pytest.mark.parametrize(
    ("choices", "rule"),
    [
        (Recurrence("weekly", weekdays=("MO",)), "FREQ=WEEKLY;BYDAY=MO"),
        (Recurrence("weekly", 2, ("FR", "MO")), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR"),
        (Recurrence("quarterly", weekdays=("TU",), position=1), "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU"),
        (Recurrence("monthly", month_day=-1), "FREQ=MONTHLY;BYMONTHDAY=-1"),
        (
            Recurrence("monthly", weekdays=("MO", "TU", "WE", "TH", "FR"), position=-1),
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        ),
        (Recurrence("daily"), "FREQ=DAILY"),
    ],
)
def test_it_builds_the_rule_from_the_forms_choices_and_back(choices: Recurrence, rule: str) -> None:
    assert choices.rule() == rule
    assert Recurrence.from_rule(rule) == Recurrence(
        choices.frequency,
        choices.interval,
        tuple(d for d in ("MO", "TU", "WE", "TH", "FR", "SA", "SU") if d in choices.weekdays),
        choices.position,
        choices.month_day,
    )
    rrulestr(rule, dtstart=dt.datetime(2027, 1, 1))  # dateutil reads what is built


def test_the_first_tuesday_of_each_quarter_falls_on_the_quarters_first_tuesdays() -> None:
    rule = Recurrence("quarterly", weekdays=("TU",), position=1).rule()
    dates = [
        d.date()
        for d in rrulestr(rule, dtstart=dt.datetime(2027, 1, 1)).between(
            dt.datetime(2027, 1, 1), dt.datetime(2027, 12, 31), inc=True
        )
    ]
    assert dates == [dt.date(2027, 1, 5), dt.date(2027, 4, 6), dt.date(2027, 7, 6), dt.date(2027, 10, 5)]


def test_it_refuses_choices_that_make_no_rule() -> None:
    with pytest.raises(ValueError):
        Recurrence("hourly").rule()
    with pytest.raises(ValueError):
        Recurrence("monthly", weekdays=("MO",)).rule()  # which Monday of the month?
    assert Recurrence.from_rule("FREQ=WEEKLY;BYHOUR=9") is None
