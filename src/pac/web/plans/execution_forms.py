"""Forms for the execution side of a plan. People are chosen among the team's members (usernames);
names already in the plan (e.g. from an imported file) stay selectable so nothing is lost on edit."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pac.engine.model import Stage
from pac.engine.plansections import check_rrule
from pac.web.plans import models as m
from pac.web.plans.execution import check_raci
from pac.web.plans.forms import BLANK, DATE_WIDGET


def people_choices(plan: m.Plan, *extra: str) -> list[tuple[str, str]]:
    members = {u.username: (u.get_full_name() or u.username) for u in plan.team.members.all()}
    for name in extra:
        if name and name not in members:
            members[name] = name
    return sorted(members.items(), key=lambda kv: kv[1].lower())


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class PlanScopedForm(forms.ModelForm):  # type: ignore[type-arg]
    """A ModelForm that knows its plan: querysets and people limited to it, ``version`` carried along."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, plan: m.Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["version"].initial = plan.version
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and hasattr(field.queryset.model, "plan"):
                field.queryset = field.queryset.model.objects.filter(plan=plan)
            if isinstance(field.widget, forms.DateInput):
                field.widget = DATE_WIDGET

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"])
        model = self._meta.model
        clash = model.objects.filter(plan=self.plan, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("This id is already used in the plan."))
        return code

    def person_field(self, name: str, label: Any, required: bool = False, multiple: bool = False) -> None:
        current = getattr(self.instance, name, "") if self.instance.pk else ""
        values = current if isinstance(current, list) else [current]
        choices = people_choices(self.plan, *values)
        if multiple:
            self.fields[name] = forms.MultipleChoiceField(
                label=label, choices=choices, required=required, widget=forms.SelectMultiple(attrs={"size": 4})
            )
        else:
            self.fields[name] = forms.ChoiceField(label=label, choices=BLANK + choices, required=required)


class SegmentForm(PlanScopedForm):
    industries = forms.CharField(label=_("Industries"), required=False, help_text=_("Comma-separated."))
    sizes = forms.CharField(label=_("Company sizes"), required=False)
    regions = forms.CharField(label=_("Regions"), required=False)
    personas = forms.CharField(label=_("Personas"), required=False, help_text=_("e.g. CFO, COO"))
    messages_text = forms.CharField(
        label=_("Differentiating messages"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    rates_text = forms.CharField(
        label=_("Historical or assumed rates"), required=False, help_text=_("stage=rate pairs, e.g. sql=0.5, demo=0.3")
    )

    class Meta:
        model = m.Segment
        fields = [
            "code",
            "name",
            "value_proposition",
            "potential_accounts",
            "potential_value",
            "cycle_days",
            "acquisition_cost",
        ]
        widgets = {"value_proposition": forms.Textarea(attrs={"rows": 2})}

    CRITERIA = {"industries": "industry", "sizes": "size", "regions": "region", "personas": "persona"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for field, key in self.CRITERIA.items():
                self.fields[field].initial = ", ".join(self.instance.criteria.get(key, []))
            self.fields["messages_text"].initial = "\n".join(self.instance.messages)
            self.fields["rates_text"].initial = ", ".join(f"{k}={v}" for k, v in self.instance.rates.items())

    def clean_rates_text(self) -> dict[str, str]:
        rates: dict[str, str] = {}
        for pair in split_list(self.cleaned_data["rates_text"]):
            stage, _sep, value = pair.partition("=")
            try:
                rate = Decimal(value.strip().replace(",", "."))
                Stage(stage.strip().lower())
            except (InvalidOperation, ValueError):
                raise ValidationError(
                    _("Write stage=rate pairs, e.g. sql=0.5 (not “%(pair)s”).") % {"pair": pair}
                ) from None
            if not Decimal(0) < rate <= 1:
                raise ValidationError(_("A rate is a fraction in (0, 1] (not %(rate)s).") % {"rate": rate})
            rates[stage.strip().lower()] = str(rate)
        return rates

    def save(self, commit: bool = True) -> Any:
        segment = super().save(commit=False)
        segment.criteria = {
            key: split_list(self.cleaned_data[field])
            for field, key in self.CRITERIA.items()
            if split_list(self.cleaned_data[field])
        }
        segment.messages = [line.strip() for line in self.cleaned_data["messages_text"].splitlines() if line.strip()]
        segment.rates = self.cleaned_data["rates_text"]
        return segment


class AccountForm(PlanScopedForm):
    class Meta:
        model = m.Account
        fields = ["code", "name", "segment", "strategic", "potential", "icp_fit", "owner", "stage"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_field("owner", _("Owner"))


class ContactForm(PlanScopedForm):
    """A contact of one of the plan's accounts: persona and part in the buying centre."""

    class Meta:
        model = m.Contact
        fields = ["account", "code", "name", "persona", "buying_role", "email"]
        labels = {"account": _("Account")}  # the foreign key has no verbose name: Django would show "Account"

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"])
        account = self.cleaned_data.get("account")
        if account and m.Contact.objects.filter(account=account, code=code).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("This id is already used for this account."))
        return code


class RaciMixin:
    """Four people fields turned into the {"R", "A", "C", "I"} mapping, checked by ``check_raci``."""

    fields: dict[str, Any]
    cleaned_data: dict[str, Any]
    instance: Any
    plan: m.Plan

    def add_raci_fields(self, required: bool) -> None:
        raci = self.instance.raci if self.instance.pk else {}
        names = [*raci.get("R", []), raci.get("A", ""), *raci.get("C", []), *raci.get("I", [])]
        choices = people_choices(self.plan, *names)
        self.required_raci = required
        self.fields["raci_r"] = forms.MultipleChoiceField(
            label=_("Responsible (R)"),
            choices=choices,
            required=False,
            initial=raci.get("R", []),
            widget=forms.SelectMultiple(attrs={"size": 4}),
        )
        self.fields["raci_a"] = forms.ChoiceField(
            label=_("Accountable (A)"), choices=BLANK + choices, required=False, initial=raci.get("A", "")
        )
        self.fields["raci_c"] = forms.MultipleChoiceField(
            label=_("Consulted (C)"),
            choices=choices,
            required=False,
            initial=raci.get("C", []),
            widget=forms.SelectMultiple(attrs={"size": 4}),
        )
        self.fields["raci_i"] = forms.MultipleChoiceField(
            label=_("Informed (I)"),
            choices=choices,
            required=False,
            initial=raci.get("I", []),
            widget=forms.SelectMultiple(attrs={"size": 4}),
        )

    def clean_raci(self) -> dict[str, Any]:
        data = self.cleaned_data
        raci = {
            "R": data.get("raci_r") or [],
            "A": data.get("raci_a") or "",
            "C": data.get("raci_c") or [],
            "I": data.get("raci_i") or [],
        }
        if not self.required_raci and not any(raci.values()):
            return {}
        return check_raci(raci)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}  # type: ignore[misc]
        try:
            data["raci"] = self.clean_raci()
        except ValidationError as error:
            self.add_error(None, error)  # type: ignore[attr-defined]
        return data

    def save(self, commit: bool = True) -> Any:
        row = super().save(commit=False)  # type: ignore[misc]
        row.raci = self.cleaned_data.get("raci", {})
        return row


class ActionForm(RaciMixin, PlanScopedForm):
    class Meta:
        model = m.Action
        fields = [
            "code",
            "type",
            "name",
            "status",
            "channel",
            "segment",
            "accounts",
            "persona",
            "message",
            "expected_volume",
            "expected_stage",
            "expected_metric",
            "expected_objective",
            "owner",
            "role",
            "start",
            "end",
            "budget",
            "hours",
            "value",
            "kpi",
            "event",
        ]
        widgets = {"message": forms.Textarea(attrs={"rows": 2}), "accounts": forms.SelectMultiple(attrs={"size": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_field("owner", _("Owner"))
        # an objective by what it measures (« Démos · SaaS mid-market »): its id is the plan file's, not a name
        segments = dict(self.plan.segments.values_list("code", "name"))
        objectives = [
            (o.code, " · ".join(str(x) for x in (o.get_metric_display() or o.code, segments.get(o.segment)) if x))
            for o in self.plan.objectives.all()
        ]
        self.fields["expected_objective"] = forms.ChoiceField(
            label=_("Objective served"), choices=BLANK + objectives, required=False
        )
        self.add_raci_fields(required=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end must not be before the start."))
        if data.get("hours") and not data.get("role"):
            self.add_error("role", _("Say whose hours these are."))
        stage = data.get("expected_stage")
        if stage and not self.plan.stages.filter(stage=stage).exists():
            self.add_error("expected_stage", _("This stage is not in the plan's funnel."))
        if stage and data.get("expected_volume") is None:
            self.add_error("expected_volume", _("Give the volume expected at this stage."))
        return data


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("Milestone"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)


MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=2, can_delete=True, max_num=30, validate_max=True)


class EventForm(PlanScopedForm):
    campaigns_text = forms.CharField(
        label=_("Activation campaigns (days before)"),
        required=False,
        initial="60, 30, 7",
        help_text=_("e.g. 60, 30, 7: moved to the previous business day when needed."),
    )

    class Meta:
        model = m.Event
        fields = ["code", "name", "kind", "start", "end", "location"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["campaigns_text"].initial = ", ".join(str(c) for c in self.instance.campaigns)

    def clean_campaigns_text(self) -> list[int]:
        try:
            offsets = [int(part) for part in split_list(self.cleaned_data["campaigns_text"])]
        except ValueError:
            raise ValidationError(_("Write whole numbers of days, e.g. 60, 30, 7.")) from None
        if any(o < 0 or o > 730 for o in offsets):
            raise ValidationError(_("Offsets go from 0 to 730 days."))
        return offsets

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end must not be before the start."))
        return data

    def save(self, commit: bool = True) -> Any:
        event = super().save(commit=False)
        event.campaigns = self.cleaned_data["campaigns_text"]
        return event


def _check_rrule(value: str) -> str:
    try:
        check_rrule(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    return value


class RitualForm(PlanScopedForm):
    class Meta:
        model = m.Ritual
        fields = ["code", "name", "rrule", "time", "minutes", "owner", "attendees"]
        widgets = {"time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        help_texts = {"rrule": _("RFC 5545, e.g. FREQ=WEEKLY;BYDAY=MO (every Monday).")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_field("owner", _("Owner"))
        self.person_field("attendees", _("Attendees"), multiple=True)
        if self.instance.pk:
            self.fields["attendees"].initial = self.instance.attendees

    def clean_rrule(self) -> str:
        return _check_rrule(self.cleaned_data["rrule"].strip())


class DeadlineForm(PlanScopedForm):
    class Meta:
        model = m.Deadline
        fields = ["code", "name", "date", "rrule", "owner"]
        help_texts = {"rrule": _("Or a recurrence, e.g. FREQ=MONTHLY;BYMONTHDAY=-1 (last day of each month).")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_field("owner", _("Owner"))

    def clean_rrule(self) -> str:
        value = self.cleaned_data["rrule"].strip()
        return _check_rrule(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("date")) == bool(data.get("rrule")):
            raise ValidationError(_("Give either a date or a recurrence."))
        return data


class GovernanceForm(RaciMixin, PlanScopedForm):
    class Meta:
        model = m.GovernanceRaci
        fields = ["activity"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_raci_fields(required=True)
