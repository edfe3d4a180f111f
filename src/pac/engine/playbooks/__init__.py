"""Playbooks: complete plans as data, with parameters (docs/playbooks.md).

A playbook is a YAML file: a ``playbook`` header (name, title and description in French and English),
``parameters`` (typed, bounded, with defaults) and a ``plan`` template, the text of a plan file written
with Jinja2 (``rendering``). ``instantiate`` checks the values given against the parameters, renders the
template in the sandbox and parses the result as any plan file (``planfile.parse_plan_file``): what comes
out has passed the plan file's validation. The built-in playbooks are the ``*.yaml`` files of this package.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pac.engine.labels import Message, gettext_noop
from pac.engine.planfile import PlanFile, format_path, parse_plan_file
from pac.engine.playbooks.parameters import (
    Parameter,
    ParamType,
    PlaybookError,
    Problem,
    check_value,
    date_bound,
)
from pac.engine.playbooks.rendering import render_plan
from pac.engine.workdays import DEFAULT_COUNTRY

__all__ = [
    "Instance",
    "ParamType",
    "Parameter",
    "Playbook",
    "PlaybookError",
    "Problem",
    "builtin_names",
    "instantiate",
    "load_builtin",
    "load_playbook",
    "parse_playbook",
    "trial_values",
    "validate_playbook",
]

MAX_PLAYBOOK_BYTES = 512 * 1024
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
ParameterName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localised(_Strict):
    fr: Annotated[str, Field(min_length=1, max_length=2000)]
    en: Annotated[str, Field(min_length=1, max_length=2000)]


class _Header(_Strict):
    name: Name
    title: Localised
    description: Localised


class _ParameterEntry(_Strict):
    name: ParameterName
    type: ParamType
    description: Localised
    default: Any = None
    min: Any = None
    max: Any = None
    min_items: Annotated[int, Field(ge=0, le=50)] = 0
    max_items: Annotated[int, Field(ge=1, le=50)] = 50
    business_day: bool = False


class _PlaybookFile(_Strict):
    playbook: _Header
    parameters: Annotated[list[_ParameterEntry], Field(max_length=40)] = []
    plan: Annotated[str, Field(min_length=1, max_length=MAX_PLAYBOOK_BYTES)]


@dataclass(frozen=True)
class Playbook:
    name: str
    title: dict[str, str]
    description: dict[str, str]
    parameters: tuple[Parameter, ...]
    template: str

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


@dataclass(frozen=True)
class Instance:
    """A playbook made into a plan: the plan file (validated), its text, the values used, and notes
    (a start moved to the next business day…)."""

    playbook: Playbook
    values: Mapping[str, Any]
    text: str
    doc: PlanFile
    notes: tuple[Problem, ...]


def parse_playbook(text: str, source: str = "<playbook>") -> Playbook:
    """A playbook from its YAML text; every problem of the header and parameters, with its path."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PLAYBOOK_BYTES:
        raise PlaybookError(
            [Problem(source, Message(gettext_noop("file larger than {limit} bytes"), limit=MAX_PLAYBOOK_BYTES))]
        )
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PlaybookError(
            [Problem(source, Message(gettext_noop("YAML syntax error: {error}"), error=str(error)[:300]))]
        ) from None
    try:
        read = _PlaybookFile.model_validate(data)
    except ValidationError as error:
        raise PlaybookError(
            [
                Problem(f"{source}: {format_path(tuple(e['loc']))}", Message("{text}", text=e["msg"]))
                for e in error.errors()
            ]
        ) from None
    names = [p.name for p in read.parameters]
    if len(set(names)) != len(names):
        raise PlaybookError([Problem(f"{source}: parameters", Message(gettext_noop("a parameter is listed twice")))])
    parameters = tuple(
        Parameter(
            p.name,
            p.type,
            p.description.model_dump(),
            p.default,
            p.min,
            p.max,
            p.min_items,
            p.max_items,
            p.business_day,
        )
        for p in read.parameters
    )
    return Playbook(
        read.playbook.name,
        read.playbook.title.model_dump(),
        read.playbook.description.model_dump(),
        parameters,
        read.plan,
    )


def _builtin_files() -> dict[str, Any]:
    folder = resources.files(__name__)
    return {entry.name.removesuffix(".yaml"): entry for entry in folder.iterdir() if entry.name.endswith(".yaml")}


def builtin_names() -> list[str]:
    return sorted(_builtin_files())


def load_builtin(name: str) -> Playbook:
    """A built-in playbook by name; an unknown one is a ``PlaybookError`` listing those there are."""
    files = _builtin_files()
    if name not in files:
        message = Message(
            gettext_noop("unknown playbook {name} (known: {known})"), name=repr(name), known=", ".join(sorted(files))
        )
        raise PlaybookError([Problem("", message)])
    return parse_playbook(files[name].read_text(encoding="utf-8"), f"{name}.yaml")


def load_playbook(path: Path) -> Playbook:
    """A playbook file of the user's (custom playbooks), checked as the built-ins are."""
    try:
        if path.stat().st_size > MAX_PLAYBOOK_BYTES:
            raise PlaybookError(
                [Problem(str(path), Message(gettext_noop("file larger than {limit} bytes"), limit=MAX_PLAYBOOK_BYTES))]
            )
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise PlaybookError(
            [Problem(str(path), Message(gettext_noop("cannot be read: {error}"), error=str(error)))]
        ) from None
    return parse_playbook(text, str(path))


_REQUIRED = gettext_noop("required: give a value ({kind}, such as {example})")
_EXAMPLES = {
    ParamType.DATE: "2027-01-04",
    ParamType.MONEY: "2400000",
    ParamType.INTEGER: "10",
    ParamType.RATE: "0.25",
    ParamType.TEXT: "'\"Plan T1\"'",
    ParamType.DATES: "[2027-10-12]",
    ParamType.PEOPLE: "[alice, bob]",
}


def check_values(playbook: Playbook, given: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Every parameter's value (given, else its default), typed and bounded, and the notes on moved dates;
    raises ``PlaybookError`` with every problem found (unknown names, missing values, wrong values)."""
    problems: list[Problem] = []
    known = [p.name for p in playbook.parameters]
    for name in given:
        if name not in known:
            message = Message(gettext_noop("unknown parameter (known: {known})"), known=", ".join(known))
            problems.append(Problem(str(name), message))
    values: dict[str, Any] = {}
    notes: list[Problem] = []
    ordered = sorted(playbook.parameters, key=lambda p: p.name != "country")  # dates need the country first
    for spec in ordered:
        value = given.get(spec.name, spec.default)
        if value is None:
            example = _EXAMPLES[spec.type]
            problems.append(Problem(spec.name, Message(_REQUIRED, kind=spec.type.value, example=example)))
            continue
        country = str(values.get("country", DEFAULT_COUNTRY))
        try:
            values[spec.name], note = check_value(spec, value, values, country)
        except PlaybookError as error:
            problems += error.problems
            continue
        if note is not None:
            notes.append(Problem(spec.name, note))
    if problems:
        raise PlaybookError(problems)
    return values, notes


class _ValueLoader(yaml.SafeLoader):
    """YAML for one ``--set`` value: dates stay text (read by the parameter, which says what is wrong with
    2027-02-30), no aliases."""

    yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not allowed")
        node: yaml.Node | None = super().compose_node(parent, index)
        return node


MAX_VALUE_CHARS = 10_000


def read_assignments(assignments: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs with each VALUE read as YAML (``target=2400000``, ``trade_shows=[2027-10-12]``);
    a pair without ``=``, a key given twice or a value that is not YAML is a ``PlaybookError``."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for assignment in assignments:
        key, equals, text = assignment.partition("=")
        key = key.strip()
        if not equals or not key:
            message = Message(
                gettext_noop("{value} must be written KEY=VALUE, such as target=2400000"), value=repr(assignment[:60])
            )
            problems.append(Problem("--set", message))
            continue
        if key in values:
            problems.append(Problem(key, Message(gettext_noop("is given twice: keep one"))))
            continue
        if len(text) > MAX_VALUE_CHARS:
            problems.append(
                Problem(key, Message(gettext_noop("is too long (at most {count} characters)"), count=MAX_VALUE_CHARS))
            )
            continue
        try:
            loader = _ValueLoader(text)
            try:
                values[key] = loader.get_single_data()
            finally:
                loader.dispose()
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as error:
            reason = str(getattr(error, "problem", None) or error)[:200]
            message = Message(
                gettext_noop("cannot be read as YAML ({reason}): quote a text, such as 'name=\"Plan T1\"'"),
                reason=reason,
            )
            problems.append(Problem(key, message))
    if problems:
        raise PlaybookError(problems)
    return values


def instantiate(playbook: Playbook, given: Mapping[str, Any]) -> Instance:
    """The plan the playbook gives with these values: checked, rendered, parsed and validated.

    Raises ``PlaybookError`` for wrong values (or a template that cannot be rendered), and the plan file's
    ``PlanFileError`` when the rendered plan is not valid (a playbook's own mistake)."""
    values, notes = check_values(playbook, given)
    text = render_plan(playbook.template, values)
    doc = parse_plan_file(text, f"<playbook {playbook.name}>")
    return Instance(playbook, values, text, doc, tuple(notes))


def parameter_json(parameter: Parameter) -> dict[str, Any]:
    """A parameter as ``pac playbook list --json`` gives it (dates ISO, amounts as numbers)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return {
        "name": parameter.name,
        "type": parameter.type.value,
        "required": parameter.required,
        "default": plain(parameter.default),
        "min": plain(parameter.minimum),
        "max": plain(parameter.maximum),
        "description": dict(parameter.description),
    }


#: A date to try a playbook at when its start has no default (a Monday, no holiday around it).
TRIAL_START = dt.date(2027, 1, 4)


def trial_values(playbook: Playbook) -> dict[str, Any]:
    """Values for the parameters without a default, within their bounds, so that a playbook can be tried
    before it is stored: dates at their lower bound (or a Monday), amounts and numbers at their minimum,
    names ``person1``…"""
    values: dict[str, Any] = {}
    days: dict[str, Any] = {}  # the date parameters known so far (relative bounds count from them)
    for spec in playbook.parameters:
        if not spec.required:
            if spec.type is ParamType.DATE and _day(spec.default) is not None:
                days[spec.name] = _day(spec.default)
            continue
        count = max(spec.min_items, 1)
        if spec.type in (ParamType.DATE, ParamType.DATES):
            try:
                low = date_bound(spec.minimum, days) or TRIAL_START
            except PlaybookError:
                low = TRIAL_START
            dates = [low + dt.timedelta(days=7 * i) for i in range(count)]
            values[spec.name] = dates[0] if spec.type is ParamType.DATE else dates
            days[spec.name] = dates[0]
        elif spec.type in (ParamType.MONEY, ParamType.INTEGER):
            values[spec.name] = spec.minimum if spec.minimum is not None else 1
        elif spec.type is ParamType.RATE:
            values[spec.name] = spec.minimum if spec.minimum is not None else "0.5"
        elif spec.type is ParamType.PEOPLE:
            values[spec.name] = [f"person{i + 1}" for i in range(count)]
        else:
            values[spec.name] = "Essai"
    return values


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def validate_playbook(text: str, source: str = "<playbook>") -> Instance:
    """A custom playbook checked before it is stored: its header and parameters (``parse_playbook``), its
    defaults, and a trial plan made with them (and :func:`trial_values` for the parameters without one)
    that passes the plan file's validation. Raises ``PlaybookError`` or the plan file's ``PlanFileError``,
    each problem with its path."""
    playbook = parse_playbook(text, source)
    return instantiate(playbook, trial_values(playbook))
