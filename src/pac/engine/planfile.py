"""The plan file (v1): a YAML document a manager can diff, version, validate and import.

Validation has two passes: pydantic checks each field's shape, then whole-plan rules (deadlines
inside the plan, stage order, effort naming known stages and roles). Every problem is reported
with its path (``objectives[1].target``) and the line and column where it sits in the file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from pac.engine import model
from pac.engine.fieldtypes import (
    Day,
    Identifier,
    Name,
    PositiveMoney,
    RampUp,
    Rate,
    Target,
    UnitHours,
    WeeklyHours,
    Weight,
)
from pac.engine.fieldtypes import Money as Budget
from pac.engine.labels import Message, Translate, gettext_noop
from pac.engine.model import Metric, Period, Role, Stage
from pac.engine.plansections import (
    MAX_PARTNERS,
    AccountEntry,
    ActionEntry,
    AlertsEntry,
    ContactEntry,
    DeadlineEntry,
    EventEntry,
    GovernanceEntry,
    PartnerEntry,
    PriorityWeightsEntry,
    RitualEntry,
    SegmentEntry,
    check_timezone,
    section_rules,
    sections_to_data,
    sections_to_model,
)
from pac.engine.plansequences import (
    SequenceEntry,
    TouchCapacityEntry,
    sequence_rules,
    sequences_to_data,
    sequences_to_model,
)
from pac.engine.workdays import supported_countries, weeks_between

MAX_PLAN_FILE_BYTES = 2 * 1024 * 1024
MAX_PLAN_DAYS = 5 * 366
MAX_PLAN_DEPTH = 32  # lists and mappings inside each other; a plan needs about 5
MAX_PLAN_NODES = 100_000  # keys and values; the demo plan has about 800; reading 100 000 takes ~2 s


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


RoleName = Annotated[Role, BeforeValidator(_lower)]
StageName = Annotated[Stage, BeforeValidator(_lower)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanHeader(_Section):
    name: Name
    start: Day
    end: Day
    currency: Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    country: Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[A-Z]{2}$")] = "FR"
    fiscal_year_start: Annotated[int, Field(ge=1, le=12)] = 1
    timezone: str = "Europe/Paris"
    budget: Budget | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        check_timezone(value)
        return value

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value not in supported_countries():
            raise ValueError(f"no public-holiday calendar is known for {value}; use an ISO 3166 code such as FR")
        return value


class ObjectiveEntry(_Section):
    id: Identifier
    metric: Annotated[Metric, BeforeValidator(_lower)] | None = None
    target: Target | None = None
    deadline: Day | None = None
    per: Annotated[Period, BeforeValidator(_lower)] | None = None
    segment: Identifier | None = None


class StageEntry(_Section):
    stage: StageName
    rate: Rate | None = None
    days: Annotated[int, Field(ge=0, le=3650)] = 0


class FunnelSection(_Section):
    average_deal: PositiveMoney | None = None
    stages: Annotated[list[StageEntry], Field(min_length=2)]
    weekly_weights: Annotated[list[Weight], Field(max_length=270)] | None = None


class TeamEntry(_Section):
    """People of one role; a role may have several entries (the team in place, a hire in March)."""

    role: RoleName
    headcount: Annotated[int, Field(ge=0, le=10000)]
    hours_per_week: WeeklyHours = Decimal(35)
    start: Day | None = None  # when they join; none: already there
    ramp_up: Annotated[list[RampUp], Field(max_length=24)] = []  # productivity per month from start


class EffortEntry(_Section):
    stage: StageName
    role: RoleName
    hours: UnitHours


class PlanFile(_Section):
    """Plan file, format version 1."""

    version: int = Field(default=1, ge=1, le=1)
    plan: PlanHeader
    objectives: list[ObjectiveEntry] = []
    funnel: FunnelSection | None = None
    team: list[TeamEntry] = []
    effort: list[EffortEntry] = []
    priorities: PriorityWeightsEntry | None = None
    segments: list[SegmentEntry] = []
    accounts: list[AccountEntry] = []
    contacts: list[ContactEntry] = []
    actions: list[ActionEntry] = []
    events: list[EventEntry] = []
    rituals: list[RitualEntry] = []
    deadlines: list[DeadlineEntry] = []
    raci: list[GovernanceEntry] = []
    partners: Annotated[list[PartnerEntry], Field(max_length=MAX_PARTNERS)] = []
    alerts: AlertsEntry | None = None
    touch_capacity: TouchCapacityEntry | None = None
    sequences: list[SequenceEntry] = []


LINE = gettext_noop("line {line}")
DOCUMENT = gettext_noop("(document)")


@dataclass(frozen=True)
class PlanFileIssue:
    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return self.explained(lambda text: text)

    def explained(self, translate: Translate, *, with_line: bool = True) -> str:
        """``path: message (line n)``, in the language of ``translate`` where the message has a template."""
        message = self.message.explained(translate) if isinstance(self.message, Message) else self.message
        where = " (" + translate(LINE).format(line=self.line) + ")" if self.line and with_line else ""
        return f"{self.path or translate(DOCUMENT)}: {message}{where}"


class PlanFileError(ValueError):
    """The file is not a valid plan; ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: list[PlanFileIssue], source: str = "<plan>") -> None:
        self.issues = sorted(issues, key=lambda i: (i.line or 0, i.column or 0))
        self.source = source
        super().__init__("\n".join(self.lines()))

    def lines(self, translate: Translate | None = None) -> list[str]:
        """One line an issue, ``file:line:column: path: message`` (the place said once, as compilers do);
        messages in the language of ``translate`` where they have a translation (English without it)."""
        gettext = translate or (lambda text: text)
        return [
            f"{self.source}:{i.line}:{i.column}: {i.explained(gettext, with_line=False)}"
            if i.line
            else f"{self.source}: {i.explained(gettext)}"
            for i in self.issues
        ]


def format_path(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Refused(Exception):
    """A node of the YAML document the plan file refuses, where it starts and why."""

    def __init__(self, message: str, mark: Any, node: yaml.Node | None = None) -> None:
        super().__init__(message)
        self.message, self.mark, self.node = message, mark, node


def _yaml_plain_scalars() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    """YAML 1.1's implicit types, less those a plan file must not guess: timestamps stay text (the
    field types read dates, and a date that does not exist is a located error, not a crash), and
    ``9:00`` or ``010`` are not the sexagesimal 540 or the octal 8 but text."""
    integer = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$")
    real = re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    )
    replaced = {"tag:yaml.org,2002:int": integer, "tag:yaml.org,2002:float": real}
    return {
        first: [(tag, replaced.get(tag, pattern)) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


class _PlanLoader(yaml.SafeLoader):
    """The safe loader, bounded: no aliases, no nesting deeper than ``MAX_PLAN_DEPTH``, no more than
    ``MAX_PLAN_NODES`` keys and values; a value its type cannot hold (``!!int abc``, a 5000-digit
    number) is refused where it stands, not raised as a bare ValueError."""

    yaml_implicit_resolvers = _yaml_plain_scalars()

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.nodes = 0

    def next_mark(self) -> Any:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        return event.start_mark

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):  # anchors and aliases can blow a tiny file up exponentially
            message = "YAML aliases (*name) are not allowed in a plan file: write the values out"
            raise _Refused(message, self.next_mark())
        if self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent) and self.depth >= MAX_PLAN_DEPTH:
            raise _Refused(Message(_TOO_DEEP, limit=MAX_PLAN_DEPTH), self.next_mark())
        self.nodes += 1
        if self.nodes > MAX_PLAN_NODES:
            raise _Refused(Message(_TOO_MANY, limit=MAX_PLAN_NODES), self.next_mark())
        self.depth += 1
        try:
            node: yaml.Node | None = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, KeyError, TypeError, OverflowError):
            value = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
            value = value if len(value) <= 40 else value[:39] + "…"
            kind = str(node.tag).rsplit(":", 1)[-1]
            message = gettext_noop(
                "{value} cannot be read as a YAML {kind}: write the value plainly, as the key expects"
            )
            raise _Refused(Message(message, value=value, kind=kind), node.start_mark, node) from None


class _Positions:
    """Line/column of every key and value in the YAML node tree, looked up by path."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.marks: dict[tuple[str | int, ...], tuple[int, int]] = {}
        self.paths: dict[int, tuple[str | int, ...]] = {}  # id of a node: its path
        self.duplicates: list[PlanFileIssue] = []
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: tuple[str | int, ...]) -> None:
        self.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        self.paths[id(node)] = path
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                child = (*path, name)
                if name in seen:
                    self.duplicates.append(
                        PlanFileIssue(
                            format_path(child),
                            "duplicate key: keep only one",
                            key.start_mark.line + 1,
                            key.start_mark.column + 1,
                        )
                    )
                seen.add(name)
                self.marks[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
                self._walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, (*path, index))

    def path_of(self, node: yaml.Node) -> tuple[str | int, ...]:
        return self.paths.get(id(node), ())

    def at(self, path: tuple[str | int, ...]) -> tuple[int | None, int | None]:
        while path and path not in self.marks:
            path = path[:-1]
        line, column = self.marks.get(path, (None, None))
        return line, column


_ERROR_TEXT = {
    "missing": gettext_noop("required: add this key"),
    "extra_forbidden": gettext_noop("unknown key: remove it or check its spelling"),
    "date_from_datetime_parsing": gettext_noop("must be an ISO date (YYYY-MM-DD)"),
    "date_parsing": gettext_noop("must be an ISO date (YYYY-MM-DD)"),
    "date_type": gettext_noop("must be an ISO date (YYYY-MM-DD)"),
    "decimal_parsing": gettext_noop("must be a number"),
    "decimal_type": gettext_noop("must be a number"),
    "int_parsing": gettext_noop("must be a whole number"),
    "int_from_float": gettext_noop("must be a whole number"),
    "int_type": gettext_noop("must be a whole number"),
    "finite_number": gettext_noop("must be a finite number"),
    "invalid_key": gettext_noop("a key must be a name (text)"),
    "list_type": gettext_noop("must be a list"),
    "model_type": gettext_noop("must be a mapping of keys"),
    "model_attributes_type": gettext_noop("must be a mapping of keys"),
    "string_type": gettext_noop("must be text"),
    "bool_parsing": gettext_noop("must be true or false"),
    "bool_type": gettext_noop("must be true or false"),
}
#: pydantic's bounds, worded by code with the bound as a parameter (« doit être > 0 »).
_BOUND_TEXT = {
    "greater_than": gettext_noop("must be > {bound}"),
    "greater_than_equal": gettext_noop("must be >= {bound}"),
    "less_than": gettext_noop("must be < {bound}"),
    "less_than_equal": gettext_noop("must be <= {bound}"),
}


def _error_text(error: Any) -> str:
    """pydantic's error as a ``Message``: its code's template and parameters, worded where it is shown (the
    English ``msg`` of pydantic only for a code PAC does not know)."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind in _BOUND_TEXT:
        return Message(_BOUND_TEXT[kind], bound=next(iter(ctx.values())))
    if kind == "value_error":
        reason = ctx.get("error", error["msg"])
        if isinstance(reason, Exception) and reason.args and isinstance(reason.args[0], Message):
            return reason.args[0]  # the field type's message, with its template (to translate it)
        return str(reason)
    if kind == "enum":
        choices = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))  # no English "or"
        return Message(gettext_noop("must be one of {choices}"), choices=choices)
    if kind == "string_pattern_mismatch":
        return Message(gettext_noop("does not match the expected form {pattern}"), pattern=ctx.get("pattern"))
    if kind == "too_short":
        return Message(gettext_noop("needs at least {count} entries"), count=ctx.get("min_length"))
    if kind == "too_long":
        return Message(gettext_noop("has too many entries (at most {count})"), count=ctx.get("max_length"))
    if kind == "string_too_long":
        return Message(gettext_noop("is too long (at most {count} characters)"), count=ctx.get("max_length"))
    if kind in _ERROR_TEXT:
        return Message(_ERROR_TEXT[kind])
    return str(error["msg"])


def _plan_rules(doc: PlanFile) -> list[tuple[tuple[str | int, ...], str]]:
    """Whole-plan rules pydantic cannot see field by field."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    header = doc.plan
    if header.end <= header.start:
        problems.append((("plan", "end"), Message(gettext_noop("must be after start ({start})"), start=header.start)))
    elif (header.end - header.start).days > MAX_PLAN_DAYS:
        problems.append(
            (
                ("plan", "end"),
                Message(gettext_noop("a plan covers at most {years} years: split it"), years=MAX_PLAN_DAYS // 366),
            )
        )
    seen_ids: set[str] = set()
    for i, objective in enumerate(doc.objectives):
        if objective.id in seen_ids:
            problems.append(
                (("objectives", i, "id"), Message(gettext_noop("duplicate objective id {id}"), id=repr(objective.id)))
            )
        seen_ids.add(objective.id)
        highest = model.RATE_METRICS.get(objective.metric) if objective.metric is not None else None
        if highest is not None and objective.target is not None and objective.target > highest:
            problems.append(
                (
                    ("objectives", i, "target"),
                    Message(
                        gettext_noop("a rate is written as a fraction (1.15 for 115 %): at most {bound} ({percent} %)"),
                        bound=int(highest),
                        percent=int(highest * 100),
                    ),
                )
            )
        deadline = objective.deadline
        if deadline is not None and not header.start <= deadline <= header.end:
            problems.append(
                (
                    ("objectives", i, "deadline"),
                    Message(
                        gettext_noop("must be inside the plan ({start} to {end})"), start=header.start, end=header.end
                    ),
                )
            )
    stages: list[Stage] = []
    if doc.funnel is not None:
        for i, entry in enumerate(doc.funnel.stages):
            last = i == len(doc.funnel.stages) - 1
            if stages and entry.stage.order <= stages[-1].order:
                problems.append(
                    (
                        ("funnel", "stages", i, "stage"),
                        Message(
                            gettext_noop("{stage} must come after {previous}; order is {order}"),
                            stage=repr(entry.stage.value),
                            previous=repr(stages[-1].value),
                            order=", ".join(s.value for s in Stage),
                        ),
                    )
                )
            stages.append(entry.stage)
            if last and entry.stage is not Stage.WON:
                problems.append(
                    (("funnel", "stages", i, "stage"), Message(gettext_noop("the last stage must be 'won'")))
                )
            if not last and entry.rate is None:
                problems.append(
                    (
                        ("funnel", "stages", i, "rate"),
                        Message(gettext_noop("required: conversion rate to the next stage, in (0, 1]")),
                    )
                )
            if last and entry.rate is not None:
                problems.append((("funnel", "stages", i, "rate"), Message(gettext_noop("the 'won' stage has no rate"))))
        weights = doc.funnel.weekly_weights
        if weights is not None and header.end > header.start:
            expected = len(weeks_between(header.start, header.end))
            if len(weights) != expected:
                problems.append(
                    (
                        ("funnel", "weekly_weights"),
                        Message(gettext_noop("needs {count} values, one per ISO week of the plan"), count=expected),
                    )
                )
            elif sum(weights) <= 0:
                problems.append(
                    (("funnel", "weekly_weights"), Message(gettext_noop("at least one weight must be > 0")))
                )
    roles: set[Role] = set()
    entries: set[tuple[Role, dt.date | None]] = set()
    for i, member in enumerate(doc.team):
        if (member.role, member.start) in entries:
            problems.append(
                (
                    ("team", i, "role"),
                    Message(
                        gettext_noop(
                            "role {role} is listed twice with the same start: "
                            "merge the two entries (headcount), or give each its start date"
                        ),
                        role=repr(member.role.value),
                    ),
                )
            )
        entries.add((member.role, member.start))
        roles.add(member.role)
        if member.ramp_up and member.start is None:
            problems.append(
                (("team", i, "ramp_up"), Message(gettext_noop("needs a start date: the ramp-up counts months from it")))
            )
    pairs: set[tuple[Stage, Role]] = set()
    for i, effort in enumerate(doc.effort):
        if effort.stage not in stages:
            problems.append(
                (
                    ("effort", i, "stage"),
                    Message(
                        gettext_noop("stage {stage} is not in the funnel ({stages})"),
                        stage=repr(effort.stage.value),
                        stages=", ".join(s.value for s in stages),
                    )
                    if stages
                    else Message(gettext_noop("stage {stage} is not in the funnel"), stage=repr(effort.stage.value)),
                )
            )
        if effort.role not in roles:
            problems.append(
                (
                    ("effort", i, "role"),
                    Message(gettext_noop("role {role} is not in the team"), role=repr(effort.role.value)),
                )
            )
        if (effort.stage, effort.role) in pairs:
            problems.append((("effort", i), Message(gettext_noop("this stage and role already have an effort row"))))
        pairs.add((effort.stage, effort.role))
    return problems


_TOO_DEEP = gettext_noop(
    "nested more than {limit} levels deep: a plan file needs only a few; check the indentation and brackets"
)
_TOO_MANY = gettext_noop("more than {limit} keys and values: a plan file is not meant to be that large; split it")


def _check_events(text: str) -> None:
    """Depth and size checked first on the bare YAML events, parsed by libyaml (C) when it is there:
    a 2 MB file of 900 000 values is refused in a tenth of a second, where the pure-Python composer
    (which checks the same limits, and places every node) takes seconds to get there. No node, no
    object is built; a syntax error is left to the composer, which words it — but for libyaml's own
    depth limit, met while it scans ahead, where the composer would spend a second to get as deep."""
    parser_class = getattr(yaml, "CSafeLoader", None)
    if parser_class is None:
        return
    parser = parser_class(text)
    depth = nodes = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                if depth >= MAX_PLAN_DEPTH:
                    raise _Refused(Message(_TOO_DEEP, limit=MAX_PLAN_DEPTH), event.start_mark)
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                continue
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > MAX_PLAN_NODES:
                    raise _Refused(Message(_TOO_MANY, limit=MAX_PLAN_NODES), event.start_mark)
    except yaml.MarkedYAMLError as error:  # libyaml stops at 1 000 levels, scanning ahead of its events
        if "nesting depth" in str(error.problem):
            raise _Refused(Message(_TOO_DEEP, limit=MAX_PLAN_DEPTH), error.problem_mark) from None
    except yaml.YAMLError:
        return
    finally:
        parser.dispose()


def _read_yaml(text: str, source: str) -> tuple[_Positions, Any]:
    """The YAML document and where each of its nodes sits; every refusal is a located ``PlanFileError``."""
    loader: _PlanLoader | None = None
    positions = _Positions(None)
    try:
        _check_events(text)
        loader = _PlanLoader(text)
        root = loader.get_single_node()
        positions = _Positions(root)
        data = loader.construct_document(root) if root is not None else None
    except _Refused as refused:
        where = positions.path_of(refused.node) if refused.node is not None else ()
        line, column = positions.at(where) if where else (refused.mark.line + 1, refused.mark.column + 1)
        issue = PlanFileIssue(format_path(where), refused.message, line, column)  # at its key, as other errors
        raise PlanFileError([issue], source) from None
    except yaml.reader.ReaderError as error:
        before = text[: error.position]
        code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "\0")
        message = Message(
            gettext_noop("the character U+{code:04X} is not allowed in a plan file: remove it"), code=code
        )
        issue = PlanFileIssue("", message, before.count("\n") + 1, error.position - before.rfind("\n"))
        raise PlanFileError([issue], source) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise PlanFileError([PlanFileIssue("", f"YAML syntax error: {error.problem}", line, column)], source) from None
    except yaml.YAMLError as error:
        raise PlanFileError([PlanFileIssue("", f"YAML error: {error}")], source) from None
    finally:
        if loader is not None:
            loader.dispose()
    return positions, data


def parse_plan_file(text: str, source: str = "<plan>") -> PlanFile:
    """Parse and validate; raises ``PlanFileError`` listing every problem with its position."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PLAN_FILE_BYTES:
        raise PlanFileError([PlanFileIssue("", f"file larger than {MAX_PLAN_FILE_BYTES} bytes")], source)
    positions, data = _read_yaml(text, source)
    if positions.duplicates:
        raise PlanFileError(positions.duplicates, source)
    if not isinstance(data, dict):
        raise PlanFileError([PlanFileIssue("", "the document must be a mapping with a 'plan' key", 1, 1)], source)
    try:
        doc = PlanFile.model_validate(data)
    except ValidationError as error:
        issues = []
        for e in error.errors():
            loc = tuple(e["loc"])
            line, column = positions.at(loc)
            issues.append(PlanFileIssue(format_path(loc), _error_text(e), line, column))
        raise PlanFileError(issues, source) from None
    problems = _plan_rules(doc) + section_rules(doc) + sequence_rules(doc)
    if problems:
        raise PlanFileError([PlanFileIssue(format_path(p), m, *positions.at(p)) for p, m in problems], source)
    return doc


def decode_plan_file(data: bytes, source: str = "<plan>") -> str:
    """The text of a plan file's bytes (UTF-8, with or without a BOM); other bytes are a located error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8-sig", "replace")) + 1
        message = Message(
            gettext_noop("byte 0x{byte:02X} is not UTF-8 text: save the file as UTF-8"), byte=data[error.start]
        )
        raise PlanFileError([PlanFileIssue("", message, line, column)], source) from None


def load_plan_file(path: Path) -> PlanFile:
    try:
        size = path.stat().st_size
        if size > MAX_PLAN_FILE_BYTES:
            raise PlanFileError([PlanFileIssue("", f"file larger than {MAX_PLAN_FILE_BYTES} bytes")], str(path))
        data = path.read_bytes()
    except OSError as error:
        raise PlanFileError([PlanFileIssue("", f"cannot read the file: {error.strerror}")], str(path)) from None
    return parse_plan_file(decode_plan_file(data, str(path)), str(path))


def to_plan(doc: PlanFile) -> model.Plan:
    funnel = doc.funnel
    return model.Plan(
        name=doc.plan.name,
        start=doc.plan.start,
        end=doc.plan.end,
        currency=doc.plan.currency,
        country=doc.plan.country,
        objectives=tuple(
            model.Objective(o.id, o.metric, o.target, o.deadline, o.per, o.segment) for o in doc.objectives
        ),
        average_deal=funnel.average_deal if funnel else None,
        steps=tuple(model.FunnelStep(s.stage, s.rate, s.days) for s in funnel.stages) if funnel else (),
        weekly_weights=tuple(funnel.weekly_weights) if funnel and funnel.weekly_weights else None,
        team=tuple(model.TeamRole(t.role, t.headcount, t.hours_per_week, t.start, tuple(t.ramp_up)) for t in doc.team),
        effort=tuple(model.Effort(e.stage, e.role, e.hours) for e in doc.effort),
        fiscal_year_start=doc.plan.fiscal_year_start,
        timezone=doc.plan.timezone,
        budget=doc.plan.budget,
        **sections_to_model(doc),
        **sequences_to_model(doc),
    )


def _plain(value: Decimal) -> int | float | str:
    """A YAML-friendly number; text when a float would lose digits (so the round trip is exact)."""
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    return number if Decimal(repr(number)) == value else str(value)


def dump_plan(plan: model.Plan) -> str:
    """The plan as a v1 YAML document; ``parse_plan_file(dump_plan(p))`` gives ``p`` back."""
    return yaml.dump(plan_data(plan), Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100)


class _PlainDumper(yaml.SafeDumper):
    """Never writes an alias: a value met twice (one date object as the plan's end and a deadline) is
    written out twice, since the plan file refuses aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def plan_data(plan: model.Plan) -> dict[str, Any]:
    """The plan in the plan file's normal form, as plain data (what ``dump_plan`` writes, what
    ``plandiff`` compares): defaults left out, keys in the file's order."""

    def compact(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if v is not None}

    data: dict[str, Any] = {
        "version": 1,
        "plan": compact(
            {
                "name": plan.name,
                "start": plan.start,
                "end": plan.end,
                "currency": plan.currency,
                "country": plan.country,
                "fiscal_year_start": plan.fiscal_year_start if plan.fiscal_year_start != 1 else None,
                "timezone": plan.timezone if plan.timezone != "Europe/Paris" else None,
                "budget": _plain(plan.budget) if plan.budget is not None else None,
            }
        ),
        "objectives": [
            compact(
                {
                    "id": o.id,
                    "metric": o.metric.value if o.metric else None,
                    "target": _plain(o.target) if o.target is not None else None,
                    "deadline": o.deadline,
                    "per": o.per.value if o.per else None,
                    "segment": o.segment,
                }
            )
            for o in plan.objectives
        ],
    }
    if plan.steps:
        data["funnel"] = compact(
            {
                "average_deal": _plain(plan.average_deal) if plan.average_deal else None,
                "stages": [
                    compact(
                        {"stage": s.stage.value, "rate": _plain(s.rate) if s.rate is not None else None, "days": s.days}
                    )
                    for s in plan.steps
                ],
                "weekly_weights": [_plain(w) for w in plan.weekly_weights] if plan.weekly_weights else None,
            }
        )
    data["team"] = [
        {
            "role": t.role.value.upper(),
            "headcount": t.headcount,
            "hours_per_week": _plain(t.hours_per_week),
            **({"start": t.start} if t.start else {}),
            **({"ramp_up": [_plain(f) for f in t.ramp_up]} if t.ramp_up else {}),
        }
        for t in plan.team
    ]
    data["effort"] = [
        {"stage": e.stage.value, "role": e.role.value.upper(), "hours": _plain(e.hours)} for e in plan.effort
    ]
    data.update(sections_to_data(plan, _plain))
    data.update(sequences_to_data(plan))
    return data


def json_schema() -> str:
    schema = PlanFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "PAC plan file v1"
    return json.dumps(schema, indent=2, ensure_ascii=False)
