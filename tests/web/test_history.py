"""The plan's history (« Historique »): every change to a plan object, who made it and when, field by field
as people write it; read by anyone of the team, exported as CSV and .xlsx, scrubbed when a person is erased."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from .conftest import login
from .helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_action(plan: Any, teammate: Any) -> Any:
    """An action the teammate (a rep) owns, created by the manager in the browser's write path."""
    from pac.web.plans.models import Action

    teammate.first_name, teammate.last_name = "Camille", "Durand"
    teammate.save()
    return Action.objects.create(
        plan=plan,
        code="relances-camille",
        type="follow_up",
        name="Relances Camille",
        owner="teammate",
        start=dt.date(2027, 1, 4),
        end=dt.date(2027, 3, 26),
        hours=Decimal(10),
        raci={"R": ["teammate"], "A": "owner", "C": [], "I": []},
    )


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _status(client: Client, plan: Any, action: Any, status: str, progress: int) -> Any:
    action.refresh_from_db()
    return client.post(
        reverse("plans:action_status", args=[plan.pk, action.pk]),
        {"version": action.version, "status": status, "progress": progress},
    )


def test_the_manager_sees_who_changed_an_actions_status_from_what_to_what(
    plan: Any, rep_action: Any, as_teammate: Client, as_owner: Client
) -> None:
    assert _status(as_teammate, plan, rep_action, "in_progress", 40).status_code == 302
    response = _english(as_owner).get(reverse("plans:object_history", args=[plan.pk, "action", rep_action.pk]))
    assert response.status_code == 200
    newest = response.context["entries"][0]["entry"]
    assert newest.who == "Camille Durand"  # the name, not the username
    assert newest.type_label == "changed"
    changes = {c.field: (c.before, c.after) for c in newest.changes}
    assert changes == {"Status": ("Planned", "In progress"), "Progress (%)": ("0%", "40%")}  # labels, not codes
    text = page_text(response)
    assert "Camille Durand" in text and "Planned → In progress" in text
    assert "in_progress" not in text


def test_the_history_is_read_in_the_readers_language(plan: Any, rep_action: Any, as_teammate: Client) -> None:
    from pac.web.plans.models import ACTION_STATUS_CHOICES

    _status(as_teammate, plan, rep_action, "done", 100)
    manager = login(plan.owner)
    manager.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    entry = manager.get(reverse("plans:object_history", args=[plan.pk, "action", rep_action.pk])).context["entries"][0]
    from django.utils import translation

    with translation.override("fr"):
        done = str(dict(ACTION_STATUS_CHOICES)["done"])
        field = str(type(rep_action)._meta.get_field("status").verbose_name).capitalize()
    change = next(c for c in entry["entry"].changes if c.after == done)
    assert change.field == field
    assert entry["entry"].changes[-1].after.replace("\u202f", " ").replace("\xa0", " ") == "100 %"  # French spacing


def test_a_plan_file_import_leaves_every_object_in_the_history(
    plan: Any, as_owner: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pac.web.plans import history

    assert history.PAGE_SIZE == 50
    monkeypatch.setattr(history, "PAGE_SIZE", 10)  # pages of ten: the example plan fills several

    kinds = {key: history.history_model(kind).objects.filter(history_type="+") for key, kind in history.KINDS.items()}
    assert kinds["plan"].filter(id=plan.pk).count() == 1
    assert kinds["stage"].filter(plan_id=plan.pk).count() == plan.stages.count() > 0  # bulk-created, still recorded
    assert kinds["objective"].filter(plan_id=plan.pk).count() == plan.objectives.count() > 0
    assert kinds["action"].filter(plan_id=plan.pk).count() == plan.actions.count() > 0
    response = as_owner.get(reverse("plans:history", args=[plan.pk]))
    total = response.context["total"]
    assert total >= plan.actions.count() + plan.stages.count() + plan.objectives.count() + 1
    assert len(response.context["entries"]) == 10 and response.context["paging"].pages == (total + 9) // 10
    last = as_owner.get(reverse("plans:history", args=[plan.pk]), {"page": response.context["paging"].pages}).context
    assert len(last["entries"]) == total - 10 * (last["paging"].pages - 1)
    dates = [row["entry"].when for row in response.context["entries"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert dates[-1] >= last["entries"][0]["entry"].when


def test_the_command_line_import_is_recorded_as_cli(owner: Any, team: Any, tmp_path: Any, demo_plan_text: str) -> None:
    from typer.testing import CliRunner

    from pac.cli import app
    from pac.web.plans import history
    from pac.web.plans.models import Plan

    path = tmp_path / "plan.yaml"
    path.write_text(demo_plan_text, encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "import", str(path), "--team", team.name, "--owner", owner.username])
    assert result.exit_code == 0, result.output
    plan = Plan.objects.latest("pk")
    entries = history.plan_history(plan, history.Filters(), 0, 500)
    assert entries and {e.who for e in entries} == {"ligne de commande"}  # French: the language by default
    assert history.plan_history_count(plan, history.Filters(person="cli")) == len(entries)


def test_a_section_saved_again_records_what_changed_deleted_and_created(plan: Any, owner: Any) -> None:
    from pac.web.plans import history, services
    from pac.web.plans.models import FunnelStage
    from pac.web.plans.recorded import recorded_as

    plan.refresh_from_db()
    rows = [{"stage": s.stage, "rate": s.rate, "days": s.days} for s in plan.stages.order_by("position")]
    kept = FunnelStage.objects.get(plan=plan, stage=rows[0]["stage"])
    rows[0]["rate"] = Decimal("0.5")
    dropped = rows.pop(1)
    with recorded_as(owner):
        services.plan_replace_section(user=owner, plan=plan, expected_version=plan.version, section="stages", rows=rows)
    entries = history.plan_history(plan, history.Filters(kind="stage"), 0, 50)
    changed = [e for e in entries if e.type == "~"]
    assert [e.object_id for e in changed] == [kept.pk]  # the same row, changed in place
    assert changed[0].changes[0].after.replace("\u202f", " ").replace("\xa0", " ") in {"50 %", "50%"}
    deleted = [e for e in entries if e.type == "-"]
    assert len(deleted) == 1 and deleted[0].who == owner.username
    assert str(dict(FunnelStage._meta.get_field("stage").flatchoices)[dropped["stage"]]) == deleted[0].title
    assert FunnelStage.objects.filter(pk=kept.pk).exists()


def test_the_plan_history_filters_by_kind_and_person(
    plan: Any, rep_action: Any, as_teammate: Client, as_owner: Client, teammate: Any
) -> None:
    _status(as_teammate, plan, rep_action, "in_progress", 10)
    url = reverse("plans:history", args=[plan.pk])
    by_rep = as_owner.get(url, {"person": teammate.pk}).context
    assert by_rep["total"] == 1 and by_rep["entries"][0]["entry"].object_id == rep_action.pk
    kinds = {row["entry"].kind for row in as_owner.get(url, {"kind": "objective"}).context["entries"]}
    assert kinds == {"objective"}
    # a value that is no kind or no person falls back to everything, never a 500
    assert as_owner.get(url, {"kind": "nope", "person": "x' or 1=1", "page": "999999999"}).status_code == 200


def test_the_history_exports_as_csv_and_xlsx_with_formulas_neutralised(
    plan: Any, rep_action: Any, as_owner: Client
) -> None:
    rep_action.name = '=HYPERLINK("http://evil","x")'
    rep_action.save()
    csv_response = _english(as_owner).get(reverse("plans:history_csv", args=[plan.pk]), {"kind": "action"})
    assert csv_response.status_code == 200
    text = csv_response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Date", "Time", "Who", "Kind", "Object", "What changed", "Field", "Before", "After"]
    renamed = [r for r in rows[1:] if r[6] == "Name"]
    assert renamed and renamed[0][8] == '\'=HYPERLINK("http://evil","x")'
    assert all(r[3] == "Action" for r in rows[1:])
    xlsx = _english(as_owner).get(reverse("plans:history_xlsx", args=[plan.pk]), {"kind": "action"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = list(sheet.iter_rows(values_only=True))
    assert list(cells[0]) == rows[0]
    assert len(cells) == len(rows)
    assert isinstance(cells[1][0], dt.datetime)  # a real date, not text
    assert all(not str(v).startswith("=") for row in cells for v in row if v is not None)


def test_french_csv_uses_semicolons_and_french_headers(plan: Any, as_owner: Client) -> None:
    response = as_owner.get(reverse("plans:history_csv", args=[plan.pk]))
    first = response.content.decode("utf-8-sig").splitlines()[0]
    assert first.count(";") == 8 and first.startswith("Date;Heure;Qui;")
    assert response.content.startswith("\ufeff".encode())


def test_only_the_team_reads_the_history_and_nobody_changes_it(
    plan: Any, rep_action: Any, as_outsider: Client, as_teammate: Client
) -> None:
    urls = [
        reverse("plans:history", args=[plan.pk]),
        reverse("plans:object_history", args=[plan.pk, "action", rep_action.pk]),
        reverse("plans:history_csv", args=[plan.pk]),
        reverse("plans:history_xlsx", args=[plan.pk]),
    ]
    for url in urls:
        assert as_outsider.get(url).status_code == 404
        assert as_teammate.get(url).status_code == 200  # a rep reads it too
        assert as_teammate.post(url).status_code == 405
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    # an object of another plan, or of no kind, is not found
    assert as_teammate.get(reverse("plans:object_history", args=[plan.pk, "action", 10**9])).status_code == 404
    assert as_teammate.get(reverse("plans:object_history", args=[plan.pk, "nope", rep_action.pk])).status_code == 404


def test_the_action_list_and_the_plan_page_link_to_the_history(plan: Any, rep_action: Any, as_teammate: Client) -> None:
    body = as_teammate.get(reverse("plans:entities", args=[plan.pk, "actions"])).content.decode()
    assert reverse("plans:object_history", args=[plan.pk, "action", rep_action.pk]) in body
    assert (
        reverse("plans:history", args=[plan.pk])
        in as_teammate.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    )


def test_a_deleted_object_keeps_its_history(plan: Any, as_owner: Client) -> None:
    segment = plan.segments.first()
    plan.refresh_from_db()
    response = as_owner.post(
        reverse("plans:entity_delete", args=[plan.pk, "segments", segment.pk]), {"version": plan.version}
    )
    assert response.status_code == 302
    entries = as_owner.get(reverse("plans:object_history", args=[plan.pk, "segment", segment.pk])).context["entries"]
    assert [row["entry"].type for row in entries] == ["-", "+"]
    assert entries[0]["entry"].who == plan.owner.username and entries[0]["entry"].title == segment.name


def test_erasing_a_person_scrubs_them_from_the_history(plan: Any, rep_action: Any, as_teammate: Client) -> None:
    from pac.web.plans import history
    from pac.web.plans.models import Action

    _status(as_teammate, plan, rep_action, "done", 100)
    rows = Action.history.filter(id=rep_action.pk)
    assert rows.filter(history_user__username="teammate").exists()
    assert history.scrub_person("teammate") > 0
    assert not rows.filter(history_user__isnull=False).exists()
    assert set(rows.values_list("owner", flat=True)) == {""}
    assert all("teammate" not in str(raci) for raci in rows.values_list("raci", flat=True))
    assert Action.objects.get(pk=rep_action.pk).owner == "teammate"  # the plan itself is the other helper's job


def test_the_accounts_an_action_targets_are_in_its_history(plan: Any, owner: Any) -> None:
    from pac.web.plans import execution, history
    from pac.web.plans.models import Account
    from pac.web.plans.recorded import recorded_as

    action = next(a for a in plan.actions.all() if a.accounts.count() == 3)
    targeted = sorted(a.name for a in action.accounts.all())
    created = history.object_history(plan, history.KINDS["action"], action.pk)
    assert [e.type for e in created] == ["+"]  # the import: one row with its accounts, not one more per link
    kept = Account.objects.get(plan=plan, code="clinique-saint-roch")
    plan.refresh_from_db()
    with recorded_as(owner):
        execution.action_save(
            user=owner, plan=plan, expected_version=plan.version, instance=action, accounts=[kept], milestones=[]
        )
    entries = history.object_history(plan, history.KINDS["action"], action.pk)
    accounts = [c for e in entries for c in e.changes if c.field == "Accounts" or c.before == ", ".join(targeted)]
    assert accounts and accounts[0].before == ", ".join(targeted) and accounts[0].after == kept.name


def test_milestones_kept_as_they_were_leave_no_history_and_withdrawn_decisions_do(plan: Any, owner: Any) -> None:
    from pac.web.plans import execution, history
    from pac.web.plans.recorded import recorded_as

    action = next(a for a in plan.actions.all() if a.milestones.count() >= 1)
    before = {(ms.name, ms.date) for ms in action.milestones.all()}
    kept = action.milestones.first()
    added = {"name": "Bilan à mi-parcours", "date": action.start + dt.timedelta(days=7)}
    plan.refresh_from_db()
    with recorded_as(owner):
        execution.action_save(
            user=owner,
            plan=plan,
            expected_version=plan.version,
            instance=action,
            accounts=list(action.accounts.all()),
            milestones=[{"name": kept.name, "date": kept.date}, added],
        )
        execution.decision_record(user=owner, plan=plan, action=action, include=True, reason="Priorité T1")
        execution.decision_record(user=owner, plan=plan, action=action, include=False, reason="Budget gelé")
    milestones = history.plan_history(plan, history.Filters(kind="milestone"), 0, 100)
    recent = [e for e in milestones if e.who == owner.username]
    assert sorted(e.type for e in recent) == ["+"] + ["-"] * (len(before) - 1)  # the kept one is untouched
    assert next(e for e in recent if e.type == "+").title == added["name"]
    decisions = history.plan_history(plan, history.Filters(kind="decision"), 0, 10)
    assert [e.type for e in decisions] == ["+", "~", "+"]  # the second decision, the first withdrawn, the first
    withdrawn = decisions[1].changes
    assert len(withdrawn) == 1 and withdrawn[0].before != withdrawn[0].after
