"""A sequence step's e-mail (subject and body, one per persona), checked when saved, rendered in Jinja2's sandbox.

Managers write the templates, so a template is untrusted code. Two walls stand in its way:

1. ``check_template`` (at save time) parses the text and walks its syntax tree against an allow-list of
   node types: the known variables and their known fields, a few filters and tests, ``if``, ``~`` and
   comparisons. Anything else — a loop, a function call (``range``, ``cycler``…), arithmetic
   (``'a' * 10**9``), ``{% set %}``, ``{% include %}``/``{% import %}``/``{% extends %}``/``{% macro %}``,
   a dunder or private attribute — is refused with its line. Without loops, calls and arithmetic, a
   template's work is bounded by its length, so no timeout is needed.
2. ``render`` checks again, then renders in ``ImmutableSandboxedEnvironment`` with ``StrictUndefined``
   and no globals at all (no ``range``, ``cycler``, ``joiner``, ``lipsum``, ``namespace``, ``dict``), and
   stops once the output passes ``MAX_OUTPUT_CHARS``.

Autoescape is off: the mail is ``text/plain``, where HTML escaping would print « O&#39;Brien ». The
subject is one line: line breaks coming from a value are folded to spaces (no header injection).

Problems are codes with parameters (``TemplateProblem``), worded at display like ``diagnostics``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pac.engine import wording
from pac.engine.formatting import Formatter
from pac.engine.labels import Translate, gettext_noop

#: The longest subject and body a manager may save, in characters.
MAX_SUBJECT_CHARS = 300
MAX_BODY_CHARS = 20_000
#: How deeply expressions and blocks may nest (ifs in ifs, brackets in brackets).
MAX_DEPTH = 40
#: The longest rendered subject and body; past it the rendering stops and is refused.
MAX_OUTPUT_CHARS = 100_000


@dataclass(frozen=True)
class Contact:
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    email: str = ""


@dataclass(frozen=True)
class Account:
    name: str = ""
    segment: str = ""
    city: str = ""


@dataclass(frozen=True)
class Sender:
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    signature: str = ""


@dataclass(frozen=True)
class PlanInfo:
    name: str = ""


@dataclass(frozen=True)
class MailContext:
    """Everything a template may read: one contact, their account, the sending rep, the plan and links."""

    contact: Contact = field(default_factory=Contact)
    account: Account = field(default_factory=Account)
    sender: Sender = field(default_factory=Sender)
    plan: PlanInfo = field(default_factory=PlanInfo)
    unsubscribe_url: str = ""
    meeting_url: str = ""

    def variables(self) -> dict[str, object]:
        """Plain dicts and strings: the sandbox never sees a Python object with methods of ours."""
        return asdict(self)


#: The variables a template may use, and the fields of each (None: a plain value).
ALLOWED_VARIABLES: dict[str, frozenset[str] | None] = {
    "contact": frozenset({"first_name", "last_name", "title", "email"}),
    "account": frozenset({"name", "segment", "city"}),
    "sender": frozenset({"first_name", "last_name", "title", "signature"}),
    "plan": frozenset({"name"}),
    "unsubscribe_url": None,
    "meeting_url": None,
}

#: Filters and tests a template may use: text only, none that loops, calls or grows without bound.
ALLOWED_FILTERS = frozenset({"capitalize", "default", "d", "lower", "upper", "title", "trim", "truncate"})
ALLOWED_TESTS = frozenset({"defined", "undefined", "none", "string"})

#: Constructs named in messages, by node type.
_CONSTRUCTS: dict[type[nodes.Node], str] = {
    nodes.For: "for",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.Call: "call",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "import",
    nodes.Extends: "extends",
    nodes.Block: "block",
    nodes.Assign: "set",
    nodes.AssignBlock: "set",
    nodes.With: "with",
    nodes.FilterBlock: "filter",
    nodes.Scope: "scope",
    nodes.ScopedEvalContextModifier: "autoescape",
}

#: Node types a template is made of; any other is refused.
_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.If,
    nodes.CondExpr,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Compare,
    nodes.Operand,
    nodes.Concat,
    nodes.Const,
    nodes.Keyword,
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Filter,
    nodes.Test,
)


class Part(StrEnum):
    SUBJECT = "subject"
    BODY = "body"


#: A part as the messages start with it (« L'objet … », « Le corps … »: the article is the language's own).
PART_LABELS: dict[Part, str] = {Part.SUBJECT: gettext_noop("The subject"), Part.BODY: gettext_noop("The body")}

TEMPLATES: dict[str, str] = {
    "template_too_long": gettext_noop("{part} is {length} characters long; at most {limit} are allowed."),
    "template_syntax": gettext_noop("{part} cannot be read, line {line}: {detail}"),
    "unknown_variable": gettext_noop(
        "{part} uses “{variable}”, line {line}, which is not a known variable. Allowed variables: {allowed}."
    ),
    "unknown_field": gettext_noop(
        "{part} reads “{field}” of “{variable}”, line {line}, which it does not have. Its fields: {fields}."
    ),
    "whole_record": gettext_noop("{part} shows “{variable}” whole, line {line}: choose one of its fields: {fields}."),
    "field_of_value": gettext_noop("{part} reads a field of “{variable}”, line {line}, which has none."),
    "forbidden_construct": gettext_noop(
        "{part} uses “{construct}”, line {line}: templates may only show variables, with if and filters."
    ),
    "forbidden_filter": gettext_noop("{part} uses the filter “{name}”, line {line}. Allowed filters: {allowed}."),
    "forbidden_test": gettext_noop("{part} uses the test “{name}”, line {line}. Allowed tests: {allowed}."),
    "too_deep": gettext_noop("{part} nests ifs or brackets more than {limit} levels deep."),
    "render_failed": gettext_noop("{part} could not be rendered for this contact: {detail}"),
    "render_too_long": gettext_noop("{part}, once rendered, passes {limit} characters."),
}


@dataclass(frozen=True)
class TemplateProblem:
    """Why a template is refused: a code, the part and line, and the figures behind the message."""

    code: str
    part: Part
    line: int | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    def message(self, formatter: Formatter | None = None, translate: Translate = lambda s: s) -> str:
        def special(key: str, value: object, show: Any) -> str | None:
            return translate(PART_LABELS[value]) if isinstance(value, Part) else None

        params = {"part": self.part, "line": self.line or 1, **self.params}
        return wording.render(TEMPLATES[self.code], params, formatter or Formatter("en"), translate, (), special)


class TemplateRefused(ValueError):
    """A template that may not be saved or rendered; ``problems`` say why, each located."""

    def __init__(self, problems: list[TemplateProblem]) -> None:
        super().__init__("; ".join(p.message() for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class MailTemplate:
    """One e-mail of a step: its subject and body, as the manager wrote them."""

    subject: str
    body: str


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str


@dataclass(frozen=True)
class PersonaTemplates:
    """A step's e-mail per persona (« DAF », « DSI »…), with the one used for any other persona."""

    default: MailTemplate
    by_persona: Mapping[str, MailTemplate] = field(default_factory=dict)

    def for_persona(self, persona: str | None) -> MailTemplate:
        return self.by_persona.get(persona or "", self.default)


def environment() -> ImmutableSandboxedEnvironment:
    """The sandbox: immutable values, strict undefined, no globals, text output (autoescape off)."""
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.globals.clear()
    env.filters = {name: f for name, f in env.filters.items() if name in ALLOWED_FILTERS}
    env.tests = {name: t for name, t in env.tests.items() if name in ALLOWED_TESTS}
    return env


_ENV = environment()


def check_template(
    text: str,
    allowed: Mapping[str, frozenset[str] | None] = ALLOWED_VARIABLES,
    part: Part = Part.BODY,
) -> list[TemplateProblem]:
    """The problems of one template text (empty: it may be saved). Parsed, never compiled nor run.
    ``allowed``: the variables and their fields (a narrower set for a step that has no meeting link)."""
    limit = MAX_SUBJECT_CHARS if part is Part.SUBJECT else MAX_BODY_CHARS
    if len(text) > limit:
        return [TemplateProblem("template_too_long", part, None, {"length": len(text), "limit": limit})]
    try:
        tree = _ENV.parse(text)
        return list(_walk(tree, part, allowed, 0))
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        return [TemplateProblem("template_syntax", part, line, {"detail": getattr(error, "message", None) or ""})]
    except RecursionError:  # the parser's own recursion, before our depth bound is reached
        return [TemplateProblem("too_deep", part, None, {"limit": MAX_DEPTH})]


def _names(allowed: Mapping[str, object]) -> list[str]:
    return sorted(allowed)


def _walk(
    node: nodes.Node, part: Part, allowed: Mapping[str, frozenset[str] | None], depth: int
) -> Iterator[TemplateProblem]:
    line = node.lineno
    if depth > MAX_DEPTH:
        yield TemplateProblem("too_deep", part, line, {"limit": MAX_DEPTH})
        return
    if not isinstance(node, _ALLOWED_NODES):
        construct = next((n for t, n in _CONSTRUCTS.items() if isinstance(node, t)), None)
        yield TemplateProblem("forbidden_construct", part, line, {"construct": construct or _operator(node)})
        return
    if isinstance(node, nodes.Name):
        if node.name not in allowed or node.ctx != "load":
            yield TemplateProblem("unknown_variable", part, line, {"variable": node.name, "allowed": _names(allowed)})
        elif allowed[node.name] is not None:  # a record shown whole would print its dict
            fields = sorted(allowed[node.name] or ())
            yield TemplateProblem("whole_record", part, line, {"variable": node.name, "fields": fields})
        return
    if isinstance(node, nodes.Getattr | nodes.Getitem):
        yield from _field(node, part, allowed, depth)
        return
    if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
        yield TemplateProblem("forbidden_filter", part, line, {"name": node.name, "allowed": sorted(ALLOWED_FILTERS)})
        return
    if isinstance(node, nodes.Test) and node.name not in ALLOWED_TESTS:
        yield TemplateProblem("forbidden_test", part, line, {"name": node.name, "allowed": sorted(ALLOWED_TESTS)})
        return
    if isinstance(node, nodes.Filter | nodes.Test) and (node.dyn_args is not None or node.dyn_kwargs is not None):
        yield TemplateProblem("forbidden_construct", part, line, {"construct": "*args"})
        return
    if isinstance(node, nodes.Const) and not isinstance(node.value, str | int | bool | None):
        yield TemplateProblem("forbidden_construct", part, line, {"construct": type(node.value).__name__})
        return
    for child in node.iter_child_nodes():
        yield from _walk(child, part, allowed, depth + 1)


def _field(
    node: nodes.Getattr | nodes.Getitem, part: Part, allowed: Mapping[str, frozenset[str] | None], depth: int
) -> Iterator[TemplateProblem]:
    """``contact.first_name`` or ``contact['first_name']``: one level, a known field of a known variable.
    In a chain (``contact.__class__.__mro__``) the first step that goes wrong is the one reported."""
    line = node.lineno
    target = node.node
    if isinstance(node, nodes.Getattr):
        name: object = node.attr
    else:
        name = node.arg.value if isinstance(node.arg, nodes.Const) else None
    if not isinstance(target, nodes.Name):  # ''.__class__, contact.first_name.__class__, (x).y
        inner = list(_walk(target, part, allowed, depth + 1))
        if inner:
            yield from inner
            return
        shown = name if isinstance(name, str) else "[…]"
        yield TemplateProblem("forbidden_construct", part, line, {"construct": f".{shown}"})
        return
    if target.name not in allowed:
        yield TemplateProblem("unknown_variable", part, line, {"variable": target.name, "allowed": _names(allowed)})
        return
    fields = allowed[target.name]
    if fields is None:
        yield TemplateProblem("field_of_value", part, line, {"variable": target.name})
    elif name not in fields:
        yield TemplateProblem(
            "unknown_field",
            part,
            line,
            {"variable": target.name, "field": name if isinstance(name, str) else "[…]", "fields": sorted(fields)},
        )


def _operator(node: nodes.Node) -> str:
    operator = getattr(node, "operator", None)
    return str(operator) if operator else type(node).__name__


def check_mail(
    template: MailTemplate, allowed: Mapping[str, frozenset[str] | None] = ALLOWED_VARIABLES
) -> list[TemplateProblem]:
    """Both parts' problems, subject first: what the sequence builder shows under each field."""
    subject = check_template(template.subject, allowed, Part.SUBJECT)
    return subject + check_template(template.body, allowed, Part.BODY)


def render(template: MailTemplate, context: MailContext) -> RenderedMail:
    """The e-mail for one contact (also the preview for a real contact). Raises ``TemplateRefused``."""
    problems = _checked(template.subject, template.body)
    if problems:
        raise TemplateRefused(list(problems))
    variables = context.variables()
    subject = " ".join(_render_text(template.subject, variables, Part.SUBJECT).split())
    return RenderedMail(subject=subject, body=_render_text(template.body, variables, Part.BODY))


@functools.lru_cache(maxsize=256)
def _checked(subject: str, body: str) -> tuple[TemplateProblem, ...]:
    """A sequence sends the same few templates to hundreds of contacts: checked once per text."""
    return tuple(check_mail(MailTemplate(subject, body)))


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> Template:
    return _ENV.from_string(text)


def _render_text(text: str, variables: Mapping[str, object], part: Part) -> str:
    """The sandbox's output, chunk by chunk, stopped past ``MAX_OUTPUT_CHARS``; any error is a problem."""
    chunks: list[str] = []
    size = 0
    try:
        for chunk in _compiled(text).generate(variables):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateRefused([TemplateProblem("render_too_long", part, None, {"limit": MAX_OUTPUT_CHARS})])
            chunks.append(chunk)
    except TemplateError as error:  # SecurityError and UndefinedError among them
        raise TemplateRefused([TemplateProblem("render_failed", part, None, {"detail": str(error)})]) from None
    except TemplateRefused:
        raise
    except (TypeError, ValueError, OverflowError, RecursionError) as error:
        raise TemplateRefused([TemplateProblem("render_failed", part, None, {"detail": str(error)})]) from None
    return "".join(chunks)
