"""The web app's capabilities from ``pac``: each command acts as a user (``--as``) with that user's rights,
prints a table or one JSON document, writes through the services (the row changes, the history says who),
and refuses a stale version, a role without the right, an unknown id or user with exit code 2 and a
message — never a traceback."""

from __future__ import annotations

import json
import traceback
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pac.cli import app

pytestmark = pytest.mark.django_db


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"PAC_LANG": "en", "COLUMNS": "240"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("".join(traceback.format_exception(result.exception)))
    return result


def ok(*args: str) -> Any:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def refused(*args: str) -> str:
    """The command exits 2 with a message on stderr, and no traceback."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() and "Traceback" not in result.output
    return result.stderr


def as_json(*args: str) -> Any:
    return json.loads(ok(*args, "--json").stdout)


@pytest.fixture
def admin(team: Any) -> Any:
    from pac.web.accounts.services import user_create

    return user_create(username="boss", password="correct-horse-battery-staple-42", role="admin", team_name=team.name)


@pytest.fixture
def own_action(plan: Any, teammate: Any) -> Any:
    """One of the plan's actions, owned by the teammate (a rep)."""
    action = plan.actions.order_by("pk").first()
    action.owner = teammate.username
    action.save(update_fields=["owner"])  # a saved row: its history has the change
    return action


# ---------- plans: list, show, history ----------


def test_plan_list_shows_the_users_plans_with_dates_target_and_version(plan: Any, teammate: Any, outsider: Any) -> None:
    text = ok("plan", "list", "--as", "teammate").stdout
    assert plan.name.split()[0] in text and "€1,000,000" in text
    [row] = as_json("plan", "list", "--as", "teammate")
    assert (row["id"], row["version"], row["team"]) == (plan.pk, plan.version, "Ventes SaaS")
    assert row["target"] == {
        "objective": "new-business",
        "metric": "revenue",
        "target": 1000000.0,
        "deadline": "2027-03-31",
    }
    assert as_json("plan", "list", "--as", "outsider") == []  # another team's plans are not theirs
    by_env = CliRunner().invoke(app, ["plan", "list", "--json"], env={"PAC_USER": "teammate"})
    assert [p["id"] for p in json.loads(by_env.stdout)] == [plan.pk]  # PAC_USER stands for --as
    assert "no team named" in refused("plan", "list", "--as", "teammate", "--team", "Channel industrie")


def test_plan_show_gives_the_objectives_the_funnels_volumes_and_the_diagnostics(plan: Any, teammate: Any) -> None:
    shown = as_json("plan", "show", str(plan.pk), "--as", "teammate")
    assert [o["objective"] for o in shown["objectives"]][:2] == ["new-business", "icp-accounts"]
    assert {s["stage"]: s["volume"] for s in shown["funnel"]}["won"] == 12
    assert any(d["code"] for d in shown["diagnostics"])
    text = ok("plan", "show", str(plan.pk), "--as", "teammate").stdout
    assert "Reverse funnel" in text and "Diagnostics" in text
    assert any(line.count("│") and "Demos" in line and "30 per week" in line for line in text.splitlines())


def test_a_plan_out_of_reach_and_an_unknown_user_are_refused_with_a_message(plan: Any, outsider: Any) -> None:
    # an outsider is told what an unknown number tells: nothing about the plan
    assert refused("plan", "show", str(plan.pk), "--as", "outsider") == refused(
        "plan", "show", "999999", "--as", "outsider"
    ).replace("999999", str(plan.pk))
    assert "No user ghost" in refused("plan", "list", "--as", "ghost")
    assert "No plan number" in refused("action", "list", "999999", "--as", "outsider")


def test_plan_history_lists_a_change_with_its_author_and_writes_the_csv(
    plan: Any, own_action: Any, teammate: Any, tmp_path: Path
) -> None:
    ok(
        "action",
        "status",
        plan.pk,
        own_action.pk,
        "in_progress",
        "--progress",
        "40",
        "--base-version",
        own_action.version,
        "--as",
        "teammate",
    )
    entries = as_json("plan", "history", plan.pk, "--as", "teammate", "--object", f"action:{own_action.pk}")
    latest = entries[0]
    assert (latest["who"], latest["type"]) == ("teammate", "changed")
    assert {c["field"]: c["after"] for c in latest["changes"]} == {"Status": "In progress", "Progress (%)": "40%"}
    table = ok("plan", "history", plan.pk, "--as", "teammate").stdout
    assert "Status: Planned → In progress" in table
    target = tmp_path / "history.csv"
    ok("plan", "history", plan.pk, "--as", "teammate", "--csv", target)
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Date,Time,Who,Kind,Object")
    assert any(line.endswith(",Status,Planned,In progress") and ",teammate," in line for line in lines)
    assert "KIND:ID" in refused("plan", "history", plan.pk, "--as", "teammate", "--object", "nothing:1")
    assert "never had" in refused("plan", "history", plan.pk, "--as", "teammate", "--object", "action:999999")


# ---------- actions ----------


def test_action_list_shows_owners_status_and_version_and_filters_them(plan: Any, own_action: Any) -> None:
    rows = as_json("action", "list", plan.pk, "--as", "teammate")
    assert len(rows) == plan.actions.count()
    mine = as_json("action", "list", plan.pk, "--as", "teammate", "--owner", "teammate")
    assert [(r["id"], r["status"], r["version"], r["may_update"]) for r in mine] == [
        (own_action.pk, "planned", own_action.version, True)
    ]
    # the plan runs in 2027: nothing is past its end yet
    assert as_json("action", "list", plan.pk, "--as", "teammate", "--overdue") == []
    assert "Planned" in ok("action", "list", plan.pk, "--as", "teammate").stdout


def test_an_owner_updates_their_action_and_a_stale_version_is_refused(plan: Any, own_action: Any) -> None:
    base = own_action.version
    done = as_json(
        "action",
        "status",
        plan.pk,
        own_action.pk,
        "done",
        "--progress",
        "100",
        "--base-version",
        base,
        "--as",
        "teammate",
    )
    own_action.refresh_from_db()
    assert (own_action.status, own_action.progress, own_action.version) == ("done", 100, base + 1)
    assert done == {"id": own_action.pk, "status": "done", "progress": 100, "version": base + 1, "may_update": True}
    # the same base version again: someone (here, the first call) updated it meanwhile
    message = refused(
        "action", "status", plan.pk, own_action.pk, "cancelled", "--base-version", base, "--as", "teammate"
    )
    assert f"is at version {base + 1}" in message
    own_action.refresh_from_db()
    assert own_action.status == "done"


def test_a_rep_may_not_update_someone_elses_action_nor_give_a_bad_status(plan: Any, own_action: Any) -> None:
    other = plan.actions.exclude(pk=own_action.pk).first()
    message = refused(
        "action", "status", plan.pk, other.pk, "done", "--base-version", other.version, "--as", "teammate"
    )
    assert "your own actions" in message
    other.refresh_from_db()
    assert other.status == "planned"
    assert "Unknown status" in refused(
        "action", "status", plan.pk, own_action.pk, "finished", "--base-version", own_action.version, "--as", "teammate"
    )
    assert "no action number" in refused(
        "action", "status", plan.pk, 999999, "done", "--base-version", 0, "--as", "teammate"
    )
    assert "between 0 and 100" in refused(
        "action",
        "status",
        plan.pk,
        own_action.pk,
        "done",
        "--progress",
        "140",
        "--base-version",
        own_action.version,
        "--as",
        "teammate",
    )


# ---------- alerts and the decision log ----------


@pytest.fixture
def an_open_alert(monkeypatch: pytest.MonkeyPatch) -> Any:
    """One alert the cockpit would show today (computing real ones needs a CRM history)."""
    from pac.cli import governance
    from pac.engine.alerts import Alert
    from pac.engine.model import Severity

    alert = Alert(
        "deal_past_close",
        Severity.WARNING,
        {"deal": "D-12"},
        {"deal": "Clinique du Parc", "expected_close": "2027-01-15", "days": 12},
    )
    monkeypatch.setattr(governance, "_open_alerts", lambda user, plan, today: [alert])
    return alert


def test_a_manager_sets_an_alert_aside_and_the_decision_log_says_it(
    plan: Any, owner: Any, teammate: Any, an_open_alert: Any
) -> None:
    from pac.web.cockpit.models import AlertState

    [listed] = as_json("alerts", "list", plan.pk, "--as", "owner")
    assert listed["key"] == an_open_alert.key and "Clinique du Parc" in listed["message"]
    assert "may not change" in refused("alerts", "dismiss", plan.pk, an_open_alert.key, "--as", "teammate")
    assert not AlertState.objects.exists()
    ok("alerts", "dismiss", plan.pk, an_open_alert.key, "--days", "7", "--reason", "Signed next week", "--as", "owner")
    state = AlertState.objects.get(plan=plan, key=an_open_alert.key)
    assert state.status == AlertState.SNOOZED and state.by == owner
    [decision] = as_json("decisions", plan.pk, "--as", "teammate")
    assert (decision["kind"], decision["by"], decision["why"]) == ("alert", "owner", "Signed next week")
    assert "Clinique du Parc" in decision["what"]
    assert "Signed next week" in ok("decisions", plan.pk, "--as", "teammate").stdout
    assert "No open alert" in refused("alerts", "dismiss", plan.pk, "nothing|x=1", "--as", "owner")
    assert "--kind" in refused("decisions", plan.pk, "--as", "teammate", "--kind", "gossip")


def test_the_meeting_agenda_is_the_managers_and_says_when_there_is_no_data(
    plan: Any, owner: Any, teammate: Any
) -> None:
    agenda = as_json("meeting", "agenda", plan.pk, "--as", "owner", "--date", "2027-02-01")
    assert agenda["no_data"] is True and agenda["as_of"] == "Feb 1, 2027"
    assert "No CRM data" in ok("meeting", "agenda", plan.pk, "--as", "owner", "--date", "2027-02-01").stdout
    assert "may not read them" in refused("meeting", "agenda", plan.pk, "--as", "teammate")
    assert "ISO date" in refused("meeting", "agenda", plan.pk, "--as", "owner", "--date", "01/02/2027")


# ---------- people ----------


def test_an_administrator_lists_people_and_changes_a_role(admin: Any, owner: Any, teammate: Any, outsider: Any) -> None:
    people = {p["username"]: p for p in as_json("people", "list", "--as", "boss")}
    assert set(people) == {"boss", "owner", "teammate"}  # not the outsider, of another team
    assert people["teammate"]["role"] == "ae" and people["teammate"]["teams"] == ["Ventes SaaS"]
    assert "Account executive" in ok("people", "list", "--as", "boss").stdout
    ok("people", "role", "teammate", "csm", "--as", "boss")
    teammate.refresh_from_db()
    assert teammate.role == "csm"
    assert "administrator" in refused("people", "role", "teammate", "sdr", "--as", "owner")  # a manager
    teammate.refresh_from_db()
    assert teammate.role == "csm"
    assert "not a member" in refused("people", "role", "outsider", "sdr", "--as", "boss")
    assert "Unknown role" in refused("people", "role", "teammate", "chief", "--as", "boss")
    assert "own administrator role" in refused("people", "role", "boss", "ae", "--as", "boss")


# ---------- opt-outs ----------


def test_opt_outs_are_recorded_by_hand_or_from_a_file_all_or_nothing(
    plan: Any, owner: Any, teammate: Any, tmp_path: Path
) -> None:
    from pac.web.sequences.models import OptOut

    assert as_json("optout", "add", "Jo@Example.org", "--plan", plan.pk, "--as", "owner") == {
        "read": 1,
        "new": 1,
        "stopped": 0,
    }
    bad = tmp_path / "bad.csv"
    bad.write_text("email\nana@example.org\nnot an address\n", encoding="utf-8")
    message = refused("optout", "import", bad, "--plan", plan.pk, "--as", "owner")
    assert "Line 3: not an address" in message
    assert list(OptOut.objects.values_list("email", flat=True)) == ["jo@example.org"]  # nothing of the bad file
    good = tmp_path / "good.csv"
    good.write_text("email;name\nana@example.org;Ana\njo@example.org;Jo\n", encoding="utf-8")
    assert "new opt-outs: 1" in ok("optout", "import", good, "--plan", plan.pk, "--as", "owner").stdout
    assert {o["email"]: o["source"] for o in as_json("optout", "list", "--plan", plan.pk, "--as", "teammate")} == {
        "jo@example.org": "manual",
        "ana@example.org": "import",
    }
    assert "may not change" in refused("optout", "add", "zoe@example.org", "--plan", plan.pk, "--as", "teammate")
    assert "not an e-mail address" in refused("optout", "add", "zoe", "--plan", plan.pk, "--as", "owner")
    assert "no such file" in refused("optout", "import", tmp_path / "none.csv", "--plan", plan.pk, "--as", "owner")
    assert OptOut.objects.count() == 2


def test_amounts_and_rates_are_shown_in_the_readers_language(plan: Any, teammate: Any) -> None:
    result = CliRunner().invoke(app, ["plan", "list", "--as", "teammate"], env={"PAC_LANG": "fr", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "1 000 000 €" in result.stdout.replace("\u202f", " ").replace("\xa0", " ")


# ---------- enrolment ----------


def test_enrol_previews_then_enrols_with_the_refusals_said(plan: Any, owner: Any, teammate: Any) -> None:
    from pac.web.plans.models import Account, Contact
    from pac.web.sequences.models import Enrolment

    account = Account.objects.get(plan=plan, code="plastiques-loire")
    Contact.objects.create(
        account=account, code="c-loire-cto", name="Léa Morel", persona="CTO", email="lea@loire.example"
    )
    before = Enrolment.objects.count()
    args = ("enrol", plan.pk, "icp-4-touches", "--accounts", "plastiques-loire", "--start", "2027-03-01")
    preview = as_json(*args, "--dry-run", "--as", "owner")
    assert preview["enrolled"] == 1 and preview["touches"] == 4  # the new contact, four steps
    assert {r["reason"] for r in preview["refused"]} == {"already_enrolled"}  # the file's audience, enrolled at import
    assert sum(d["new"] for d in preview["days"]) == 4
    assert Enrolment.objects.count() == before  # a preview enrols nobody
    assert (
        "Preview, nobody enrolled: 1 contacts would be enrolled, 2 refused."
        in ok(*args, "--dry-run", "--as", "owner").stdout
    )
    assert "may not change" in refused(*args, "--as", "teammate")
    assert Enrolment.objects.count() == before
    assert "1 contacts enrolled, 2 refused." in ok(*args, "--as", "owner").stdout
    enrolment = Enrolment.objects.get(contact__code="c-loire-cto")
    assert (enrolment.sequence.code, enrolment.start.isoformat()) == ("icp-4-touches", "2027-03-01")
    assert as_json(*args, "--as", "owner")["enrolled"] == 0  # already in: refused the second time
    assert "has no sequence nothing" in refused(
        "enrol", plan.pk, "nothing", "--segment", "sante", "--start", "2027-03-01", "--as", "owner"
    )
    assert "Choose whom" in refused("enrol", plan.pk, "icp-4-touches", "--start", "2027-03-01", "--as", "owner")
    assert "ISO date" in refused(
        "enrol", plan.pk, "icp-4-touches", "--segment", "sante", "--start", "March", "--as", "owner"
    )


# ---------- forecast call ----------


def test_a_rep_submits_a_manager_adjusts_and_the_audit_lists_both(plan: Any, owner: Any, teammate: Any) -> None:
    from pac.web.cockpit.models import ForecastAdjustment, ForecastSubmission

    month = ("--period", "2027-02")
    result = ok(
        "forecast-call",
        "submit",
        plan.pk,
        "--commit",
        "100 000",
        "--best-case",
        "80000",
        "--pipeline",
        "50000,50",
        *month,
        "--as",
        "teammate",
    )
    assert "above your best case" in result.stdout  # kept, but said
    row = ForecastSubmission.objects.get()
    assert (row.submitted_by, row.commit, row.pipeline) == (teammate, 100000, Decimal("50000.50"))
    assert "only your own" in refused(
        "forecast-call", "submit", plan.pk, "--commit", "1", "--best-case", "1", "--pipeline", "1", "--as", "owner"
    )  # a manager adjusts, never submits
    assert "Only a manager" in refused(
        "forecast-call", "adjust", plan.pk, "--category", "commit", "--amount", "1", "--reason", "x", "--as", "teammate"
    )
    ok(
        "forecast-call",
        "adjust",
        plan.pk,
        "--rep",
        "teammate",
        "--category",
        "commit",
        "--amount",
        "90000",
        "--reason",
        "The clinic signs in March",
        *month,
        "--as",
        "owner",
    )
    assert ForecastAdjustment.objects.get().amount == 90000
    audit = as_json("forecast-call", "list", plan.pk, *month, "--as", "owner")
    assert [s["rep"] for s in audit["submissions"]] == ["teammate"]
    assert [(a["rep"], a["category"], a["amount"]) for a in audit["adjustments"]] == [("teammate", "commit", 90000.0)]
    assert as_json("forecast-call", "list", plan.pk, *month, "--as", "teammate")["adjustments"] == []  # their own
    assert [d["change"] for d in as_json("decisions", plan.pk, "--as", "teammate")] == ["forecast_adjusted"]
    assert "not an amount" in refused(
        "forecast-call",
        "submit",
        plan.pk,
        "--commit",
        "lots",
        "--best-case",
        "1",
        "--pipeline",
        "1",
        "--as",
        "teammate",
    )
    assert "period" in refused("forecast-call", "list", plan.pk, "--period", "2031-01", "--as", "owner")
