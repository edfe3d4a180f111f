"""A playbook's ``plan`` template rendered into plan file text, in Jinja2's sandbox.

Every ``{{ … }}`` becomes one YAML scalar (``finalize``): a text is written as a double-quoted YAML string
(its quotes, colons, brackets and line breaks escaped), a date as ISO, a number plainly, a list as a flow
sequence. A parameter's value therefore cannot add keys to the plan, whatever it holds. Text is built
with ``~`` inside the braces (``{{ "Salon " ~ n }}``), never around them.

Date helpers work on the business days of the plan's ``country`` (a variable of the template, FR by default):
``add_business_days(n)``, ``business_day_before(n)`` (n calendar days earlier, moved back to a business day,
as the calendar dates an event's campaigns), ``next_business_day``, ``previous_business_day``,
``add_days(n)``, ``add_months(n)``, ``quarter_start``, ``quarter_end`` (the last business day of the
quarter); numbers: ``ceil_div(d)`` (the reverse funnel's rounding up, in exact decimals), ``money``
(rounded to whole units), ``scale(value, base)`` (``value`` in proportion to the target, to the cent)."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pac.engine.labels import Message, gettext_noop
from pac.engine.playbooks.parameters import PlaybookError, Problem
from pac.engine.workdays import (
    DEFAULT_COUNTRY,
    add_business_days,
    is_business_day,
    previous_business_day,
)

#: The longest rendered plan text, as the plan file itself (``planfile.MAX_PLAN_FILE_BYTES``).
MAX_OUTPUT_CHARS = 2 * 1024 * 1024


def yaml_scalar(value: Any) -> str:
    """One value as a YAML flow scalar that reads back as that value and nothing more."""
    if isinstance(value, Undefined):
        return json.dumps(str(value))  # StrictUndefined: raises, naming what the template does not know
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else json.dumps(str(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a YAML double-quoted scalar; \u escapes for all but ASCII
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_scalar(item) for item in value) + "]"
    raise TypeError(f"a {type(value).__name__} cannot be written into a plan file")


def _country(context: Context) -> str:
    country = context.get("country")
    return str(country) if isinstance(country, str) else DEFAULT_COUNTRY


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@pass_context
def _add_business_days(context: Context, value: Any, days: int) -> dt.date:
    return add_business_days(_day(value), int(days), _country(context))


@pass_context
def _business_day_before(context: Context, value: Any, days: int) -> dt.date:
    return previous_business_day(_day(value) - dt.timedelta(days=int(days)), _country(context))


@pass_context
def _next_business_day(context: Context, value: Any) -> dt.date:
    day = _day(value)
    while not is_business_day(day, _country(context)):
        day += dt.timedelta(days=1)
    return day


@pass_context
def _previous_business_day(context: Context, value: Any) -> dt.date:
    return previous_business_day(_day(value), _country(context))


def _add_days(value: Any, days: int) -> dt.date:
    return _day(value) + dt.timedelta(days=int(days))


def _add_months(value: Any, months: int) -> dt.date:
    day = _day(value)
    index = day.year * 12 + day.month - 1 + int(months)
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _quarter_start(value: Any) -> dt.date:
    day = _day(value)
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


@pass_context
def _quarter_end(context: Context, value: Any) -> dt.date:
    last = _add_months(_quarter_start(value), 3) - dt.timedelta(days=1)
    return previous_business_day(last, _country(context))


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _ceil_div(value: Any, divisor: Any) -> int:
    return int((_decimal(value) / _decimal(divisor)).to_integral_value(rounding=ROUND_CEILING))


def _money(value: Any) -> int:
    return int(_decimal(value).to_integral_value(rounding=ROUND_HALF_UP))


def _scale(target: Any, value: Any, base: Any) -> Decimal:
    """``value`` × ``target`` ÷ ``base`` to the cent, computed exactly enough that ``target == base`` gives
    ``value`` back (a saved plan's sums of money, in proportion to its target)."""
    with localcontext(prec=60):
        scaled = _decimal(target) * _decimal(value) / _decimal(base)
        return scaled.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


FILTERS = {
    "add_business_days": _add_business_days,
    "business_day_before": _business_day_before,
    "next_business_day": _next_business_day,
    "previous_business_day": _previous_business_day,
    "add_days": _add_days,
    "add_months": _add_months,
    "quarter_start": _quarter_start,
    "quarter_end": _quarter_end,
    "ceil_div": _ceil_div,
    "money": _money,
    "scale": _scale,
}


def environment() -> ImmutableSandboxedEnvironment:
    """The sandbox: immutable values, strict undefined, no globals but ``range``, every output a YAML scalar."""
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=yaml_scalar,
    )
    env.globals = {"range": env.globals["range"]}
    env.filters.update(FILTERS)
    return env


_ENV = environment()
_FAILED = gettext_noop("the plan template cannot be rendered: {reason}")


def render_plan(template: str, values: Mapping[str, Any]) -> str:
    """The plan file text; a template that fails (an unknown name, a wrong helper call) is a ``PlaybookError``."""
    try:
        text = _ENV.from_string(template).render(**values)
    except (TemplateError, TypeError, ValueError, ArithmeticError) as error:
        raise PlaybookError([Problem("plan", Message(_FAILED, reason=str(error)[:300]))]) from None
    if len(text) > MAX_OUTPUT_CHARS:
        raise PlaybookError([Problem("plan", Message(_FAILED, reason="the rendered plan is too large"))])
    return text
