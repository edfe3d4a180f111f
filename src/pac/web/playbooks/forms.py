"""The form a playbook's parameters make (one field per parameter, by type, defaults filled), the team, the
CRM history option; the upload and save forms. Values are read the reader's way (``plans.inputs``) and then
checked by the engine against the parameter's bounds (``engine.playbooks.check_values``): each problem is
put next to its field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pac.engine.model import Role
from pac.engine.playbooks import Parameter, ParamType, Playbook, Problem
from pac.web.accounts.models import Team
from pac.web.language import language, role_label
from pac.web.plans.inputs import LocaleIntegerField, MoneyField, PercentField
from pac.web.playbooks.selectors import Person

#: Most date inputs a ``dates`` parameter shows.
MAX_DATE_INPUTS = 6
#: A people parameter's name → the role whose people are chosen when its default names nobody of the team.
ROLE_HINTS: dict[str, Role] = {
    "manager": Role.MANAGER,
    "managers": Role.MANAGER,
    "aes": Role.AE,
    "ae": Role.AE,
    "partner_managers": Role.AE,
    "sdrs": Role.SDR,
    "sdr": Role.SDR,
    "csms": Role.CSM,
    "csm": Role.CSM,
    "marketing": Role.MARKETING,
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DatesWidget(forms.MultiWidget):
    def __init__(self, count: int) -> None:
        super().__init__([DateInput() for _i in range(count)])

    def decompress(self, value: Any) -> list[Any]:
        return list(value or [])


class DatesField(forms.MultiValueField):
    """Several dates, one input each; the empty ones left out."""

    def __init__(self, count: int, **kwargs: Any) -> None:
        fields = [forms.DateField(required=False) for _i in range(count)]
        super().__init__(fields, require_all_fields=False, widget=DatesWidget(count), **kwargs)

    def compress(self, data_list: list[Any]) -> list[dt.date]:
        return [d for d in data_list or [] if d]


def _text(description: dict[str, str]) -> str:
    return description.get(language()) or description.get("fr") or next(iter(description.values()), "")


def _people_default(spec: Parameter, people: list[Person]) -> list[str]:
    names = {p.username for p in people}
    chosen = [n for n in spec.default or [] if n in names]
    if not chosen and spec.name in ROLE_HINTS:
        chosen = [p.username for p in people if p.role == ROLE_HINTS[spec.name].value]
    return chosen[: spec.max_items]


def parameter_field(spec: Parameter, people: list[Person]) -> forms.Field:
    """The form field for one parameter, its default as the initial value."""
    label = _text(spec.description)
    required = spec.required and spec.type is not ParamType.PEOPLE
    field: forms.Field
    if spec.type is ParamType.DATE:
        field = forms.DateField(label=label, required=required, widget=DateInput())
    elif spec.type is ParamType.DATES:
        count = max(1, min(spec.max_items, MAX_DATE_INPUTS))
        field = DatesField(count, label=label, required=False)
    elif spec.type is ParamType.MONEY:
        field = MoneyField(label=label, required=required, max_digits=16, decimal_places=2)
    elif spec.type is ParamType.INTEGER:
        field = LocaleIntegerField(label=label, required=required)
    elif spec.type is ParamType.RATE:
        field = PercentField(label=label, required=required, decimal_places=4)
    elif spec.type is ParamType.PEOPLE:
        choices = [(p.username, f"{p.name} ({role_label(Role(p.role))})") for p in people]
        initial = _people_default(spec, people)
        if spec.max_items == 1:  # one person: a plain choice, read back as a list of one (``values``)
            field = forms.ChoiceField(label=label, required=False, choices=[("", "—"), *choices])
            field.initial = initial[0] if initial else ""
            return field
        size = min(len(choices), 6)  # a short list, searchable (forms.js), rather than a column of boxes
        field = forms.MultipleChoiceField(
            label=label, required=False, choices=choices, widget=forms.SelectMultiple(attrs={"size": size})
        )
        field.initial = initial
        return field
    else:
        field = forms.CharField(label=label, required=required, max_length=int(spec.maximum or 200))
    if spec.default is not None:
        field.initial = _initial(spec)
    return field


def _initial(spec: Parameter) -> Any:
    value = spec.default
    if spec.type in (ParamType.MONEY, ParamType.INTEGER, ParamType.RATE):
        return Decimal(str(value))
    if spec.type is ParamType.DATE:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if spec.type is ParamType.DATES:
        return [d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in value or []]
    return value


class StartForm(forms.Form):
    """A playbook's parameters, the team and the CRM history option."""

    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.none())
    use_history = forms.BooleanField(label=gettext_lazy("Take the rates from the team's CRM history"), required=False)
    history_from = forms.DateField(label=gettext_lazy("History from"), required=False, widget=DateInput())
    history_to = forms.DateField(label=gettext_lazy("History to"), required=False, widget=DateInput())

    def __init__(
        self,
        *args: Any,
        playbook: Playbook,
        teams: Any,
        people: list[Person],
        history: tuple[dt.date, dt.date],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.playbook = playbook
        self.fields["team"].queryset = teams
        if teams.count() == 1:
            self.fields["team"].initial = teams.first()
        self.fields["history_from"].initial, self.fields["history_to"].initial = history
        self.parameter_names = []
        for spec in playbook.parameters:
            self.fields[spec.name] = parameter_field(spec, people)
            self.parameter_names.append(spec.name)

    def parameter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.parameter_names]

    def option_fields(self) -> list[forms.BoundField]:
        return [self["use_history"], self["history_from"], self["history_to"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for spec in self.playbook.parameters:  # one person chosen in a plain select: a list of one
            if spec.type is ParamType.PEOPLE and isinstance(data.get(spec.name), str):
                data[spec.name] = [data[spec.name]] if data[spec.name] else []
        if data.get("use_history"):
            start, end = data.get("history_from"), data.get("history_to")
            if not start or not end:
                self.add_error("history_from", _("Give the first and last days of the history to learn from."))
            elif end < start:
                self.add_error("history_to", _("The history ends before it starts."))
            elif (end - start).days > 5 * 366:
                self.add_error("history_from", _("At most five years of history."))
        team = data.get("team")
        if team is not None:
            members = set(team.members.values_list("username", flat=True))
            for spec in self.playbook.parameters:
                if spec.type is ParamType.PEOPLE and any(n not in members for n in data.get(spec.name) or []):
                    self.add_error(spec.name, _("Choose people of the team %(team)s.") % {"team": team})
        return data

    def values(self) -> dict[str, Any]:
        """The parameters' values as the engine takes them (left out when not given: the default applies)."""
        given: dict[str, Any] = {}
        for spec in self.playbook.parameters:
            if spec.name in self.errors:
                continue  # not read: its own error is shown
            value = self.cleaned_data.get(spec.name)
            if value in (None, "", []):
                if spec.type is ParamType.PEOPLE and not spec.required and spec.min_items == 0:
                    given[spec.name] = []
                elif spec.type in (ParamType.PEOPLE, ParamType.DATES):
                    given[spec.name] = []  # a list left empty: the engine says how many it needs
                continue
            given[spec.name] = value
        return given

    def add_problems(self, problems: list[Problem], translate: Any) -> None:
        """The engine's problems next to their fields (``trade_shows[1]`` → ``trade_shows``)."""
        for problem in problems:
            name = problem.parameter.split("[", 1)[0]
            text = problem.message.explained(translate)
            if problem.parameter != name:
                index = int(problem.parameter[len(name) + 1 :].rstrip("]") or 0)
                text = _("Value %(number)s: %(problem)s") % {"number": index + 1, "problem": text}
            self.add_error(name if name in self.fields else None, text)


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Playbook file (YAML)"))
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.none())

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()
        if teams is not None and teams.count() == 1:
            self.fields["team"].initial = teams.first()


class SaveForm(forms.Form):
    name = forms.SlugField(
        label=gettext_lazy("Name"),
        max_length=40,
        help_text=gettext_lazy("Lower-case letters, digits and dashes, such as launch-q1."),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if not name[:1].isalpha() or name != name.lower() or "_" in name:
            raise ValidationError(_("Lower-case letters, digits and dashes, starting with a letter."))
        return name
