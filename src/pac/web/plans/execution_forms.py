"""Forms for the execution side of a plan. People are chosen among the team's members (usernames);
names already in the plan (e.g. from an imported file) stay selectable so nothing is lost on edit."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pac.engine.model import Stage
from pac.web.accounts.models import ROLE_CHOICES
from pac.web.language import language
from pac.web.plans import models as m
from pac.web.plans.execution import check_raci
from pac.web.plans.forms import BLANK, DATE_WIDGET, LabelledFormSet
from pac.web.plans.inputs import (
    LocaleDecimalField,
    LocaleIntegerField,
    MoneyField,
    PercentField,
    parse_number,
    show_number,
    unique_slug,
)
from pac.web.plans.recurrence import RecurrenceMixin


def people_choices(plan: m.Plan, *extra: str) -> list[tuple[str, str]]:
    members = {u.username: (u.get_full_name() or u.username) for u in plan.team.members.all()}
    for name in extra:
        if name and name not in members:
            members[name] = name
    return sorted(members.items(), key=lambda kv: kv[1].lower())


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class OwnerSelect(forms.Select):
    """The owner's select, each person carrying their role (``data-role``) so the page preselects it."""

    def __init__(self, *args: Any, roles: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles = roles
        self.attrs["data-role-for"] = "id_role"

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.roles:
            option["attrs"]["data-role"] = self.roles[str(value)]
        return option


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
        if "code" in self.fields and "name" in self.fields:
            self.fields["code"].required = False
            self.fields["code"].help_text = _("Empty: made from the name.")

    fieldsets: list[tuple[Any, list[str]]] = []

    def groups(self) -> list[tuple[Any, list[Any]]]:
        """The visible fields in their fieldsets (legend, bound fields), the ones no set names last."""
        visible = {bound.name: bound for bound in self.visible_fields()}
        grouped = [(legend, [visible.pop(n) for n in names if n in visible]) for legend, names in self.fieldsets]
        rest = list(visible.values())
        return [g for g in grouped if g[1]] + ([(None, rest)] if rest else [])

    def taken_codes(self) -> set[str]:
        """The ids other rows of the same kind already use, where this row's id must be unique."""
        model = self._meta.model
        return set(model.objects.filter(plan=self.plan).exclude(pk=self.instance.pk).values_list("code", flat=True))

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"] or "")
        if code and code in self.taken_codes():
            raise ValidationError(_("This id is already used in the plan."))
        return code

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if "code" in self.fields and not data.get("code") and "code" not in self.errors and data.get("name"):
            data["code"] = unique_slug(str(data["name"]), self.taken_codes())
        elif "code" in self.fields and not data.get("code") and "code" not in self.errors:
            self.add_error("code", _("Give an id or a name to make it from."))
        return data

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
        label=_("Historical or assumed rates"),
        required=False,
        help_text=_("stage=rate pairs in per cent, e.g. sql=50 %, demo=30 %"),
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
        field_classes = {
            "potential_value": MoneyField,
            "acquisition_cost": MoneyField,
            "potential_accounts": LocaleIntegerField,
        }

    CRITERIA = {"industries": "industry", "sizes": "size", "regions": "region", "personas": "persona"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for field, key in self.CRITERIA.items():
                self.fields[field].initial = ", ".join(self.instance.criteria.get(key, []))
            self.fields["messages_text"].initial = "\n".join(self.instance.messages)
            self.fields["rates_text"].initial = ", ".join(
                f"{k}={show_number(Decimal(str(v)) * 100, language())} %" for k, v in self.instance.rates.items()
            )

    def clean_rates_text(self) -> dict[str, str]:
        rates: dict[str, str] = {}
        for pair in re.split(r"[;\n]|,(?=\s*[a-zA-Z])", self.cleaned_data["rates_text"]):
            if not pair.strip():
                continue
            stage, _sep, value = pair.partition("=")
            try:
                percent = parse_number(value, language(), percent=True)
                Stage(stage.strip().lower())
            except ValueError:
                raise ValidationError(
                    _("Write stage=rate pairs in per cent, e.g. sql=50 %% (not “%(pair)s”).") % {"pair": pair.strip()}
                ) from None
            if not Decimal(0) < percent <= 100:
                raise ValidationError(
                    _("A rate is above 0 and at most 100 %% (not %(rate)s).") % {"rate": pair.partition("=")[2].strip()}
                )
            rates[stage.strip().lower()] = str((percent / 100).normalize())
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
        field_classes = {"potential": MoneyField, "icp_fit": PercentField}
        labels = {"icp_fit": _("ICP fit (%)")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_field("owner", _("Owner"))


class ContactForm(PlanScopedForm):
    """A contact of one of the plan's accounts: persona and part in the buying centre."""

    class Meta:
        model = m.Contact
        fields = ["account", "code", "name", "persona", "buying_role", "email"]
        labels = {"account": _("Account")}  # the foreign key has no verbose name: Django would show "Account"

    def taken_codes(self) -> set[str]:
        account = self.cleaned_data.get("account")
        if account is None:
            return set()
        others = m.Contact.objects.filter(account=account).exclude(pk=self.instance.pk)
        return set(others.values_list("code", flat=True))

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"] or "")
        if code and code in self.taken_codes():
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
        field_classes = {
            "budget": MoneyField,
            "value": MoneyField,
            "hours": LocaleDecimalField,
            "expected_volume": LocaleDecimalField,
        }

    #: The 25 fields in groups a manager reads top to bottom: what, for whom, who, when, budget and time, RACI.
    fieldsets = [
        (
            _("What"),
            [
                "name",
                "code",
                "type",
                "status",
                "channel",
                "expected_objective",
                "expected_volume",
                "expected_stage",
                "expected_metric",
                "kpi",
            ],
        ),
        (_("For whom"), ["segment", "accounts", "persona", "message"]),
        (_("Who"), ["owner", "role"]),
        (_("When"), ["start", "end", "event"]),
        (_("Budget and time"), ["budget", "hours", "value"]),
        (_("RACI"), ["raci_r", "raci_a", "raci_c", "raci_i"]),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_field("owner", _("Owner"))
        self.owner_roles = {u.username: u.role for u in self.plan.team.members.all()}
        owner = self.fields["owner"]
        owner.widget = OwnerSelect(roles=self.owner_roles, choices=owner.choices)
        # an objective by what it measures (« Démos · SaaS mid-market »): its id is the plan file's, not a name
        segments = dict(self.plan.segments.values_list("code", "name"))
        objectives = [
            (o.code, " · ".join(str(x) for x in (o.get_metric_display() or o.code, segments.get(o.segment)) if x))
            for o in self.plan.objectives.all()
        ]
        self.fields["expected_objective"] = forms.ChoiceField(
            label=_("Objective served"), choices=BLANK + objectives, required=False
        )
        self.fields["role"].help_text = _("The owner's role unless you choose another.")
        self.add_raci_fields(required=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("role") and self.owner_roles.get(data.get("owner") or "") in dict(ROLE_CHOICES):
            data["role"] = self.owner_roles[data["owner"]]  # what the page preselects when scripts run
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


MilestoneFormSet = forms.formset_factory(
    MilestoneForm, formset=LabelledFormSet, extra=2, can_delete=True, max_num=30, validate_max=True
)


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


class RitualForm(RecurrenceMixin, PlanScopedForm):
    class Meta:
        model = m.Ritual
        fields = ["code", "name", "rrule", "time", "minutes", "owner", "attendees"]
        widgets = {"time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_field("owner", _("Owner"))
        self.person_field("attendees", _("Attendees"), multiple=True)
        if self.instance.pk:
            self.fields["attendees"].initial = self.instance.attendees
        self.add_recurrence_fields()
        self.order_fields(["code", "name", *self.RECURRENCE_FIELDS, "time", "minutes", "owner", "attendees"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.rule_cleaned(data)
        return data


class DeadlineForm(RecurrenceMixin, PlanScopedForm):
    recurrence_required = False

    class Meta:
        model = m.Deadline
        fields = ["code", "name", "date", "rrule", "owner"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_field("owner", _("Owner"))
        self.add_recurrence_fields()
        self.fields["date"].help_text = _("A single date, or a recurrence below.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.rule_cleaned(data) and bool(data.get("date")) == bool(data.get("rrule")):
            raise ValidationError(_("Give either a date or a recurrence."))
        return data


class PartnerForm(PlanScopedForm):
    """A channel partner: managed by a team member, its recruitment status (the day it signed from
    « recruited » on, as the plan file asks), its MDF budget."""

    class Meta:
        model = m.Partner
        fields = ["code", "name", "kind", "owner", "status", "recruited", "region", "segment", "mdf_budget"]
        field_classes = {"mdf_budget": MoneyField}
        labels = {"segment": _("Segment")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person_field("owner", _("Partner manager"))
        self.fields["recruited"].help_text = _("The day the partner signed: required once recruited or active.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status, recruited = data.get("status"), data.get("recruited")
        if status in ("recruited", "active") and not recruited:
            self.add_error("recruited", _("Give the day the partner signed: it counts as recruited from then on."))
        elif status == "prospect" and recruited:
            self.add_error("recruited", _("A prospect has not signed yet: remove the date or change the status."))
        return data


class GovernanceForm(RaciMixin, PlanScopedForm):
    class Meta:
        model = m.GovernanceRaci
        fields = ["activity"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_raci_fields(required=True)
