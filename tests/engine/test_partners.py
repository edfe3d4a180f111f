"""Channel partners (issue 13): the plan file's ``partners`` section, the recruitment objective measured
on them, and their diagnostics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pac.engine import model
from pac.engine.analysis import analyse
from pac.engine.formatting import Formatter
from pac.engine.model import Metric, PartnerKind, PartnerStatus
from pac.engine.planfile import PlanFileError, dump_plan, parse_plan_file, to_plan
from pac.engine.progress import objective_progress, plan_actuals

from .test_diagnostics import partner_plan

PLAN = """\
plan: {name: Channel, start: 2027-01-04, end: 2027-03-31, budget: 100000}
objectives:
  - {id: var-recrutes, metric: partners, target: 3, deadline: 2027-03-31}
segments:
  - {id: partenaires, name: Partenaires VAR}
partners:
  - {id: ouest, name: Automatismes de l'Ouest, kind: VAR, owner: paul, status: active, recruited: 2027-01-20,
     region: Bretagne, segment: partenaires, mdf_budget: 5000}
  - {id: sud, name: Élec Industrie Sud, kind: distributor, owner: lea, status: recruited, recruited: 2027-02-15}
  - {id: nord, name: Intégrateurs du Nord, kind: integrator, owner: lea}
  - {id: est, name: Maintenance Est, kind: referral, status: dropped, recruited: 2026-12-01, mdf_budget: 2500.5}
"""


def _issues(text: str) -> list[str]:
    with pytest.raises(PlanFileError) as raised:
        parse_plan_file(text, "plan.yaml")
    return [f"{i.path}@{i.line}: {i.message}" for i in raised.value.issues]


def test_it_reads_the_partners_section_into_the_plan() -> None:
    plan = to_plan(parse_plan_file(PLAN))

    ouest, sud, nord, est = plan.partners
    assert ouest == model.Partner(
        "ouest",
        "Automatismes de l'Ouest",
        PartnerKind.VAR,
        "paul",
        PartnerStatus.ACTIVE,
        dt.date(2027, 1, 20),
        "Bretagne",
        "partenaires",
        Decimal(5000),
    )
    assert (sud.kind, sud.status, sud.mdf_budget) == (PartnerKind.DISTRIBUTOR, PartnerStatus.RECRUITED, 0)
    assert (nord.status, nord.recruited) == (PartnerStatus.PROSPECT, None)  # a prospect by default
    assert est.mdf_budget == Decimal("2500.5")
    assert plan.objectives[0].metric is Metric.PARTNERS


def test_it_dumps_the_partners_so_that_parsing_gives_them_back() -> None:
    plan = to_plan(parse_plan_file(PLAN))
    text = dump_plan(plan)

    assert "partners:" in text and "kind: distributor" in text
    assert to_plan(parse_plan_file(text)) == plan


@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        ("status: recruited, recruited: 2027-02-15", "partners[1].recruited@9", "required when the partner"),
        ("status: prospect, recruited: 2027-02-15", "partners[1].recruited@9", "a prospect has not signed"),
        ("status: recruited, recruited: 2027-02-15, segment: ghost", "partners[1].segment@9", "unknown segment"),
        ("status: signed, recruited: 2027-02-15", "partners[1].status@9", "must be one of"),
        ("status: recruited, recruited: 2027-02-15, mdf_budget: -1", "partners[1].mdf_budget@9", ">= 0"),
    ],
)
def test_it_locates_a_wrong_partner(change: str, where: str, says: str) -> None:
    text = PLAN.replace("status: recruited, recruited: 2027-02-15", change)
    if "required when" in says:
        text = text.replace(", recruited: 2027-02-15}", "}")

    issues = _issues(text)

    assert len(issues) == 1 and issues[0].startswith(where) and says in issues[0], issues


def test_it_refuses_a_partner_listed_twice_and_a_kind_it_does_not_know() -> None:
    assert _issues(PLAN.replace("id: nord", "id: sud")) == ["partners[2].id@10: duplicate id 'sud'"]
    (kind,) = _issues(PLAN.replace("kind: referral", "kind: reseller"))
    assert kind.startswith("partners[3].kind@11: must be one of var, distributor, integrator, referral")


def test_it_bounds_the_number_of_partners() -> None:
    rows = "".join(f"  - {{id: p{n}, name: P{n}}}\n" for n in range(1001))
    text = PLAN.split("partners:")[0] + "partners:\n" + rows

    (issue,) = _issues(text)
    assert issue.startswith("partners@") and "at most 1000" in issue


def test_a_recruitment_objective_counts_the_partners_signed_by_today() -> None:
    plan = to_plan(parse_plan_file(PLAN))

    def actual(today: dt.date) -> Decimal | None:
        return plan_actuals(plan, {}, today)["var-recrutes"].value  # no CRM data needed

    assert actual(dt.date(2027, 1, 19)) == 0
    assert actual(dt.date(2027, 1, 20)) == 1  # signed that day
    assert actual(dt.date(2027, 2, 20)) == 2  # the prospect and the dropped partner never count
    (line,) = objective_progress(plan, plan_actuals(plan, {}, dt.date(2027, 2, 20)), dt.date(2027, 2, 20))
    assert line.target == 3 and line.share == Decimal(2) / 3
    assert 0 < line.expected_share < 1  # cumulative: expected to grow with the business days gone by


def test_a_recruitment_objective_of_a_segment_counts_that_segment_only() -> None:
    plan = to_plan(
        parse_plan_file(PLAN.replace("deadline: 2027-03-31}", "deadline: 2027-03-31, segment: partenaires}"))
    )

    assert plan_actuals(plan, {}, dt.date(2027, 3, 1))["var-recrutes"].value == 1


def test_it_diagnoses_mdf_over_budget_too_few_partners_and_an_owner_outside_the_team(small_plan) -> None:
    found = {d.code: d for d in analyse(partner_plan(small_plan), people={"paul", "lea"}).diagnostics}

    # the dropped partner's 9 000 € of MDF is not spent: 6 000 € against 5 000 €
    assert found["partners_mdf_over_budget"].params == {"mdf": Decimal(6000), "budget": Decimal(5000)}
    assert found["partners_objective_above_listed"].params["listed"] == 2  # the dropped one left out
    assert found["partner_owner_not_in_team"].params == {"partner": "VAR 2", "owner": "zoe"}  # once: VAR 3 dropped
    text = found["partners_mdf_over_budget"].message(Formatter("fr"))
    assert "6\u202f000\xa0€" in text and "5\u202f000\xa0€" in text


def test_it_finds_nothing_to_say_about_partners_that_fit_the_plan() -> None:
    plan = to_plan(parse_plan_file(PLAN.replace("target: 3", "target: 2")))

    codes = {d.code for d in analyse(plan, people={"paul", "lea"}).diagnostics}
    assert not {c for c in codes if c.startswith("partner")}
    assert "partner_owner_not_in_team" not in {d.code for d in analyse(plan).diagnostics}  # the team unknown


def test_the_deal_kpis_break_down_by_partner(tmp_path) -> None:
    from pac.engine.kpis import compute_kpis, tables_from_directory

    (tmp_path / "opportunities.csv").write_text(
        "external_id,outcome,amount,created,closed,partner\n"
        "o1,won,10000,2027-01-05,2027-02-01,Ouest\n"
        "o2,won,30000,2027-01-10,2027-02-10,Ouest\n"
        "o3,lost,5000,2027-01-10,2027-02-12,Sud\n"
        "o4,won,7000,2027-01-12,2027-02-15,\n",
        encoding="utf-8",
    )
    tables = tables_from_directory(tmp_path)

    rows = compute_kpis(tables, as_of=dt.date(2027, 3, 1), kpis=["revenue", "wins"], by=["partner"])

    found = {(r["kpi"], r["by"]["partner"]): r["value"] for r in rows if r["status"] == "ok"}
    assert found[("revenue", "Ouest")] == 40000 and found[("wins", "Ouest")] == 2
    assert found.get(("wins", "Sud"), 0) == 0
    assert found[("revenue", None)] == 7000  # the direct deal, on a line of its own
