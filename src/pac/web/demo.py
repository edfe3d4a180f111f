"""The demo: a sales team and the SaaS mid-market quarter of the source text, loaded safely again
and again (existing users keep their password, the plan is not duplicated).

Only the ``pac demo`` command imports this module (an import-linter contract keeps it so): the apps
know nothing of the demo, and the demo uses their services like any other caller."""

from __future__ import annotations

import datetime as dt
import math
import secrets
from dataclasses import dataclass
from importlib import resources

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pac.datasets import CREDITS, dataset_path
from pac.engine.planfile import parse_plan_file, to_plan
from pac.io.crm import read_import
from pac.web.accounts.models import Team, User
from pac.web.crm.importing import record_values
from pac.web.crm.kpi_tables import team_tables
from pac.web.crm.services import records_import
from pac.web.plans import services
from pac.web.plans.models import Plan

DEMO_TEAM = "Ventes SaaS mid-market"
DEMO_DATA = "maven_crm_sales_opportunities"
DEMO_MANAGER = ("manon", "manager", "Manon", "Lefèvre")
DEMO_REPS = [("sami", "sdr", "Sami", "Benali"), ("alex", "ae", "Alex", "Martin"), ("chloe", "csm", "Chloé", "Durand")]


def demo_password() -> str:
    """A random password made on the first run and kept in the data folder (never in the repo)."""
    path = settings.DATA_DIR / "demo-password"
    if not path.exists():
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(9), encoding="ascii")
    return path.read_text(encoding="ascii").strip()


@dataclass(frozen=True)
class Demo:
    team: Team
    manager: User
    reps: list[User]
    plan: Plan
    password: str
    current: Plan  # the quarter under way, measured against the history


def demo_plan_text() -> str:
    return resources.files("pac.engine").joinpath("examples/saas-midmarket.yaml").read_text(encoding="utf-8")


@transaction.atomic
def load_demo(today: dt.date | None = None) -> Demo:
    password = demo_password()
    team, _ = Team.objects.get_or_create(name=DEMO_TEAM)
    if team.data_credit != CREDITS[DEMO_DATA]:
        team.data_credit = CREDITS[DEMO_DATA]
        team.save(update_fields=["data_credit"])
    people = []
    for username, role, first, last in [DEMO_MANAGER, *DEMO_REPS]:
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": role, "first_name": first, "last_name": last}
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save()
        user.teams.add(team)
        people.append(user)
    manager = people[0]
    plan_engine = to_plan(parse_plan_file(demo_plan_text(), "saas-midmarket.yaml"))
    plan = Plan.objects.filter(team=team, name=plan_engine.name).first()
    if plan is None:
        plan = services.plan_create_from_file(user=manager, team=team, plan=plan_engine)
    today = today or timezone.localdate()
    load_crm_history(manager, team, today)
    return Demo(team, manager, people[1:], plan, password, current_quarter_plan(manager, team, today))


def current_quarter_plan(user: User, team: Team, today: dt.date) -> Plan:
    """The quarter under way, with targets 10 % above the last quarter's history, so that « actual vs
    plan » has figures on the first run (the source text's quarter lies ahead). Made once per quarter."""
    start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = start + relativedelta(months=3, days=-1)
    name = f"Trimestre en cours — T{(start.month - 1) // 3 + 1} {start.year}"
    existing = Plan.objects.filter(team=team, name=name).first()
    if existing is not None:
        return existing
    from pac.engine.kpis import compute_kpis

    rows = compute_kpis(
        team_tables(team),
        as_of=start - dt.timedelta(days=1),
        start=start - relativedelta(months=3),
        kpis=["revenue", "wins", "win_rate"],
    )
    last = {row["kpi"]: row["value"] for row in rows}
    revenue = max(round((last["revenue"] or 0) * 1.1, -3), 100_000)
    wins = max(math.ceil((last["wins"] or 0) * 1.1), 10)
    win_rate = min(round(last["win_rate"] + 0.02, 2), 0.95) if last["win_rate"] is not None else 0.3
    text = (
        f'version: 1\nplan: {{name: "{name}", start: {start}, end: {end}, currency: EUR, country: FR}}\n'
        "objectives:\n"
        f"  - {{id: chiffre-affaires, metric: revenue, target: {revenue:.0f}, deadline: {end}}}\n"
        f"  - {{id: affaires-gagnees, metric: wins, target: {wins}, deadline: {end}}}\n"
        f"  - {{id: taux-de-transformation, metric: win_rate, target: {win_rate}, deadline: {end}}}\n"
    )
    return services.plan_create_from_file(user=user, team=team, plan=to_plan(parse_plan_file(text)))


def load_crm_history(user: User, team: Team, today: dt.date) -> int:
    """The Maven Analytics pipeline (public domain; credit in pac/datasets/README.md) as the team's
    CRM history, its dates shifted so that the last one is ``today``. Rerunning it updates in place."""
    source = dataset_path(DEMO_DATA, "sales_pipeline.csv")
    with read_import(source, "opportunities", preset="maven-pipeline") as read:
        records = [record_values(r, set(read.columns) | {"external_id"}) for r in read.records()]
    last = max(d for r in records for d in (r.get("created"), r.get("closed")) if d is not None)
    shift = today - last
    for record in records:
        for name in ("created", "closed"):
            if record.get(name) is not None:
                record[name] = record[name] + shift
    records_import(user=user, team=team, kind="opportunities", records=records)
    return len(records)
