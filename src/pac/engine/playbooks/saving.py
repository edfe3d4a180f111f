"""A plan saved as a playbook (issue 13, « Custom playbooks »): the plan's normal form (``planfile.plan_data``)
written as a template whose dates are offsets from a ``start`` parameter and whose sums of money are scaled
to a ``target`` parameter, so that the playbook instantiated at the plan's own start and target gives the
very same plan, and at another start every date moves with it.

- A date that is a business day of the plan's country becomes ``start | add_business_days(n)``; any other
  date (a plan ending on a Sunday, a deadline on a holiday) ``start | add_days(n)``: both give the date back
  at the plan's own start.
- The target is the plan's first revenue objective: it becomes ``{{ target }}``; every other sum of money
  (the budget, the average deal, other revenue objectives, actions' budgets and values, accounts' and
  segments' potential, acquisition costs) ``target | scale(value, base)``, the value in proportion. A plan
  without a revenue objective has no ``target`` parameter: its sums stay as they are.
- ``country`` is a parameter too (the plan's by default): the date helpers count its business days.
- Text that Jinja2 would read (``{{``, ``{%``…) is written as a string literal inside braces, so the plan's
  words are never run as a template.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import yaml

from pac.engine import model
from pac.engine.labels import Message, gettext_noop
from pac.engine.planfile import plan_data
from pac.engine.playbooks.parameters import PlaybookError, Problem
from pac.engine.workdays import add_business_days, is_business_day

#: A playbook's name as the header takes it.
NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
#: The keys whose numbers are sums of money, by the plan file's section they are in.
MONEY_KEYS: dict[str, frozenset[str]] = {
    "plan": frozenset({"budget"}),
    "funnel": frozenset({"average_deal"}),
    "segments": frozenset({"potential_value", "acquisition_cost"}),
    "accounts": frozenset({"potential"}),
    "actions": frozenset({"budget", "value"}),
}
_MARK = "__pac_playbook_{}__"
_MARKED = re.compile(r"__pac_playbook_(\d+)__")


def _offset(start: dt.date, day: dt.date, country: str) -> str:
    """The template expression for ``day`` counted from ``start``."""
    days = (day - start).days
    if days == 0:
        return "start"
    if is_business_day(day, country):
        # count business days, then check (a start that is not a business day counts from itself)
        step = 1 if days > 0 else -1
        count, probe = 0, start
        while probe != day:
            probe += dt.timedelta(days=step)
            if is_business_day(probe, country):
                count += step
        if add_business_days(start, count, country) == day:
            return f"start | add_business_days({count})"
    return f"start | add_days({days})"


class _Writer:
    """Walks the plan data and replaces each date and sum of money by a marker of its expression."""

    def __init__(self, start: dt.date, country: str, base: Decimal | None) -> None:
        self.start, self.country, self.base = start, country, base
        self.expressions: list[str] = []
        self.target_used = False

    def mark(self, expression: str) -> str:
        self.expressions.append(expression)
        return _MARK.format(len(self.expressions) - 1)

    def money(self, value: Any, *, is_target: bool = False) -> Any:
        if self.base is None or isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            return value
        if is_target and not self.target_used:
            self.target_used = True
            return self.mark("target")
        return self.mark(f"target | scale({json.dumps(str(value))}, {json.dumps(str(self.base))})")

    def walk(self, value: Any, section: str = "") -> Any:
        """``value`` with its dates and sums of money marked; ``section``: the plan file's top-level key it
        is in (which keys are money depends on it)."""
        if isinstance(value, dt.date):
            return self.mark(_offset(self.start, value, self.country))
        if isinstance(value, dict):
            money = MONEY_KEYS.get(section, frozenset())
            out = {}
            for k, v in value.items():
                inner = section or str(k)
                out[k] = self.money(v) if k in money and not isinstance(v, dict | list) else self.walk(v, inner)
            return out
        if isinstance(value, list):
            return [self.walk(v, section) for v in value]
        if isinstance(value, str) and ("{" in value or "}" in value):
            return self.mark(json.dumps(value))  # a literal: the plan's words are never a template
        return value


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def revenue_target(plan: model.Plan) -> Decimal | None:
    """The target the playbook scales to: the plan's first revenue objective's (None without one)."""
    for objective in plan.objectives:
        if objective.metric is model.Metric.REVENUE and objective.target:
            return Decimal(objective.target)
    return None


def playbook_from_plan(plan: model.Plan, name: str, title: str, description: str = "") -> str:
    """The playbook file (YAML text) that gives ``plan`` back at its own start and target; ``title`` and
    ``description`` serve both languages. A wrong name or an empty title is a ``PlaybookError``."""
    problems = []
    if not NAME.match(name):
        problems.append(
            Problem("name", Message(gettext_noop("lower-case letters, digits and dashes, starting with a letter")))
        )
    if not title.strip() or len(title) > 200 or any(ord(c) < 32 for c in title):
        problems.append(Problem("title", Message(gettext_noop("one line of text, at most 200 characters"))))
    if problems:
        raise PlaybookError(problems)
    base = revenue_target(plan)
    writer = _Writer(plan.start, plan.country, base)
    data = plan_data(plan)
    for objective in data.get("objectives", []):
        if objective.get("metric") == model.Metric.REVENUE.value and "target" in objective:
            objective["target"] = writer.money(objective["target"], is_target=True)
    written = writer.walk(data)
    body = yaml.dump(written, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    template = _MARKED.sub(lambda m: "{{ " + writer.expressions[int(m[1])] + " }}", body)
    starts_on_business_day = is_business_day(plan.start, plan.country)
    parameters: list[dict[str, Any]] = [
        {
            "name": "start",
            "type": "date",
            "default": plan.start.isoformat(),
            "business_day": starts_on_business_day,
            "description": {"fr": "Début du plan", "en": "Start of the plan"},
        }
    ]
    if base is not None:
        parameters.append(
            {
                "name": "target",
                "type": "money",
                "default": _number(base),
                "min": 1,
                "max": 10_000_000_000,
                "description": {
                    "fr": "Chiffre d'affaires visé (les montants du plan suivent en proportion)",
                    "en": "Revenue target (the plan's sums follow in proportion)",
                },
            }
        )
    parameters.append(
        {
            "name": "country",
            "type": "text",
            "default": plan.country,
            "max": 2,
            "description": {
                "fr": "Pays des jours fériés (code ISO)",
                "en": "Country of the public holidays (ISO code)",
            },
        }
    )
    text = description.strip() or title.strip()
    header = {
        "playbook": {
            "name": name,
            "title": {"fr": title.strip(), "en": title.strip()},
            "description": {"fr": text, "en": text},
        },
        "parameters": parameters,
    }
    head = yaml.dump(header, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    indented = "".join("  " + line if line.strip() else line for line in template.splitlines(keepends=True))
    return f"# A playbook saved from the plan « {_comment(plan.name)} » (docs/playbooks.md).\n{head}plan: |\n{indented}"


def _comment(text: str) -> str:
    return " ".join(text.split())[:120]


def _number(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value)
