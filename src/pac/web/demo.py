"""The demo: a sales team and the SaaS mid-market quarter of the source text, the quarter under way, a
key-accounts programme measured on subscriptions and a channel launch with partners signed, loaded safely
again and again (existing users keep their password, no plan is duplicated, the CRM data updates in place).

Only the ``pac demo`` command imports this module (an import-linter contract keeps it so): the apps
know nothing of the demo, and the demo uses their services like any other caller."""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from dataclasses import dataclass, replace
from importlib import resources

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pac.datasets import CREDITS, dataset_path
from pac.engine import model
from pac.engine.planfile import parse_plan_file, to_plan
from pac.engine.playbooks import instantiate, load_builtin
from pac.engine.workdays import is_business_day
from pac.io.crm import read_import
from pac.web.accounts.models import Team, User
from pac.web.crm.importing import record_values
from pac.web.crm.kpi_tables import team_tables
from pac.web.crm.services import records_import
from pac.web.plans import services
from pac.web.plans.models import Plan
from pac.web.sequences import services as sequences
from pac.web.sequences.models import SequenceTemplate, Touch, TouchOutcome, TouchStatus

DEMO_TEAM = "Ventes SaaS mid-market"
DEMO_DATA = "maven_crm_sales_opportunities"
#: The customers' subscriptions (NRR, adoption, MRR…), which Maven's pipeline has none of.
SUBSCRIPTIONS_DATA = "ravenstack_saas_subscriptions"
DEMO_MANAGER = ("manon", "manager", "Manon", "Lefèvre")
DEMO_REPS = [
    ("sami", "sdr", "Sami", "Benali"),
    ("alex", "ae", "Alex", "Martin"),
    ("lea", "ae", "Léa", "Moreau"),
    ("hugo", "ae", "Hugo", "Bernard"),
    ("chloe", "csm", "Chloé", "Durand"),
]
#: Who else the team has, to try the other roles: an executive reads the cockpit and changes nothing,
#: marketing changes the plans' events (their activation campaigns) and imports the leads.
DEMO_OTHERS = [
    ("claire", "executive", "Claire", "Roussel"),
    ("mathis", "marketing", "Mathis", "Girard"),
]
#: The demo's account executives, who own the history's deals (Maven's 30 agents shared among them), so
#: that each rep's own view has a pipeline.
DEMO_OWNERS = ("alex", "lea", "hugo")


#: The first day of the data set's last quarter (its deals close up to 2017-12-31).
MAVEN_LAST_QUARTER = dt.date(2017, 10, 1)
#: Maven's stage of a deal under way.
OPEN_STAGE = "Engaging"
#: The first day of RavenStack's last month (its subscriptions start up to 2024-12-31).
RAVENSTACK_LAST_MONTH = dt.date(2024, 12, 1)


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
    others: tuple[User, ...] = ()  # the executive and the marketing person (``DEMO_OTHERS``)
    key_accounts: Plan | None = None  # the key-accounts playbook's plan: NRR and adoption from the subscriptions
    channel: Plan | None = None  # the channel-hardware playbook's plan, some partners signed


def demo_plan_text() -> str:
    return resources.files("pac.engine").joinpath("examples/saas-midmarket.yaml").read_text(encoding="utf-8")


@transaction.atomic
def load_demo(today: dt.date | None = None) -> Demo:
    password = demo_password()
    team, _ = Team.objects.get_or_create(name=DEMO_TEAM)
    credit = "\n".join(CREDITS[name] for name in (DEMO_DATA, SUBSCRIPTIONS_DATA))  # one line each: Team.data_credits
    if team.data_credit != credit:
        team.data_credit = credit
        team.save(update_fields=["data_credit"])
    people = []
    for username, role, first, last in [DEMO_MANAGER, *DEMO_REPS, *DEMO_OTHERS]:
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
    plan = Plan.objects.filter(team=team, name=plan_engine.name, scenario_of__isnull=True).first()
    if plan is None:
        plan = services.plan_create_from_file(user=manager, team=team, plan=plan_engine)
    today = today or timezone.localdate()
    load_crm_history(manager, team, today)
    load_subscriptions(manager, team, today)
    reps, others = people[1 : 1 + len(DEMO_REPS)], tuple(people[1 + len(DEMO_REPS) :])
    current = current_quarter_plan(manager, team, today)
    return Demo(
        team,
        manager,
        reps,
        plan,
        password,
        current,
        others,
        key_accounts=key_accounts_plan(manager, team, today),
        channel=channel_plan(manager, team, today),
    )


def _create_once(user: User, team: Team, plan: model.Plan, today: dt.date) -> Plan:
    """The team's plan of that name (not a scenario), created from ``plan`` the first time only."""
    existing = Plan.objects.filter(team=team, name=plan.name, scenario_of__isnull=True).first()
    if existing is not None:
        return existing
    return services.plan_create_from_file(user=user, team=team, plan=plan, today=today)


def key_accounts_plan(user: User, team: Team, today: dt.date) -> Plan:
    """The built-in ``key-accounts`` playbook with the demo's people, started eleven months ago so that
    its NRR and adoption objectives have a year of RavenStack subscriptions to be measured on. The CRM's
    accounts are segmented by industry, none « Grands comptes »: those two objectives are measured on the
    team's whole subscription base (their segment left out; a segment's objective would say that no account
    belongs to it)."""
    start = today.replace(day=1) - relativedelta(months=11)
    values = {"start": start, "manager": ["manon"], "aes": ["alex", "lea"], "csms": ["chloe"]}
    plan = to_plan(instantiate(load_builtin("key-accounts"), values).doc)
    measured = (model.Metric.NRR, model.Metric.ADOPTION)
    objectives = tuple(replace(o, segment=None) if o.metric in measured else o for o in plan.objectives)
    return _create_once(user, team, replace(plan, objectives=objectives), today)


#: The channel plan's first partners signed: (name, status), in the order they signed; the others stay
#: the playbook's « VAR n » prospects.
SIGNED_PARTNERS = (
    ("Automatismes du Dauphiné", model.PartnerStatus.ACTIVE),
    ("Mécatronique Atlantique", model.PartnerStatus.ACTIVE),
    ("Solutions Industrielles du Nord", model.PartnerStatus.RECRUITED),
    ("Intégra Process Sud-Ouest", model.PartnerStatus.RECRUITED),
)


def channel_plan(user: User, team: Team, today: dt.date) -> Plan:
    """The built-in ``channel-hardware`` playbook started two months before the quarter under way (so that
    the landing page, which opens on the latest plan under way, still opens on that quarter), its trade show
    four months ahead, and its first « VAR n » prospects given French names and signed between the start
    and the recruitment deadline (or today; the first two already selling), so that the recruitment
    objective and the partners list have figures."""
    start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - relativedelta(months=2)
    values = {
        "start": start,
        "trade_shows": [today + relativedelta(months=4)],
        "partners": 8,
        "manager": ["manon"],
        "partner_managers": ["alex", "lea"],
        "marketing": ["mathis"],
        "sdrs": ["sami"],
    }
    plan = to_plan(instantiate(load_builtin("channel-hardware"), values).doc)
    deadlines = [o.deadline for o in plan.objectives if o.metric == model.Metric.PARTNERS and o.deadline]
    days = (min([today, *deadlines]) - plan.start).days
    partners = list(plan.partners)
    for i, (name, status) in enumerate(SIGNED_PARTNERS):
        signed = plan.start + dt.timedelta(days=days * (i + 1) // (len(SIGNED_PARTNERS) + 1))
        partners[i] = replace(partners[i], name=name, status=status, recruited=signed)
    return _create_once(user, team, replace(plan, partners=tuple(partners)), today)


def current_quarter_plan(user: User, team: Team, today: dt.date) -> Plan:
    """The quarter under way as a complete plan fitted to the history, so that the cockpit has figures on
    the first run (the source text's quarter lies ahead): a revenue target 5 % above what the history
    projects for the quarter (won so far plus the forecast's median: a stretch, so the cockpit opens on a
    quarter at risk with a gap to close), the funnel's win rate, cycle and average deal learnt from the year
    before, a team that can carry the volume, and actions with owners (one of them late). Made once per
    quarter."""
    start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = start + relativedelta(months=3, days=-1)
    name = f"Trimestre en cours — T{(start.month - 1) // 3 + 1} {start.year}"
    existing = Plan.objects.filter(team=team, name=name, scenario_of__isnull=True).first()
    if existing is not None:
        return existing
    text = current_quarter_text(team_history(team, start, end, today), name, start, end, today)
    text += demo_sequences_text(today)
    plan = services.plan_create_from_file(
        user=user, team=team, plan=to_plan(parse_plan_file(text)), today=sequences_start(today)
    )
    play_sequences(user, plan, today)
    return plan


@dataclass(frozen=True)
class History:
    """What the plan of the quarter is fitted to: the quarter's projected revenue and the year's rates."""

    projected: float
    win_rate: float
    cycle_days: int
    average_deal: float


def team_history(team: Team, start: dt.date, end: dt.date, today: dt.date) -> History:
    from pac.engine.forecast import deals_from_tables, forecast
    from pac.engine.kpis import compute_kpis

    before = start - dt.timedelta(days=1)
    tables = team_tables(team)
    projected = forecast(deals_from_tables(tables), start=start, end=end, as_of=today, draws=2_000, seed=0).p50
    year = compute_kpis(
        tables,
        as_of=before,
        start=start - relativedelta(years=1),
        kpis=["win_rate", "sales_cycle_median", "average_deal"],
    )
    found = {row["kpi"]: row["value"] for row in year}
    return History(
        projected=projected,
        win_rate=found["win_rate"] or 0.3,
        cycle_days=round(found["sales_cycle_median"] or 45),
        average_deal=found["average_deal"] or 2_000,
    )


def current_quarter_text(history: History, name: str, start: dt.date, end: dt.date, today: dt.date) -> str:
    """The plan file of the quarter under way (so the demo's plan is what a user could have imported)."""
    revenue = max(round(history.projected * 1.05, -3), 100_000)
    deal = round(history.average_deal)
    wins = math.ceil(revenue / deal)
    rate = min(round(history.win_rate, 2), 0.95)
    opportunities = math.ceil(wins / rate)
    weeks = max((end - start).days / 7, 1)
    # two hours an opportunity, the team busy about half its week with this quarter's new deals
    account_executives = max(math.ceil(opportunities * 2 / weeks / 35 / 0.5), 2)
    late = max(start, today - dt.timedelta(days=10))
    soon = min(end, today + dt.timedelta(days=21))
    owners = DEMO_OWNERS
    return f"""version: 1
plan: {{name: "{name}", start: {start}, end: {end}, currency: EUR, country: FR}}
objectives:
  - {{id: chiffre-affaires, metric: revenue, target: {revenue:.0f}, deadline: {end}}}
  - {{id: affaires-gagnees, metric: wins, target: {wins}, deadline: {end}}}
  - {{id: taux-de-transformation, metric: win_rate, target: {rate}, deadline: {end}}}
funnel:
  average_deal: {deal}
  stages:
    - {{stage: sql, rate: {rate}, days: {history.cycle_days}}}
    - {{stage: won}}
team:
  - {{role: AE, headcount: {account_executives}, hours_per_week: 35}}
  - {{role: SDR, headcount: 1, hours_per_week: 35}}
  - {{role: MANAGER, headcount: 1, hours_per_week: 20}}
effort:
  - {{stage: sql, role: AE, hours: 2}}
actions:
  - id: relance-pipeline
    type: follow_up
    name: "Relance des affaires ouvertes depuis plus de 60 jours"
    owner: {owners[0]}
    role: ae
    start: {start}
    end: {late}
    status: in_progress
    expected: {{stage: won, volume: {max(wins // 10, 1)}, objective: affaires-gagnees}}
    hours: 40
    raci: {{R: [{owners[0]}], A: manon}}
  - id: sequence-decembre
    type: prospecting_sequence
    name: "Séquence de prospection : comptes inactifs"
    channel: email
    owner: sami
    role: sdr
    start: {max(start, today - dt.timedelta(days=7))}
    end: {soon}
    expected: {{stage: sql, volume: {max(opportunities // 20, 1)}}}
    hours: 30
    raci: {{R: [sami], A: manon, I: [{owners[1]}]}}
  - id: demos-gtx-pro
    type: demo
    name: "Démos GTX Pro aux comptes stratégiques"
    owner: {owners[1]}
    role: ae
    start: {max(start, today - dt.timedelta(days=14))}
    end: {end}
    expected: {{stage: won, volume: {max(wins // 20, 1)}, objective: chiffre-affaires}}
    hours: 25
    raci: {{R: [{owners[1]}, {owners[2]}], A: manon}}
rituals:
  - id: revue-pipeline
    name: "Revue du pipeline"
    rrule: "FREQ=WEEKLY;BYDAY=MO"
    time: "09:00"
    minutes: 60
    owner: manon
"""


def load_crm_history(user: User, team: Team, today: dt.date) -> int:
    """The Maven Analytics pipeline (public domain; credit in pac/datasets/README.md) as the team's CRM
    history, its dates moved by whole months so that Maven's last quarter is the quarter under way (its
    quarter-end rush falls on a quarter's end), and what happens after ``today`` hidden: deals created later
    are left out, deals closed later are still open, without an amount, as Maven's open deals are. So the
    cockpit forecasts a quarter whose real outcome is in the data set. Rerunning it updates in place."""
    source = dataset_path(DEMO_DATA, "sales_pipeline.csv")
    with read_import(source, "opportunities", preset="maven-pipeline") as read:
        records = [record_values(r, set(read.columns) | {"external_id"}) for r in read.records()]
    quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    shift = relativedelta(
        months=(quarter.year - MAVEN_LAST_QUARTER.year) * 12 + quarter.month - MAVEN_LAST_QUARTER.month
    )
    agents = sorted({r["owner"] for r in records if r.get("owner")})
    owner_of = {agent: DEMO_OWNERS[i % len(DEMO_OWNERS)] for i, agent in enumerate(agents)}
    known = []
    for record in records:
        for name in ("created", "closed"):
            if record.get(name) is not None:
                record[name] = record[name] + shift
        if record.get("created") is not None and record["created"] > today:
            continue
        if record.get("closed") is not None and record["closed"] > today:
            record.update(outcome="open", stage=OPEN_STAGE, closed=None, amount=None)
        if record.get("owner"):
            record["owner"] = owner_of[record["owner"]]
        known.append(record)
    records_import(user=user, team=team, kind="opportunities", records=known)
    return len(known)


def load_subscriptions(user: User, team: Team, today: dt.date) -> int:
    """The RavenStack accounts and subscriptions (synthetic, MIT-like; credit in pac/datasets/README.md) as
    the team's customers, through the same import as a user's file (its presets: the industry is the
    account's segment; no column is a business unit), dates moved by whole months so that RavenStack's last
    month is the current one, and what happens after ``today`` hidden: subscriptions that start later are
    left out, ends after today not known yet. Rerunning it updates in place. Returns the subscriptions."""
    shift = relativedelta(
        months=(today.year - RAVENSTACK_LAST_MONTH.year) * 12 + today.month - RAVENSTACK_LAST_MONTH.month
    )
    source = dataset_path(SUBSCRIPTIONS_DATA, "ravenstack_accounts.csv")
    with read_import(source, "accounts", preset="ravenstack-accounts") as read:
        accounts = [record_values(r, set(read.columns) | {"external_id"}) for r in read.records()]
    records_import(user=user, team=team, kind="accounts", records=accounts)
    source = dataset_path(SUBSCRIPTIONS_DATA, "ravenstack_subscriptions.csv")
    with read_import(source, "subscriptions", preset="ravenstack-subscriptions") as read:
        records = [record_values(r, set(read.columns) | {"external_id"}) for r in read.records()]
    known = []
    for record in records:
        for name in ("start", "end"):
            if record.get(name) is not None:
                record[name] = record[name] + shift
        if record.get("start") is None or record["start"] > today:
            continue
        if record.get("end") is not None and record["end"] > today:
            record["end"] = None
        known.append(record)
    records_import(user=user, team=team, kind="subscriptions", records=known)
    return len(known)


# --- sequences: cadences under way, so that « Aujourd'hui » and the results are alive on the first run ----

#: The reps who work the demo's sequences, and the companies they prospect (made up).
SEQUENCE_REPS = ("alex", "lea", "sami")
ICP_COMPANIES = (
    "Atelier Numérique", "Batisoft", "Cap Logistique", "Datavence", "Écopack", "Ferroflex", "Géoplan",
    "Hexaflux", "Imprimerie Vidal", "Jardins de Loire", "Kinésis Santé", "Lumivers", "Maison Baudry",
    "Néotrans", "Optimum Froid", "Papeteries d'Auvergne",
)  # fmt: skip
DORMANT_COMPANIES = ("Quartz Conseil", "Rives Agro", "Sud Câblage", "Textiles Morel", "Usinage Perrin", "Verdon Eaux")
REGIONS = {"alex": "Ouest", "lea": "Est", "sami": "Sud"}  # each rep's territory, in the companies' names
FIRST_NAMES = ("Camille", "Nicolas", "Sarah", "Thomas", "Julie", "Antoine", "Emma", "Lucas", "Chloé", "Hugo")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Simon", "Michel", "Garcia")
#: The first e-mail's two versions: B (a customer's figure in the subject) is the one that gets replies.
FIRST_MAILS = {
    "A": (
        "Votre clôture mensuelle",
        "Bonjour {{ contact.first_name }},\n\nEt si {{ account.name }} clôturait en 3 jours ?",
    ),
    "B": (
        "{{ account.name }} : clôturer en 3 jours comme la Clinique du Parc",
        "Bonjour {{ contact.first_name }},\n\nLa Clinique du Parc clôture désormais en 3 jours au lieu de 10.",
    ),
}
#: Out of 100 touches of a step (and variant), how many get each outcome; the rest: sent (e-mail) or no answer.
OUTCOME_RATES = {
    (1, "A"): {TouchOutcome.REPLIED: 4, TouchOutcome.BOUNCED: 4},
    (1, "B"): {TouchOutcome.REPLIED: 22, TouchOutcome.BOOKED: 6, TouchOutcome.BOUNCED: 4},
    (2, ""): {TouchOutcome.BOOKED: 12, TouchOutcome.REPLIED: 10},
    (3, ""): {TouchOutcome.REPLIED: 10},
}
#: The business days the ICP sequence has been running by today: its social step is due today.
DAYS_UNDER_WAY = 9


def _business_days_back(day: dt.date, count: int) -> dt.date:
    """``count`` business days before the last business day on or before ``day`` (after it if negative)."""
    while not is_business_day(day, "FR"):
        day -= dt.timedelta(days=1)
    step = dt.timedelta(days=-1 if count >= 0 else 1)
    left = abs(count)
    while left:
        day += step
        left -= is_business_day(day, "FR")
    return day


def sequences_start(today: dt.date) -> dt.date:
    """The day the ICP sequence started: ``DAYS_UNDER_WAY`` business days before the last business day."""
    return _business_days_back(today, DAYS_UNDER_WAY)


def demo_sequences_text(today: dt.date) -> str:
    """The plan file's sequences of the quarter under way: the « 4 touches sur 21 jours » on 16 ICP accounts
    per rep (two contacts each, the first e-mail in two versions) and a re-engagement of dormant accounts,
    both started some business days ago, with each rep's daily capacity and an absence to come."""
    start = sequences_start(today)
    dormant_start = _business_days_back(today, 5)
    lines = [
        "segments:",
        '  - {id: icp, name: "ICP : ETI et éditeurs"}',
        '  - {id: inactifs, name: "Comptes inactifs"}',
    ]
    lines.append("accounts:")
    contacts = ["contacts:"]
    n = 0
    for segment, companies in (("icp", ICP_COMPANIES), ("inactifs", DORMANT_COMPANIES)):
        for rep in SEQUENCE_REPS:
            for i, company in enumerate(companies):
                code = f"{segment}-{rep}-{i}"
                fit = round(0.5 + (i % 5) / 10, 1)
                strategic = "true" if segment == "icp" and i % 6 == 0 else "false"
                lines.append(
                    f'  - {{id: {code}, name: "{company} {REGIONS[rep]}", segment: {segment}, '
                    f"strategic: {strategic}, icp_fit: {fit}, owner: {rep}}}"
                )
                for persona in ("CFO", "COO") if segment == "icp" else ("CFO",):
                    # every first name with every last name: 100 people before a name comes back
                    first = FIRST_NAMES[n % len(FIRST_NAMES)]
                    last = LAST_NAMES[(n // len(FIRST_NAMES) + n) % len(LAST_NAMES)]
                    n += 1
                    contacts.append(
                        f'  - {{id: {code}-{persona.lower()}, account: {code}, name: "{first} {last}", '
                        f"persona: {persona}, email: {first.lower()}.{last.lower()}.{n}@{code}.example}}"
                    )
    away = _business_days_back(today, -6)  # six business days ahead: lea's touches that day move
    lines += contacts
    lines += [
        "touch_capacity:",
        "  default: 20",
        "  owners: {lea: 14}",
        "  absences:",
        f"    - {{owner: lea, start: {away}, end: {away}}}",
        "sequences:",
        "  - id: icp-4-touches",
        '    name: "ICP : 4 touches en 21 jours"',
        "    segment: icp",
        f"    start: {start}",
        "    steps:",
        "      - {offset: 0, channel: email, templates: {CFO: cloture-daf, COO: cloture-ops}}",
        '      - {offset: 3, channel: phone, instructions: "Appeler après l\'e-mail : qualifier le besoin."}',
        '      - {offset: 8, channel: social, instructions: "Invitation LinkedIn avec l\'étude de cas."}',
        "      - {offset: 21, channel: email}",
        "    variants: [{id: A, split: 0.5}, {id: B, split: 0.5}]",
        "  - id: relance-inactifs",
        '    name: "Relance des comptes inactifs"',
        "    segment: inactifs",
        f"    start: {dormant_start}",
        "    steps:",
        '      - {offset: 0, channel: phone, instructions: "Reprendre contact : où en est le projet ?"}',
        "      - {offset: 2, channel: email}",
        '      - {offset: 5, channel: phone, instructions: "Proposer un point de 20 minutes."}',
    ]
    return "\n".join(lines) + "\n"


def _outcome(touch: Touch, variant: str) -> str:
    """The touch's outcome, the same on every run: a stable draw against ``OUTCOME_RATES``."""
    rates = OUTCOME_RATES.get((touch.step, variant)) or OUTCOME_RATES.get((touch.step, ""), {})
    draw = random.Random(f"{touch.enrolment.contact.code}:{touch.step}").randrange(100)
    for outcome, rate in rates.items():
        if draw < rate:
            return outcome
        draw -= rate
    return TouchOutcome.SENT if touch.channel == "email" else TouchOutcome.NO_ANSWER


def play_sequences(user: User, plan: Plan, today: dt.date) -> None:
    """The sequences' past: the two versions of the first e-mail saved, and every touch due before today
    done, in order, with its outcome (a reply, a meeting or a bounce takes the contact out); today's touches
    stay for the reps' « Aujourd'hui » queue and the worker."""
    mails = {
        "icp-4-touches": [
            *(
                {"step": 1, "variant": variant, "subject": subject, "body": body}
                for variant, (subject, body) in FIRST_MAILS.items()
            ),
            {
                "step": 4,
                "subject": "Dernier message",
                "body": "Bonjour {{ contact.first_name }},\n\nJe ne vous relancerai plus.",
            },
        ],
        "relance-inactifs": [
            {
                "step": 2,
                "subject": "Suite à mon appel",
                "body": "Bonjour {{ contact.first_name }},\n\nComme convenu, voici un point sur nos nouveautés.",
            },
        ],
    }
    for code, templates in mails.items():
        sequence = SequenceTemplate.objects.get(plan=plan, code=code)
        sequences.sequence_save(
            user,
            plan,
            code=code,
            name=sequence.name,
            steps=sequence.steps,
            variants=sequence.variants,
            exits=sequence.exits,
            anchor=sequence.anchor,
            version=sequence.version,
            templates=[{**t, "body": t["body"] + "\n\n{{ unsubscribe_url }}"} for t in templates],
        )
    due = (
        Touch.objects.filter(enrolment__plan=plan, due__lt=today)
        .select_related("enrolment__contact")
        .order_by("due", "step", "pk")
    )
    for touch in due:
        touch.refresh_from_db(fields=["status"])
        if touch.status == TouchStatus.SCHEDULED:  # not skipped by an earlier exit
            sequences.touch_done(touch, _outcome(touch, touch.enrolment.variant), user)
