"""Playbooks (issue 13 part 1): each built-in makes a valid, complete plan for any start and target, dated on
business days, with the reverse funnel's volumes and honest diagnostics; values are checked before rendering."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal

import pytest

from pac.engine.analysis import analyse
from pac.engine.calendar import event_items
from pac.engine.model import RATE_METRICS, Metric, Plan
from pac.engine.planfile import dump_plan, parse_plan_file, to_plan
from pac.engine.playbooks import (
    PlaybookError,
    builtin_names,
    instantiate,
    load_builtin,
    parse_playbook,
    read_assignments,
)
from pac.engine.sequences import EVENT_ACTIVATION, FOUR_TOUCHES
from pac.engine.workdays import is_business_day, previous_business_day

D = Decimal


def ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def reverse_funnel(target: Decimal, deal: Decimal, rates: list[str]) -> list[int]:
    """The DESIGN rule: won = ceil(target / deal), then each stage up ceil(next / rate), top first."""
    volumes = [ceil(target / deal)]
    for rate in reversed(rates):
        volumes.insert(0, ceil(D(volumes[0]) / D(rate)))
    return volumes


#: playbook, values, the target and deal it means, the playbook's rates top → bottom, its diagnostics.
CASES = [
    (
        "saas-midmarket",
        {"start": "2027-01-01"},
        (D(1_000_000), D(83_334)),
        ["0.25", "0.4", "0.5", "0.3", "0.6"],
        {"activity_above_funnel", "pipeline_before_start"},
    ),
    (
        "saas-midmarket",
        {"start": "2027-06-14", "target": 2_400_000},
        (D(2_400_000), D(83_334)),
        ["0.25", "0.4", "0.5", "0.3", "0.6"],
        {"activity_above_funnel", "capacity_before_start_over", "pipeline_before_start"},
    ),
    (
        "channel-hardware",
        {"start": "2027-01-04", "trade_shows": ["2027-04-13", "2027-06-08"]},
        (D(1_500_000), D(30_000)),
        ["0.3", "0.5", "0.5", "0.5", "0.5"],
        {"capacity_before_start_over", "capacity_weeks_over", "pipeline_before_start"},
    ),
    (
        "channel-hardware",
        {"start": "2027-09-01", "target": 900_000, "trade_shows": ["2027-11-16"]},
        (D(900_000), D(30_000)),
        ["0.3", "0.5", "0.5", "0.5", "0.5"],
        {"pipeline_before_start"},
    ),
    ("key-accounts", {"start": "2027-01-04"}, (D(600_000), D(40_000)), ["0.4", "0.6"], {"pipeline_before_start"}),
    (
        "key-accounts",
        {"start": "2028-05-01", "target": 900_000},
        (D(900_000), D(40_000)),
        ["0.4", "0.6"],
        {"pipeline_before_start"},
    ),
]


def dated(plan: Plan) -> list[tuple[str, dt.date]]:
    """Every date the plan sets, with where it is."""
    found = [("plan.start", plan.start), ("plan.end", plan.end)]
    found += [(f"objective {o.id}", o.deadline) for o in plan.objectives if o.deadline]
    for a in plan.actions:
        found += [(f"action {a.id} start", a.start), (f"action {a.id} end", a.end)]
        found += [(f"action {a.id} milestone", m.date) for m in a.milestones]
    found += [(f"event {e.id}", e.start) for e in plan.events]
    found += [(f"deadline {d.id}", d.date) for d in plan.deadlines if d.date]
    found += [(f"sequence {s.sequence.id}", s.start) for s in plan.sequences if s.start]
    found += [(f"campaign {i.ref} J-{i.offset_days}", i.date) for i in event_items(plan) if i.offset_days]
    return found


def test_there_are_the_three_built_in_playbooks() -> None:
    assert builtin_names() == ["channel-hardware", "key-accounts", "saas-midmarket"]
    for name in builtin_names():
        playbook = load_builtin(name)
        assert playbook.name == name and {"start", "target"} <= {p.name for p in playbook.parameters}
        assert all(p.description["fr"] and p.description["en"] for p in playbook.parameters)


@pytest.mark.parametrize(("name", "values", "money", "rates", "codes"), CASES)
def test_each_playbook_gives_a_valid_complete_plan_on_business_days(name, values, money, rates, codes) -> None:
    instance = instantiate(load_builtin(name), values)
    plan = to_plan(instance.doc)
    assert to_plan(parse_plan_file(dump_plan(plan))) == plan  # its normal form passes validation, unchanged
    missing = [section for section in type(instance.doc).model_fields if not getattr(instance.doc, section)]
    # every section of the plan file, from objectives to sequences; channel partners for the channel playbook only
    assert missing == ([] if name == "channel-hardware" else ["partners"])
    assert plan.alerts != type(plan.alerts)()  # thresholds of its own
    assert all(a.owner and a.raci for a in plan.actions)
    assert any(c.buying_role for c in plan.contacts)
    off = [(where, day) for where, day in dated(plan) if not is_business_day(day, plan.country)]
    assert off == []
    analysis = analyse(plan)
    assert analysis.funnel is not None
    target, deal = money
    assert [s.volume for s in analysis.funnel.stages] == reverse_funnel(target, deal, rates)
    assert {d.code for d in analysis.diagnostics} == codes


def test_a_start_that_is_not_a_business_day_moves_to_the_next_one_with_a_note() -> None:
    instance = instantiate(load_builtin("saas-midmarket"), {"start": "2027-01-01"})  # New Year's Day
    assert instance.doc.plan.start == dt.date(2027, 1, 4)
    assert [(n.parameter, str(n.message)) for n in instance.notes] == [
        ("start", "2027-01-01 is not a business day in FR: moved to the next one, 2027-01-04")
    ]


def test_saas_midmarket_says_what_the_thirty_demos_a_week_imply() -> None:
    plan = to_plan(instantiate(load_builtin("saas-midmarket"), {"start": "2027-01-04"}).doc)
    targets = {o.id: o.target for o in plan.objectives}
    assert (targets["icp-accounts"], targets["demos"], targets["proposals"], targets["signatures"]) == (200, 30, 20, 12)
    assert {s.id for s in plan.segments} == {"saas-midmarket", "sante", "industrie"}
    assert set(plan.segments[0].criteria["persona"]) == {"CFO", "COO"}
    assert [s.sequence.steps for s in plan.sequences] == [load_steps(FOUR_TOUCHES)] * 2  # one per vertical
    demos = next(d for d in analyse(plan).diagnostics if d.code == "activity_above_funnel")
    assert (demos.params["planned"], demos.params["needed"]) == (390, 67)  # 30 × 13 weeks for 67 needed


def load_steps(name: str):
    from pac.engine.sequences import builtin

    return builtin(name)[0]


def test_channel_hardware_activates_each_trade_show_at_j60_j30_j7() -> None:
    shows = [dt.date(2027, 4, 13), dt.date(2027, 6, 8)]
    values = {"start": "2027-01-04", "trade_shows": [s.isoformat() for s in shows], "partners": 12}
    plan = to_plan(instantiate(load_builtin("channel-hardware"), values).doc)
    assert [(e.id, e.kind.value, e.start, e.campaigns) for e in plan.events] == [
        ("salon-1", "trade_show", shows[0], (60, 30, 7)),
        ("salon-2", "trade_show", shows[1], (60, 30, 7)),
    ]
    campaigns = {(i.ref, i.offset_days): i.date for i in event_items(plan) if i.offset_days}
    actions = {a.id: a for a in plan.actions}
    for n, show in enumerate(shows, start=1):
        for offset in (60, 30, 7):
            day = previous_business_day(show - dt.timedelta(days=offset), "FR")
            assert campaigns[(f"salon-{n}", offset)] == day
            action = actions[f"activation-{n}-j{offset}"]
            assert (action.type.value, action.start, action.end, action.event) == (
                "activation_campaign",
                day,
                day,
                f"salon-{n}",
            )
    assert actions["activation-2-j30"].start == dt.date(2027, 5, 7)  # J-30 is Sunday 9 May: the Friday before
    activations = [s for s in plan.sequences if s.event]
    assert [s.event for s in activations] == ["salon-1", "salon-2"]
    assert all(s.sequence.steps == load_steps(EVENT_ACTIVATION) for s in activations)
    assert not set(activations[0].accounts) & set(activations[1].accounts)  # nobody in two sequences
    recruit = actions["recrutement-var"]
    assert recruit.type.value == "partner_recruitment" and recruit.expected.volume == 12
    recruitment = next(o for o in plan.objectives if o.id == "var-recrutes")
    assert (recruitment.metric.value, recruitment.target, recruitment.deadline) == ("partners", 12, recruit.end)
    assert [(p.id, p.name, p.status.value, p.mdf_budget) for p in plan.partners[:2]] == [
        ("var-1", "VAR 1", "prospect", 5000),
        ("var-2", "VAR 2", "prospect", 5000),
    ]
    assert len(plan.partners) == 12 and {p.kind.value for p in plan.partners} == {"var"}
    assert [p.owner for p in plan.partners[:4]] == ["paul", "lea", "paul", "lea"]  # the partner managers in turn
    assert sum(p.mdf_budget for p in plan.partners) == actions["kits-mdf"].budget
    assert actions["kits-mdf"].budget == 12 * 5000
    assert {a.segment for a in plan.accounts} == {"partenaires", "industrie"}


def test_channel_hardware_refuses_a_trade_show_too_close_to_the_start_or_missing() -> None:
    playbook = load_builtin("channel-hardware")
    with pytest.raises(PlaybookError) as error:
        instantiate(playbook, {"start": "2027-01-04", "trade_shows": ["2027-06-08", "2027-02-01"]})
    assert error.value.lines() == ["trade_shows[1]: must be at least 2027-03-05"]
    with pytest.raises(PlaybookError) as error:
        instantiate(playbook, {"start": "2027-01-04"})
    assert error.value.lines() == ["trade_shows: required: give a value (dates, such as [2027-10-12])"]


def test_key_accounts_map_each_buying_centre_and_hold_a_qbr_each_quarter() -> None:
    plan = to_plan(instantiate(load_builtin("key-accounts"), {"start": "2027-01-04"}).doc)
    for account in plan.accounts:
        roles = {c.buying_role.value for c in plan.contacts if c.account == account.id}
        assert {"decision_maker", "economic_buyer", "champion"} <= roles
        qbrs = [a for a in plan.actions if a.type.value == "qbr" and a.accounts == (account.id,)]
        assert len(qbrs) == 4 and len({(q.start.year, (q.start.month - 1) // 3) for q in qbrs}) == 4
    assert any(a.type.value == "upsell" for a in plan.actions) and any(a.kpi == "NRR ≥ 115 %" for a in plan.actions)
    assert any(a.kpi == "adoption à 60 jours ≥ 60 %" for a in plan.actions)


def test_key_accounts_make_nrr_and_adoption_objectives_of_the_key_accounts_segment() -> None:
    plan = to_plan(instantiate(load_builtin("key-accounts"), {"start": "2027-01-04"}).doc)
    rates = {o.metric: (o.target, o.segment, o.deadline) for o in plan.objectives if o.metric in RATE_METRICS}
    assert rates == {
        Metric.NRR: (D("1.15"), "grands-comptes", plan.end),
        Metric.ADOPTION: (D("0.6"), "grands-comptes", plan.end),
    }
    chosen = to_plan(
        instantiate(load_builtin("key-accounts"), {"start": "2027-01-04", "nrr_target": 120, "adoption_target": 80}).doc
    )
    assert {o.metric: o.target for o in chosen.objectives if o.metric in RATE_METRICS} == {
        Metric.NRR: D("1.2"),
        Metric.ADOPTION: D("0.8"),
    }


TEXT_PLAYBOOK = """
playbook:
  name: texte
  title: {fr: Texte, en: Text}
  description: {fr: Un nom libre, en: A free name}
parameters:
  - {name: start, type: date, description: {fr: Début, en: Start}}
  - {name: title, type: text, default: Plan, description: {fr: Nom, en: Name}}
plan: |
  plan: {name: {{ title }}, start: {{ start }}, end: {{ start | add_days(30) }}}
  objectives:
    - {id: nb, metric: wins, target: 3, deadline: {{ start | add_days(30) }}}
"""


@pytest.mark.parametrize(
    "title",
    [
        'T1", budget: 999, "x',
        "T1}\u2028objectives: []",
        "{budget: 1}",
        "- x",
        "&a *a",
        "T1 # not a comment",
        "'quoted' and \\ backslash",
        "null",
    ],
)
def test_a_text_value_is_one_text_whatever_yaml_it_holds(title: str) -> None:
    doc = instantiate(parse_playbook(TEXT_PLAYBOOK), {"start": "2027-01-04", "title": title}).doc
    assert doc.plan.name == title and doc.plan.budget is None and len(doc.objectives) == 1


def test_a_text_value_with_a_line_break_is_refused_before_rendering() -> None:
    with pytest.raises(PlaybookError) as error:
        instantiate(parse_playbook(TEXT_PLAYBOOK), {"start": "2027-01-04", "title": "T1\nobjectives: []"})
    assert error.value.lines() == ["title: must be one line of text, without control characters"]


def test_wrong_values_are_all_said_with_their_parameter() -> None:
    with pytest.raises(PlaybookError) as error:
        instantiate(
            load_builtin("saas-midmarket"),
            {"start": "2027-02-30", "target": 5, "win_rate": 1.5, "manager": ["a", "b"], "sdrs": ["bad name"], "x": 1},
        )
    assert error.value.lines() == [
        "x: unknown parameter (known: start, target, average_deal, win_rate, icp_accounts, demos_per_week, "
        "manager, sdrs, aes, csms, country)",
        "start: 2027-02-30 does not exist: month 02 of 2027 has 28 days",
        "target: must be at least 10000",
        "win_rate: must be a rate between 0 and 1, such as 0.25 for 25 %",
        "manager: needs between 1 and 1 items",
        "sdrs[0]: 'bad name' is not a username: letters, digits and . @ + - _ only",
    ]


def test_an_unknown_playbook_names_those_there_are() -> None:
    with pytest.raises(PlaybookError) as error:
        load_builtin("saas")
    assert error.value.lines() == ["unknown playbook 'saas' (known: channel-hardware, key-accounts, saas-midmarket)"]


def test_set_values_are_read_as_yaml() -> None:
    assert read_assignments(["target=2400000", "trade_shows=[2027-10-12, 2028-03-14]", "sdrs=[ana, bo]"]) == {
        "target": 2400000,
        "trade_shows": ["2027-10-12", "2028-03-14"],
        "sdrs": ["ana", "bo"],
    }
    with pytest.raises(PlaybookError) as error:
        read_assignments(["target", "a=1", "a=2", "b=[1, 2"])
    assert [p.parameter for p in error.value.problems] == ["--set", "a", "b"]


def test_the_country_decides_the_business_days() -> None:
    # 2027-05-17 is Whit Monday: a public holiday in France, a working day in the United Kingdom
    french = instantiate(load_builtin("key-accounts"), {"start": "2027-05-17"})
    british = instantiate(load_builtin("key-accounts"), {"start": "2027-05-17", "country": "gb"})
    assert (french.doc.plan.start, french.doc.plan.country) == (dt.date(2027, 5, 18), "FR")
    assert (british.doc.plan.start, british.doc.plan.country, british.notes) == (dt.date(2027, 5, 17), "GB", ())
    plan = to_plan(british.doc)
    assert [(where, day) for where, day in dated(plan) if not is_business_day(day, "GB")] == []
    with pytest.raises(PlaybookError) as error:
        instantiate(load_builtin("key-accounts"), {"start": "2027-05-17", "country": "ZZ"})
    assert error.value.lines() == ["country: no public-holiday calendar is known for ZZ; use a code such as FR"]


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("{{ unknown }}", "'unknown' is undefined"),
        ("{{ start.__class__.__mro__ }}", "access to attribute '__class__' of 'date' object is unsafe."),
        ("{{ lipsum }}", "'lipsum' is undefined"),
    ],
)
def test_a_template_of_ones_own_is_rendered_in_the_sandbox(expression: str, reason: str) -> None:
    text = TEXT_PLAYBOOK.replace("{{ title }}", expression)
    with pytest.raises(PlaybookError) as error:
        instantiate(parse_playbook(text), {"start": "2027-01-04"})
    assert error.value.lines() == [f"plan: the plan template cannot be rendered: {reason}"]
