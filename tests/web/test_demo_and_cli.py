"""The demo loader, user creation and plan import/export from the command line."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from pac.cli import app

pytestmark = pytest.mark.django_db


def test_it_loads_the_demo_twice_without_duplicating_anything(settings: Any, tmp_path: Path) -> None:
    from pac.web.accounts.models import User
    from pac.web.demo import load_demo
    from pac.web.plans.models import Plan

    settings.DATA_DIR = tmp_path
    last_day = dt.date(2026, 12, 31)  # the quarter's last day: all of Maven's history has happened
    first = load_demo(today=last_day)
    second = load_demo(today=last_day)
    assert first.plan.pk == second.plan.pk and first.password == second.password
    assert first.current.pk == second.current.pk
    assert first.key_accounts == second.key_accounts and first.channel == second.channel
    assert Plan.objects.count() == 4 and User.objects.count() == 8  # the manager, five reps, an executive, marketing
    from pac.web.crm.models import CrmAccount, Opportunity, Subscription

    assert CrmAccount.objects.filter(team=first.team).count() == 500  # RavenStack's accounts, once
    assert Subscription.objects.filter(team=first.team).count() == 5000  # all started by the year's last day

    deals = Opportunity.objects.filter(team=first.team)
    assert deals.count() == 8800  # the Maven pipeline, once, whatever the number of runs
    assert deals.filter(outcome="won").count() == 4238 and deals.filter(outcome="lost").count() == 2473
    assert User.objects.get(username="manon").check_password(first.password)
    assert (tmp_path / "demo-password").stat().st_mode & 0o077 == 0


def test_the_demos_playbook_plans_have_nrr_adoption_and_recruited_partners(settings: Any, tmp_path: Path) -> None:
    """The key-accounts plan's NRR and adoption measured on the RavenStack subscriptions (moved so that
    their last month is today's: none starts after today), the channel plan's partners signed by today,
    and both data sets credited, in French, under the KPIs."""
    from django.urls import reverse

    from pac.engine.progress import plan_actuals
    from pac.web.crm.kpi_tables import team_tables
    from pac.web.crm.models import Subscription
    from pac.web.demo import load_demo
    from pac.web.plans import adapters

    settings.DATA_DIR = tmp_path
    today = dt.date(2026, 12, 2)
    demo = load_demo(today=today)
    assert demo.key_accounts is not None and demo.channel is not None
    subscriptions = Subscription.objects.filter(team=demo.team)
    assert subscriptions.filter(start__month=12, start__year=2026).exists()  # RavenStack's last month is this one
    assert not subscriptions.filter(start__gt=today).exists() and not subscriptions.filter(end__gt=today).exists()
    tables = team_tables(demo.team)
    found = plan_actuals(adapters.to_engine(demo.key_accounts), tables, today)
    assert found["nrr"].value is not None and found["nrr"].value > 0
    assert found["adoption-60-jours"].value is not None and 0 < found["adoption-60-jours"].value <= 1
    channel = adapters.to_engine(demo.channel)
    signed = [p for p in channel.partners if p.recruited_by(today)]
    assert len(signed) == 4 and all(not p.name.startswith("VAR") for p in signed)
    assert all(channel.start <= p.recruited <= today for p in signed if p.recruited)
    assert plan_actuals(channel, tables, today)["var-recrutes"].value == 4
    assert any(e.start > today + dt.timedelta(days=100) for e in channel.events if e.kind == "trade_show")
    client = Client()
    client.force_login(demo.manager)
    page = client.get(reverse("cockpit:kpis") + "?kpi=nrr&by=segment").content.decode()
    assert "FinTech" in page and "Maven Analytics" in page and "River @ Rivalytics" in page
    assert "données SaaS synthétiques" in page  # the RavenStack credit translated
    assert client.get(reverse("cockpit:home")).context["plan"] == demo.current  # still the landing page's plan


def test_it_creates_a_user_in_a_team_from_the_cli() -> None:
    from pac.web.accounts.models import User

    result = CliRunner().invoke(
        app, ["createuser", "lea", "--team", "Ventes", "--role", "sdr", "--password", "a-long-enough-passphrase"]
    )
    assert result.exit_code == 0, result.output
    user = User.objects.get(username="lea")
    assert user.role == "sdr" and user.teams.get().name == "Ventes"


def test_it_refuses_a_weak_password_from_the_cli() -> None:
    result = CliRunner().invoke(app, ["createuser", "lea", "--team", "Ventes", "--password", "123"])
    assert result.exit_code == 2
    from pac.web.accounts.models import User

    assert not User.objects.filter(username="lea").exists()


def test_it_imports_and_exports_a_plan_from_the_cli(owner: Any, team: Any, tmp_path: Path, demo_plan_text: str) -> None:
    source = tmp_path / "plan.yaml"
    source.write_text(demo_plan_text, encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "import", str(source), "--team", team.name, "--owner", "owner"])
    assert result.exit_code == 0, result.output
    from pac.web.plans.models import Plan

    plan = Plan.objects.get()
    exported = tmp_path / "out.yaml"
    result = CliRunner().invoke(app, ["plan", "export", str(plan.pk), "--output", str(exported)])
    assert result.exit_code == 0, result.output
    from pac.engine.planfile import parse_plan_file, to_plan

    assert to_plan(parse_plan_file(exported.read_text())) == to_plan(parse_plan_file(demo_plan_text))


def test_it_refuses_to_start_in_production_without_a_secret_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(PAC_ENV="production", PAC_ALLOWED_HOSTS="pac.example.org", PAC_DATA_DIR=str(tmp_path))
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='pac.web.settings'; django.setup()"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    env["SECRET_KEY"] = "x" * 50  # long enough, but one character: guessable (docs/security.md)
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True).returncode != 0
    env["SECRET_KEY"] = "pac-" + "Zq8v_Tw2pLm9Rx4Nc7Hb1Jd6Fs0Gy5Ku" * 2
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True).returncode == 0


def test_the_demo_history_puts_mavens_last_quarter_on_the_quarter_under_way(settings: Any, tmp_path: Path) -> None:
    import datetime as dt

    from django.db.models import Max, Min

    from pac.web.crm.models import Opportunity
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo(today=dt.date(2027, 2, 1))
    deals = Opportunity.objects.filter(team=demo.team)
    span = deals.aggregate(Max("closed"), Min("created"), Max("created"))
    assert max(span["closed__max"], span["created__max"]) <= dt.date(2027, 2, 1)  # nothing after today
    # Maven's Q4 2017 is the quarter under way: its first engage date, 2016-10-20, lands on 2026-01-20
    assert span["created__min"] == dt.date(2026, 1, 20)
    # L3DT2WVO, which Maven won on 2017-11-20 (2027-02-20 here), is still open today, with no amount yet
    later = deals.get(external_id="L3DT2WVO")
    assert (later.outcome, later.closed, later.amount) == ("open", None, None)
    assert not deals.filter(external_id="JB7JEEI5").exists()  # engaged 2017-11-05: not created yet
    assert deals.filter(outcome="won", closed__gte=dt.date(2027, 1, 1)).exists()  # January was won already


def test_it_saves_a_mapping_as_a_named_preset_for_next_week(
    owner: Any, team: Any, tmp_path: Path, settings: Any
) -> None:
    from pac.web.crm.models import Opportunity

    settings.DATA_DIR = tmp_path
    export = tmp_path / "export.csv"
    export.write_text("Opportunity Number;Result;Value\nN-1;Won;1 200,50\nN-2;Loss;0\n", encoding="cp1252")
    first = CliRunner().invoke(
        app,
        [
            "import",
            "opportunities",
            str(export),
            "--team",
            team.name,
            "--map",
            "Opportunity Number=external_id",
            "--map",
            "Result=outcome",
            "--map",
            "Value=amount",
            "--values",
            "outcome:Won=won,Loss=lost",
            "--save-preset",
            "notre-crm",
        ],
    )
    assert first.exit_code == 0, first.output
    export.write_text("Opportunity Number;Result;Value\nN-1;Won;1 200,50\nN-3;Won;99\n", encoding="cp1252")
    again = CliRunner().invoke(
        app, ["import", "opportunities", str(export), "--team", team.name, "--preset", "notre-crm", "--json"]
    )
    assert again.exit_code == 0, again.output
    import json

    assert json.loads(again.stdout)["counts"] == {"created": 1, "updated": 0, "unchanged": 1, "rejected": 0}
    assert Opportunity.objects.get(team=team, external_id="N-3").outcome == "won"


def test_the_demo_measures_the_quarter_under_way_against_its_history(settings: Any, tmp_path: Path) -> None:
    from django.db.models import Sum
    from django.urls import reverse

    from pac.web.cockpit.outlook import plan_forecast
    from pac.web.crm.kpi_tables import team_tables
    from pac.web.crm.models import Opportunity
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo(today=dt.date(2026, 11, 29))
    current = demo.current
    assert (current.name, current.start, current.end) == (
        "Trimestre en cours — T4 2026",
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
    )
    # its revenue target: 5 % above what the forecast projects for the quarter, so reachable but at risk
    target = current.objectives.get(code="chiffre-affaires").target
    found = plan_forecast(current, team_tables(demo.team), target, dt.date(2026, 11, 29))[0]
    assert found is not None and target == round(Decimal(found.p50) * Decimal("1.05"), -3)
    assert 0.05 < found.probability_of_target < 0.6
    client = Client()
    client.force_login(demo.manager)
    page = client.get(reverse("plans:detail", args=[current.pk])).content.decode()
    partial = reverse("cockpit:plan_progress", args=[current.pk])
    assert f'hx-get="{partial}"' in page  # the plan page loads its actuals from the cockpit
    body = client.get(partial, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in body
    replan = body.split('id="replan"', 1)[1].split("</table>", 1)[0]  # the plan shows its weekly re-plan
    past = [row for row in replan.split("<tr")[2:] if 'class="out"' in row]
    assert past and all("€" in row.rsplit("<td", 1)[1] for row in past)  # past weeks show what they brought
    row = body.split('data-objective="chiffre-affaires"', 1)[1].split("</tr>", 1)[0]
    q4 = Opportunity.objects.filter(team=demo.team, outcome="won", closed__range=(current.start, dt.date(2026, 11, 29)))
    actual = round(q4.aggregate(total=Sum("amount"))["total"])
    assert f"{actual:,}".replace(",", "\u202f") + "\xa0€" in row  # the quarter's wins so far


def test_the_import_command_prints_its_counts_formatted_in_french(owner: Any, team: Any, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("external_id;outcome\n" + "".join(f"D{i};won\n" for i in range(1500)), encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "opportunities", str(export), "--team", team.name, "--dry-run"])
    assert result.exit_code == 0, result.output
    text = result.stdout.replace("\u202f", " ").replace("\xa0", " ")
    assert "Simulation : 1 500 créé(s), 0 mis à jour, 0 inchangé(s), 0 rejeté(s)" in text


def test_the_import_command_explains_problems_in_the_users_language(
    owner: Any, team: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "export.csv"
    export.write_text("external_id;outcome;closed\nD1;won;31/02/2026\n", encoding="utf-8")
    french = CliRunner().invoke(app, ["import", "opportunities", str(export), "--team", team.name])
    assert (
        french.exit_code == 2
        and "export.csv:2: closed: '31/02/2026' — date impossible : 2026-02 n'a pas de jour 31" in french.stderr
    )
    monkeypatch.setenv("PAC_LANG", "en")
    english = CliRunner().invoke(app, ["import", "opportunities", str(export), "--team", team.name])
    assert "impossible date: 2026-02 has no day 31" in english.stderr


def test_an_unknown_export_format_is_named_with_the_known_ones_not_a_traceback(
    owner: Any, team: Any, tmp_path: Path
) -> None:
    export = tmp_path / "export.csv"
    export.write_text("external_id,outcome\nD1,won\n", encoding="utf-8")
    found = CliRunner().invoke(app, ["import", "opportunities", str(export), "--team", team.name, "--preset", "nope"])
    assert found.exit_code == 2 and isinstance(found.exception, SystemExit)  # a clear refusal, no KeyError
    said = " ".join(found.stderr.split())
    assert "Aucun format d'export nommé nope" in said and "salesforce-opportunities" in said


def test_the_quarter_under_way_is_a_complete_plan_without_errors(settings: Any, tmp_path: Path) -> None:
    from pac.engine.analysis import analyse
    from pac.engine.model import Severity
    from pac.web.crm.models import Opportunity
    from pac.web.demo import DEMO_OWNERS, load_demo
    from pac.web.plans import adapters

    settings.DATA_DIR = tmp_path
    demo = load_demo(today=dt.date(2026, 12, 1))
    plan = adapters.to_engine(demo.current)
    analysis = analyse(plan)
    assert plan.steps and plan.team and plan.effort and plan.actions
    assert not [d.code for d in analysis.diagnostics if d.severity == Severity.ERROR]
    assert {a.owner for a in plan.actions} <= {"manon", "sami", *DEMO_OWNERS}
    assert any(a.end < dt.date(2026, 12, 1) and a.status != "done" for a in plan.actions)  # one is late
    # wins ÷ win rate × average deal agrees with the revenue target (no « wins objective conflict »)
    assert "wins_objective_conflict" not in {d.code for d in analysis.diagnostics}
    owners = set(Opportunity.objects.filter(team=demo.team).values_list("owner", flat=True))
    assert owners == set(DEMO_OWNERS)  # each demo rep has a pipeline of their own


def test_the_cli_refuses_a_plan_owned_by_a_rep_and_says_why(
    teammate: Any, team: Any, tmp_path: Path, demo_plan_text: str
) -> None:
    source = tmp_path / "plan.yaml"
    source.write_text(demo_plan_text, encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "import", str(source), "--team", team.name, "--owner", "teammate"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "manager" in result.output
    from pac.web.plans.models import Plan

    assert not Plan.objects.exists()


def test_the_demo_has_sequences_under_way_with_touches_due_today_and_results(settings: Any, tmp_path: Path) -> None:
    from collections import Counter

    from pac.web.accounts.models import User
    from pac.web.demo import load_demo
    from pac.web.sequences import selectors
    from pac.web.sequences.models import SequenceTemplate, Touch, TouchCapacity

    settings.DATA_DIR = tmp_path
    today = dt.date(2026, 12, 2)  # a Wednesday
    demo = load_demo(today=today)

    for rep in ("alex", "lea", "sami"):  # their « Aujourd'hui » queue: manual touches due today
        queue = list(selectors.today_queue(User.objects.get(username=rep), today))
        assert queue and all(t.channel != "email" and t.due == today for t in queue)
    icp = SequenceTemplate.objects.get(plan=demo.current, code="icp-4-touches")
    first = selectors.variant_counts(icp)[1]
    a, b = first["A"], first["B"]
    assert a.sent > 20 and b.sent > 20
    assert b.replied / b.sent > 3 * a.replied / a.sent  # the second version of the first e-mail does better
    assert icp.templates.filter(step=1).count() == 2
    capacity = TouchCapacity.objects.get(plan=demo.current)
    per_day = Counter(Touch.objects.filter(enrolment__plan=demo.current).values_list("owner", "due"))
    assert all(n <= capacity.owners.get(owner, capacity.default) for (owner, _), n in per_day.items())
    assert not Touch.objects.filter(enrolment__plan=demo.current, due__lt=today, status="scheduled").exists()
    # the example plan's sequences too, for the quarter ahead
    assert set(demo.plan.sequences.values_list("code", flat=True)) == {"icp-4-touches", "santexpo-activation"}
