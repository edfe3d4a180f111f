"""A plan broken down into quarters or months, each part a plan of its own linked to it (issue 13): « T1 2027 »,
« janvier 2027 ». The engine cuts (``engine.breakdown``: the totals shared by the season so that the parts add
up exactly); this module checks the season typed by hand, previews, and creates the parts in one transaction
through the plan file (``services.plan_create_from_file``), each with ``part_of`` and its period's key.

A part is a real plan of the team (in every list, the cockpit, alerts): the year keeps its sequences (a part
made from it would contact the same people twice), and its parts stay while it does (``Plan.part_of`` is
PROTECT: ``services.plan_delete`` says so). The season read from the CRM history is the cockpit's
(``cockpit.breakdown``): it is handed in as twelve weights."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pac.engine.breakdown import By, Part, break_down, periods
from pac.engine.formatting import Formatter
from pac.engine.model import Plan as EnginePlan
from pac.web.accounts.models import User
from pac.web.language import formatter
from pac.web.plans import adapters, services
from pac.web.plans.calendar_marks import quarter_label
from pac.web.plans.inputs import PercentField, month_choices
from pac.web.plans.models import Plan
from pac.web.plans.versioning import PlanConflict, require_editor

#: At most this many parts at once (a five-year plan by month is no plan to steer month by month).
MAX_PARTS = 24
#: How far the twelve typed shares may miss 100 % (they are typed rounded: 8,33 % × 12 = 99,96 %).
TOLERANCE = Decimal("0.005")
#: The season's sources, as the form offers them.
EVEN, HISTORY, TYPED = "even", "history", "typed"
SEASONS = (
    (EVEN, gettext_lazy("Even: each month weighs the same")),
    (HISTORY, gettext_lazy("From the team's won revenue, month by month")),
    (TYPED, gettext_lazy("Typed by hand, month by month")),
)
BY_CHOICES = ((By.QUARTER.value, gettext_lazy("quarters")), (By.MONTH.value, gettext_lazy("months")))


def part_label(key: str, fiscal_year_start: int, fmt: Formatter) -> str:
    """A part's period as people name it: ``2027-Q1`` → « T1 2027 » (« Exercice 2027 – T1 » for a fiscal
    year not starting in January), ``2027-03`` → « mars 2027 »."""
    year, _sep, rest = key.partition("-")
    if rest.startswith("Q"):
        return quarter_label(int(year), int(rest[1:]), fiscal_year_start)
    return fmt.month(dt.date(int(year), int(rest), 1))


def split_choices(plan: Plan, engine_plan: EnginePlan) -> list[str]:
    """The ways ``plan`` may be broken down (``quarter``, ``month``): more than one part, at most
    ``MAX_PARTS``; none for a scenario or a plan already broken down."""
    if plan.scenario_of_id is not None or plan.parts.exists():
        return []
    return [by.value for by in By if 1 < len(periods(engine_plan, by)) <= MAX_PARTS]


def parts_of(plan: Plan) -> QuerySet[Plan]:
    """The plan's parts, in the order of their periods (the caller read the plan through ``selectors``)."""
    return plan.parts.select_related("owner", "team").order_by("start", "pk")


def part_name(year_name: str, label: str) -> str:
    """« Plan 2027 — T1 2027 », the year's name shortened to keep within a plan name's length."""
    suffix = f" — {label}"
    room = Plan._meta.get_field("name").max_length - len(suffix)  # type: ignore[operator]
    base = year_name if len(year_name) <= room else year_name[: room - 1].rstrip() + "…"
    return base + suffix


class SplitForm(forms.Form):
    """How to break the plan down: by quarter or by month, and the season's weights (even, from history, or
    twelve shares typed in per cent that add up to 100 %)."""

    by = forms.ChoiceField(label=gettext_lazy("Break down into"), choices=BY_CHOICES, initial=By.QUARTER.value)
    season = forms.ChoiceField(label=gettext_lazy("Season"), choices=SEASONS, initial=EVEN, widget=forms.RadioSelect)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for number, name in month_choices():
            self.fields[f"m{number}"] = PercentField(label=name.capitalize(), required=False, decimal_places=4)

    def months(self) -> list[forms.BoundField]:
        return [self[f"m{number}"] for number in range(1, 13)]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("season") != TYPED:  # the shares are not read: nothing typed there is refused
            for n in range(1, 13):
                self.errors.pop(f"m{n}", None)
            return data
        shares = [data.get(f"m{n}") for n in range(1, 13)]
        if any(f"m{n}" in self.errors for n in range(1, 13)):
            return data
        for n, share in enumerate(shares, start=1):
            if share is None:
                self.add_error(f"m{n}", _("Give this month's share of the year (0 if nothing is won then)."))
        if any(share is None for share in shares):
            return data
        total = sum((s for s in shares if s is not None), Decimal(0))
        if abs(total - 1) > TOLERANCE:
            fmt = formatter()
            raise ValidationError(
                _("The twelve months add up to %(total)s: they must make 100 %%.") % {"total": fmt.percent(total, 2)}
            )
        return data

    def typed_season(self) -> tuple[Decimal, ...]:
        """The twelve shares typed (January first), once the form is valid and the season typed by hand."""
        return tuple(self.cleaned_data[f"m{n}"] for n in range(1, 13))


def preview(plan: Plan, by: str, season: Sequence[Decimal] | None) -> list[Part]:
    """The parts ``plan`` would be broken into, nothing written; refused (``ValidationError``) when it cannot
    be (a scenario, already broken down, too short or too long)."""
    if plan.scenario_of_id is not None:
        raise ValidationError(_("A scenario is never applied: break down its plan instead."))
    if plan.parts.exists():
        raise ValidationError(
            _("This plan is broken down already: its parts are listed on its page. Delete them to break it anew.")
        )
    engine_plan = adapters.to_engine(plan)
    count = len(periods(engine_plan, By(by)))
    if count < 2:
        raise ValidationError(_("This plan is too short to break down: it fits in one period."))
    if count > MAX_PARTS:
        raise ValidationError(
            _("At most %(count)s parts at once: break the plan down by quarter.") % {"count": MAX_PARTS}
        )
    return break_down(engine_plan, By(by), season)


@transaction.atomic
def split_create(
    *,
    user: User,
    plan: Plan,
    by: str,
    season: Sequence[Decimal] | None,
    expected_version: int,
    today: dt.date | None = None,
) -> list[Plan]:
    """Create the plan's parts, all or none, each linked to ``plan``, owned by its owner; by whoever may change
    it, from the plan as it was previewed (``expected_version``: a plan changed since refuses, the preview was
    stale). Twice is refused: the parts exist (and the database keeps one plan per period)."""
    require_editor(user, plan)
    # the first write of the transaction: whoever clicks second waits here, then finds the parts made
    locked = Plan.objects.filter(pk=plan.pk, version=expected_version).update(updated_at=timezone.now())
    if not locked:
        raise PlanConflict(_("This plan was changed by someone else meanwhile: reload it and redo your change."))
    parts = preview(plan, by, season)
    fmt = formatter(plan.currency)  # the parts are named in the language of whoever makes them
    made = []
    for part in parts:
        label = part_label(part.key, plan.fiscal_year_start, fmt)
        source = dataclasses.replace(part.plan, name=part_name(plan.name, label))
        made.append(
            services.plan_create_from_file(
                user=user,
                team=plan.team,
                plan=source,
                owner=plan.owner,
                today=today,
                part_of=plan,
                part_key=part.key,
            )
        )
    return made
