"""What the 90/30/7 views and the weekly schedule mark on their calendars, in the reader's language:
week and quarter names (« S05 », « T1 2027 », « Exercice 2027 – T1 »), public holidays of the plan's
country, today, and the legend of the markers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from pac.engine import workdays
from pac.engine.labels import ITEM_KIND_LABELS
from pac.engine.workdays import IsoWeek

#: « S05 » in French (semaine), « W05 » in English.
WEEK_LABEL = gettext_lazy("W%(week)s")
#: A calendar-year quarter: « T1 2027 » / « Q1 2027 ».
QUARTER_LABEL = gettext_lazy("Q%(quarter)s %(year)s")
#: A quarter of a fiscal year that does not start in January: « Exercice 2027 – T1 » / « FY2027 – Q1 ».
FISCAL_QUARTER_LABEL = gettext_lazy("FY%(year)s – Q%(quarter)s")


def week_label(week: IsoWeek) -> str:
    return str(WEEK_LABEL) % {"week": f"{week.week:02d}"}


def quarter_label(year: int, quarter: int, fiscal_year_start: int) -> str:
    label = QUARTER_LABEL if fiscal_year_start == 1 else FISCAL_QUARTER_LABEL
    return str(label) % {"year": year, "quarter": quarter}


def today() -> dt.date:
    return timezone.localdate()


def holidays_between(country: str, start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """The plan's country's public holidays in [start, end], named in the reader's language when the
    country's calendar has it; none for a country without a calendar (the plan still shows)."""
    try:
        return workdays.holiday_names(country, start, end, (get_language() or "fr").split("-")[0])
    except workdays.UnknownCountryError:
        return {}


def legend(kinds: list[str], *, holidays: bool = True, today_shown: bool = True) -> list[dict[str, Any]]:
    """One entry per marker the view uses: the calendar items' kinds (their letter in the roadmap's
    markers row), public holidays and today's line."""
    entries = [
        {"kind": kind, "label": _(ITEM_KIND_LABELS[kind]), "letter": _(ITEM_KIND_LABELS[kind])[:1]} for kind in kinds
    ]
    if holidays:
        entries.append({"kind": "holiday", "label": _("Public holiday"), "letter": "★"})
    if today_shown:
        entries.append({"kind": "today", "label": _("today"), "letter": "│"})
    return entries
