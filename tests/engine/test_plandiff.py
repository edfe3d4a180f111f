"""``plandiff``: what changed between two plans, by object identity, in the plan file's normal form."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import yaml

import pac.engine
from pac.engine.plandiff import Kind, diff_data, diff_plans, to_json
from pac.engine.planfile import dump_plan, load_plan_file, parse_plan_file, plan_data, to_plan

EXAMPLE = Path(pac.engine.__file__).parent / "examples" / "saas-midmarket.yaml"


def example():
    return to_plan(load_plan_file(EXAMPLE))


def test_the_same_plan_written_another_way_has_no_difference() -> None:
    plan = example()
    # block style instead of flow style, keys of each object in reverse order: the same plan
    data = plan_data(plan)
    reordered = {
        k: ([dict(reversed(list(r.items()))) for r in v] if isinstance(v, list) else v) for k, v in data.items()
    }
    rewritten = yaml.safe_dump(reordered, default_flow_style=False, sort_keys=False, allow_unicode=True)
    assert rewritten != EXAMPLE.read_text(encoding="utf-8")
    assert diff_plans(plan, to_plan(parse_plan_file(rewritten))) == []


def test_an_action_inserted_first_is_one_addition_not_every_action_changed() -> None:
    plan = example()
    first = plan.actions[0]
    added = dataclasses.replace(first, id="webinar-cfo", name="Webinar CFO")
    changed = dataclasses.replace(plan, actions=(added, *plan.actions))
    changes = diff_plans(plan, changed)
    assert [(c.kind, c.where) for c in changes] == [(Kind.ADDED, "actions[webinar-cfo]")]
    assert changes[0].new["name"] == "Webinar CFO" and changes[0].old is None


def test_changed_values_give_their_path_and_old_and_new() -> None:
    plan = example()
    action = plan.actions[1]
    steps = tuple(dataclasses.replace(s, rate=Decimal("0.45")) if s.stage.value == "mql" else s for s in plan.steps)
    changed = dataclasses.replace(
        plan,
        steps=steps,
        actions=tuple(
            dataclasses.replace(a, budget=a.budget + 500, end=a.end - dt.timedelta(days=7)) if a is action else a
            for a in plan.actions
        ),
        segments=plan.segments[1:],
    )
    document = to_json(diff_plans(plan, changed))
    rows = {(c["change"], c["where"]): (c["old"], c["new"]) for c in document["changes"]}
    assert rows[("changed", "funnel.stages[mql].rate")] == (0.4, 0.45)
    assert rows[("changed", f"actions[{action.id}].budget")] == (int(action.budget), int(action.budget + 500))
    old_end = action.end.isoformat()
    assert rows[("changed", f"actions[{action.id}].end")] == (old_end, (action.end - dt.timedelta(days=7)).isoformat())
    removed = plan.segments[0]
    assert rows[("removed", f"segments[{removed.id}]")][0]["name"] == removed.name
    assert document["count"] == {"added": 0, "removed": 1, "changed": 3}
    # the machine-readable path names the object by its identity, not its position
    paths = [c["path"] for c in document["changes"]]
    assert ["funnel", "stages", "mql", "rate"] in paths


def test_lists_without_identity_are_compared_as_values() -> None:
    old = {"segments": [{"id": "a", "personas": ["CFO", "COO"]}]}
    new = {"segments": [{"id": "a", "personas": ["COO", "CFO"]}]}
    assert [(c.where, c.old, c.new) for c in diff_data(old, new)] == [
        ("segments[a].personas", ["CFO", "COO"], ["COO", "CFO"])
    ]


def test_the_round_trip_of_the_normal_form_is_exact() -> None:
    plan = example()
    assert diff_plans(plan, to_plan(parse_plan_file(dump_plan(plan)))) == []
