"""Forms for the plan header and its four sections, with the plan file's rules as inline errors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from pac.engine.model import RATE_METRICS, Metric, Stage
from pac.engine.planfile import MAX_PLAN_DAYS
from pac.engine.plansections import check_timezone
from pac.engine.workdays import supported_countries
from pac.web.accounts.models import ROLE_CHOICES, Team
from pac.web.language import language
from pac.web.plans.inputs import (
    LocaleDecimalField,
    MoneyField,
    PercentField,
    month_choices,
    show_percent,
    unique_slug,
)
from pac.web.plans.models import METRIC_CHOICES, PERIOD_CHOICES, STAGE_CHOICES, Plan

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = [("", "—")]  # so that an untouched extra row of a formset stays empty and is ignored


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput


class PlanForm(forms.ModelForm):  # type: ignore[type-arg]
    version = VersionField(required=False)

    class Meta:
        model = Plan
        fields = [
            "name",
            "team",
            "start",
            "end",
            "currency",
            "country",
            "average_deal",
            "budget",
            "fiscal_year_start",
            "timezone",
            "weight_value",
            "weight_velocity",
            "weight_cost",
        ]
        widgets = {"start": DATE_WIDGET, "end": DATE_WIDGET}
        field_classes = {
            "average_deal": MoneyField,
            "budget": MoneyField,
            "weight_value": PercentField,
            "weight_velocity": PercentField,
            "weight_cost": PercentField,
        }
        help_texts = {
            "weight_value": _("In per cent, e.g. 50 %."),
            "weight_velocity": _("In per cent, e.g. 30 %."),
            "weight_cost": _("In per cent, e.g. 20 %."),
        }

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()
        self.fields["fiscal_year_start"] = forms.TypedChoiceField(
            label=self.fields["fiscal_year_start"].label,
            choices=month_choices(),
            coerce=int,
            required=False,
            empty_value=None,
        )
        for name in ("fiscal_year_start", "timezone", "weight_value", "weight_velocity", "weight_cost"):
            self.fields[name].required = False  # left empty: the model's default
        if self.instance.pk:
            del self.fields["team"]
            self.fields["version"].initial = self.instance.version

    def clean_currency(self) -> str:
        value = str(self.cleaned_data["currency"]).strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise ValidationError(_("Use a three-letter ISO currency code, e.g. EUR."))
        return value

    def clean_country(self) -> str:
        value = str(self.cleaned_data["country"]).strip().upper()
        if value not in supported_countries():
            raise ValidationError(_("Use a two-letter ISO country code whose public holidays are known, e.g. FR."))
        return value

    def clean_timezone(self) -> str:
        value = str(self.cleaned_data["timezone"] or "Europe/Paris").strip()
        try:
            check_timezone(value)
        except ValueError:
            raise ValidationError(_("Use a time zone name such as Europe/Paris.")) from None
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
        elif start and end and (end - start).days > MAX_PLAN_DAYS:
            self.add_error("end", _("A plan covers at most five years: split it."))
        return data


class TargetField(LocaleDecimalField):
    """An objective's target: a count or an amount (``1 000 000``), or a win rate in per cent (``30 %``)."""

    accepts_signs = True


class ObjectiveForm(forms.Form):
    code = forms.SlugField(
        label=_("Id"), max_length=64, required=False, help_text=_("Empty: made from the metric and the segment.")
    )
    metric = forms.ChoiceField(label=_("Metric"), choices=[("", "—"), *METRIC_CHOICES], required=False)
    target = TargetField(
        label=_("Target"),
        min_value=Decimal("0.01"),
        max_digits=16,
        decimal_places=2,
        required=False,
        help_text=_("A rate (win rate, NRR, adoption) in per cent, e.g. 30 % or 115 %."),
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE_WIDGET)
    per = forms.ChoiceField(label=_("Recurrence"), choices=[("", "—"), *PERIOD_CHOICES], required=False)
    segment = forms.ChoiceField(label=_("Segment"), choices=BLANK, required=False)

    def __init__(self, *args: Any, segments: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = str(self.initial.get("segment") or "")
        known = dict(segments)
        if current and current not in known:  # e.g. from an imported file: kept so nothing is lost on edit
            known[current] = current
        self.fields["segment"].choices = BLANK + list(known.items())
        target = self.initial.get("target")
        if _rate_metric(self.initial.get("metric")) is not None and isinstance(target, Decimal):
            self.initial["target"] = show_percent(target, language())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("code") and not data.get("metric") and "code" not in self.errors:
            self.add_error("code", _("Give an id or a metric to make it from."))
        target = data.get("target")
        rate = _rate_metric(data.get("metric"))
        if rate is not None and target is not None:
            highest = RATE_METRICS[rate] * 100
            if rate is Metric.WIN_RATE and target > highest:
                self.add_error("target", _("A win rate is at most 100 %."))
            elif target > highest:
                self.add_error("target", _("This rate is at most %(percent)s %%.") % {"percent": int(highest)})
            elif target != target.to_integral_value():
                self.add_error("target", _("Give a rate in whole per cent, e.g. 30 %."))
            else:
                data["target"] = target / 100  # typed in per cent, kept as a fraction
        return data


def _rate_metric(value: object) -> Metric | None:
    """The metric named ``value`` when its target is a rate typed in per cent (win rate, NRR, adoption)."""
    return next((metric for metric in RATE_METRICS if metric.value == value), None)


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=BLANK + STAGE_CHOICES)
    rate = PercentField(
        label=_("Rate to next stage (%)"),
        min_value=Decimal("0.0001"),
        max_value=Decimal(1),
        max_digits=6,
        decimal_places=4,
        required=False,
        help_text=_("In per cent: 25 for 25 %."),
    )
    days = forms.IntegerField(label=_("Days to next stage"), min_value=0, max_value=3650, initial=0)


class RampUpField(forms.CharField):
    """Productivity month by month from the start, typed in per cent: « 50, 75 » or « 50 %, 75 % »;
    kept as fractions in text (["0.5", "0.75"])."""

    MONTHS = 24

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(f"{(Decimal(v) * 100).normalize():f} %" for v in value)
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        """Blank is no ramp-up: an extra row left empty stays unchanged (and is not validated)."""
        try:
            return self.to_python(data) != list(initial or [])
        except ValidationError:
            return True

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        tokens = (t.strip(",% ").replace(",", ".") for t in re.split(r"[;\s]+|,(?=\s)", text or ""))
        parts = [t for t in tokens if t]
        fractions = []
        for part in parts:
            try:
                percent = Decimal(part)
            except ArithmeticError:
                raise ValidationError(_("Write percentages separated by commas, such as 50, 75.")) from None
            if not percent.is_finite() or not 0 <= percent <= 100:
                raise ValidationError(_("Each month's productivity is between 0 and 100 %."))
            fractions.append(str((percent / 100).quantize(Decimal("0.001")).normalize()))
        if len(fractions) > self.MONTHS:
            raise ValidationError(_("A ramp-up covers at most %(months)s months.") % {"months": self.MONTHS})
        return fractions


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=BLANK + ROLE_CHOICES)
    headcount = forms.IntegerField(label=_("Headcount"), min_value=0, max_value=10000)
    hours_per_week = LocaleDecimalField(
        label=_("Hours per week"), min_value=Decimal("0.5"), max_value=80, max_digits=5, decimal_places=2, initial=35
    )
    start = forms.DateField(
        label=_("Joins on"), required=False, widget=DATE_WIDGET, help_text=_("Empty: already in the team.")
    )
    ramp_up = RampUpField(
        label=_("Ramp-up (% per month)"),
        required=False,
        max_length=200,
        help_text=_("Productivity in each month from the start, e.g. 50, 75 (then 100 %)."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("ramp_up") and not data.get("start"):
            self.add_error("ramp_up", _("A ramp-up counts months from a start date: give the date they join."))
        return data


class EffortForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=BLANK + STAGE_CHOICES)
    role = forms.ChoiceField(label=_("Role"), choices=BLANK + ROLE_CHOICES)
    hours = LocaleDecimalField(label=_("Hours per unit"), min_value=0, max_value=1000, max_digits=8, decimal_places=2)


class LabelledFormSet(BaseFormSet):  # type: ignore[type-arg]
    """A formset shown as a grid: the column headers name the inputs for the eye, the ``aria-label`` (the
    field's label) names each one for a screen reader, which has no ``<label>`` to read in a table cell."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        for field in form.fields.values():
            field.widget.attrs.setdefault("aria-label", field.label)


class SectionFormSet(LabelledFormSet):
    """A formset for one plan section; ``plan`` gives the context for cross-row rules."""

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        self.plan = plan
        super().__init__(*args, **kwargs)

    def rows(self) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def _unique(self, key: Any, message: str) -> None:
        seen = set()
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            value = key(data)
            if value in seen:
                form.add_error(None, message)
            seen.add(value)


class ObjectiveFormSet(SectionFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "segments": [(s.code, s.name) for s in self.plan.segments.all()]}

    def clean(self) -> None:
        if any(self.errors):
            return
        self._name_objectives()
        self._unique(lambda d: d["code"], str(_("This id is already used by another objective.")))
        for form in self.forms:
            deadline = (form.cleaned_data or {}).get("deadline")
            if deadline and not self.plan.start <= deadline <= self.plan.end:
                form.add_error("deadline", _("The deadline must be inside the plan."))

    def _name_objectives(self) -> None:
        """An objective left without an id gets one from its metric and segment (``revenue-pme``)."""
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        taken = {str(row["code"]) for row in rows if row.get("code")}
        for row in rows:
            if not row.get("code"):
                title = " ".join(str(row.get(k) or "") for k in ("metric", "segment")).strip() or "objective"
                row["code"] = unique_slug(title, taken)
                taken.add(row["code"])


class StageFormSet(SectionFormSet):
    def clean(self) -> None:
        for form in self.forms:  # row rules first, so every faulty row is marked at once
            data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
            if not data.get("stage") or data.get("DELETE"):
                continue
            if data["stage"] != Stage.WON.value and data.get("rate") is None and "rate" not in form.errors:
                form.add_error("rate", _("Give the conversion rate to the next stage."))
            if data["stage"] == Stage.WON.value and data.get("rate") is not None:
                form.add_error("rate", _("The “won” stage has no rate."))
        if any(self.errors):
            return
        self._unique(lambda d: d["stage"], str(_("This stage is already in the funnel.")))
        rows = sorted(self.rows(), key=lambda r: Stage(r["stage"]).order)
        if not rows or rows[-1]["stage"] != Stage.WON.value:
            raise ValidationError(_("The funnel must end with the “won” stage."))
        removed = {s.stage for s in self.plan.stages.all()} - {r["stage"] for r in rows}
        efforts = self.plan.efforts.filter(stage__in=removed).values_list("stage", flat=True)
        actions = self.plan.actions.filter(expected_stage__in=removed).values_list("expected_stage", flat=True)
        used = sorted({*efforts, *actions})
        if used:
            raise ValidationError(
                _("Stage(s) %(stages)s still carry effort rows or actions' expected outcomes: change those first.")
                % {"stages": ", ".join(used)}
            )


class RoleFormSet(SectionFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        self._unique(
            lambda d: (d["role"], d.get("start")),
            str(_("This role is already in the team from this date: change the headcount of that row instead.")),
        )
        removed = {r.role for r in self.plan.roles.all()} - {r["role"] for r in self.rows()}
        used = sorted({e.role for e in self.plan.efforts.filter(role__in=removed)})
        if used:
            raise ValidationError(
                _("Role(s) %(roles)s still have effort rows: change those first.") % {"roles": ", ".join(used)}
            )


class EffortFormSet(SectionFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        self._unique(lambda d: (d["stage"], d["role"]), str(_("This stage and role already have a row.")))
        stages = {s.stage for s in self.plan.stages.all()}
        roles = {r.role for r in self.plan.roles.all()}
        for form in self.forms:
            data = form.cleaned_data or {}
            if not data or data.get("DELETE"):
                continue
            if data["stage"] not in stages:
                form.add_error("stage", _("This stage is not in the plan's funnel."))
            if data["role"] not in roles:
                form.add_error("role", _("This role is not in the plan's team."))


def _formset(form: type[forms.Form], base: type[SectionFormSet]) -> type[SectionFormSet]:
    return formset_factory(
        form,
        formset=base,
        extra=3,
        can_delete=True,
        max_num=50,  # type: ignore[no-any-return]
        validate_max=True,
    )


SECTION_FORMSETS: dict[str, type[SectionFormSet]] = {
    "objectives": _formset(ObjectiveForm, ObjectiveFormSet),
    "stages": _formset(StageForm, StageFormSet),
    "roles": _formset(RoleForm, RoleFormSet),
    "efforts": _formset(EffortForm, EffortFormSet),
}


class PlanImportForm(forms.Form):
    file = forms.FileField(label=_("Plan file (YAML)"))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.PLAN_UPLOAD_MAX_BYTES:
            raise ValidationError(
                _("The file is too large (%(size)s bytes, at most %(max)s).")
                % {"size": upload.size, "max": settings.PLAN_UPLOAD_MAX_BYTES}
            )
        return upload
