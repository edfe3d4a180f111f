"""Recurrences on the web: built from a few choices (frequency, every how many, weekdays, which one in the
month or quarter, day of the month) and shown in words in the reader's language; the rule stays an RRULE
underneath (``engine.recurrence_words``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import get_day_names
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pac.engine.plansections import check_rrule
from pac.engine.recurrence_words import (
    FREQUENCY_LABELS,
    POSITION_LABELS,
    POSITIONS,
    WEEKDAYS,
    Recurrence,
    describe,
)
from pac.web.language import choices, language


def day_choices() -> list[tuple[str, str]]:
    """Monday to Sunday by name in the reader's language, keyed by their RRULE codes."""
    names = get_day_names("wide", locale=language())
    return [(code, str(names[i])) for i, code in enumerate(WEEKDAYS)]


def recurrence_text(rule: str, at: dt.time | None = None) -> str:
    """``rule`` in words in the reader's language (« chaque lundi à 9 h »)."""
    return describe(rule, gettext, language(), at) if rule else ""


class RecurrenceMixin:
    """Recurrence fields in place of a raw RRULE field named ``rrule``. A rule the choices cannot show
    (e.g. from an imported file) is kept as it is while the frequency is left empty."""

    fields: dict[str, Any]
    initial: dict[str, Any]
    instance: Any
    cleaned_data: dict[str, Any]
    recurrence_required = True
    RECURRENCE_FIELDS = ("frequency", "interval", "weekdays", "position", "month_day")

    def add_recurrence_fields(self) -> None:
        current = str(getattr(self.instance, "rrule", "") or "")
        chosen = Recurrence.from_rule(current) if current else None
        self.kept_rule = current if current and chosen is None else ""
        keep = [("", _("Keep: %(rule)s") % {"rule": recurrence_text(current)})] if self.kept_rule else [("", "—")]
        self.fields["frequency"] = forms.ChoiceField(
            label=_("Repeats"), choices=keep + choices(FREQUENCY_LABELS), required=False
        )
        self.fields["interval"] = forms.IntegerField(
            label=_("Every (1 = each one, 2 = every other…)"), min_value=1, max_value=52, initial=1, required=False
        )
        self.fields["weekdays"] = forms.MultipleChoiceField(
            label=_("Days"),
            choices=day_choices(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["position"] = forms.TypedChoiceField(
            label=_("Which one in the month or quarter"),
            choices=[("", "—"), *((str(p), _(POSITION_LABELS[p])) for p in POSITIONS)],
            coerce=int,
            empty_value=None,
            required=False,
            help_text=_("With one weekday: the 1st Tuesday…; with Monday to Friday: the 1st business day…"),
        )
        self.fields["month_day"] = forms.TypedChoiceField(
            label=_("Or day of the month"),
            choices=[("", "—"), *((str(d), str(d)) for d in range(1, 29)), ("-1", _("last day"))],
            coerce=int,
            empty_value=None,
            required=False,
        )
        if chosen is not None:
            self.initial.update(
                frequency=chosen.frequency,
                interval=chosen.interval,
                weekdays=list(chosen.weekdays),
                position=chosen.position,
                month_day=chosen.month_day,
            )
        del self.fields["rrule"]

    def rule_cleaned(self, data: dict[str, Any]) -> bool:
        """Put the choices' rule in ``data["rrule"]``; False, the error added to the form, when they make none."""
        try:
            data["rrule"] = self.recurrence_rule()
        except ValidationError as error:
            self.add_error(None, error)  # type: ignore[attr-defined]
            return False
        return True

    def save(self, commit: bool = True) -> Any:
        """The item with the rule the choices made (the forms save it through the plan's write path)."""
        item = super().save(commit=False)  # type: ignore[misc]
        item.rrule = self.cleaned_data["rrule"]
        return item

    def recurrence_rule(self) -> str:
        """The RRULE the choices make (the kept one when the frequency is left empty); "" for none."""
        data = self.cleaned_data
        frequency = data.get("frequency") or ""
        if not frequency:
            if self.kept_rule:
                return self.kept_rule
            if self.recurrence_required:
                raise ValidationError({"frequency": _("Say how often it repeats.")})
            return ""
        try:
            rule = Recurrence(
                frequency,
                data.get("interval") or 1,
                tuple(d for d in WEEKDAYS if d in (data.get("weekdays") or [])),
                data.get("position"),
                data.get("month_day"),
            ).rule()
            check_rrule(rule)
        except ValueError:
            raise ValidationError(
                {"position": _("Say which of these days in the month or quarter, or choose a day of the month.")}
            ) from None
        return rule
