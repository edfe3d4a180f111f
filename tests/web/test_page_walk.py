"""Every page in both languages, as the manager and as a rep, read the way they read it: no English left
on a French page (a catalogue text shown untranslated, tell-tale words), no French left on an English page,
and on neither a raw code (``win_rate``, ``in_progress``), a ``None`` or a raw recurrence rule.

The demo is loaded once for the module (in a transaction rolled back at the end) and every URL pattern of
the web app is fetched; a new pattern fails ``test_every_page_is_walked`` until it is added to ``targets``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import pac.engine.model as engine_model
from pac.engine.sequence_templates import ALLOWED_VARIABLES
from pac.io.messages import LOCALE_DIR
from tests.conftest import EXAMPLE_PLAN

pytestmark = pytest.mark.django_db  # the test database is made for the tests marked so

LANGUAGES = ("fr", "en")
#: URL names not walked, and why.
NOT_PAGES = {
    "logout": "POST only",
    "cockpit:lever_accept": "POST only: redirects",
    "cockpit:alert_aside": "POST only: redirects",
    "cockpit:alert_channel": "POST only: redirects",
    "cockpit:alert_thresholds": "POST only: redirects",
    "cockpit:forecast_submit": "POST only: redirects",
    "cockpit:forecast_adjust": "POST only: redirects",
    "cockpit:report_pdf": "a PDF (its texts are the review pack's, tested in test_reports)",
    "cockpit:report_xlsx": "a workbook",
    "plans:export": "the plan file (codes on purpose)",
    "plans:feed_change": "POST only: revoking redirects; a new link: the feeds page (walked) with it",
    "plans:decide": "POST only: redirects",
    "plans:delete": "POST only: redirects",
    "plans:version_baseline": "POST only: redirects to the versions (walked)",
    "plans:scenario_promote": "POST only: redirects to the plan (walked)",
    "plans:entity_delete": "POST only: redirects",
    "crm:job_report": "a CSV report",
    "crm:job_confirm": "POST only: queues the import for real, then redirects",
    "crm:job_retry": "POST only: queues an interrupted import again, then redirects",
    "plans:action_status": "POST only: answers with the row's status form, walked on the actions list",
    "cockpit:meeting_open": "POST only: redirects",
    "cockpit:meeting_minutes": "POST only: redirects (a conflict answers with the meeting page, tested)",
    "cockpit:meeting_decision": "POST only: redirects",
    "privacy:team_export": "a zip of the team's data (codes on purpose: tables and columns for programs)",
    "privacy:erase_person": "POST only: an administrator's confirmation page, tested in test_erasure",
    "privacy:erase_contact": "POST only: an administrator's confirmation page, tested in test_erasure",
    "apitokens:revoke": "POST only: redirects",
    "sequences:builtin": "POST only: creates a sequence, then redirects to its builder (walked)",
    "sequences:state": "POST only: pause, resume or stop, then redirects",
    "sequences:touch_outcome": "POST only: answers with the queue's row (tested in test_sequence_queue)",
    "sequences:sequence_action": "POST only: redirects",
    "sequences:person": "POST only: pause, resume, stop one person or their legal basis, then redirects",
}
#: Words that give English away on a French page, and French on an English one (whole words, case kept).
ENGLISH_WORDS = (
    *("the", "and", "of", "with", "per", "to", "for", "is", "are", "be", "must", "not", "or", "this", "from", "by"),
    *("Save", "Delete", "Edit", "Cancel", "Add", "Back", "None", "View", "Show", "New", "Week", "Month"),
)
FRENCH_WORDS = ("le", "la", "les", "des", "du", "et", "pour", "avec", "Enregistrer", "Supprimer", "Modifier")
#: A code as the code writes it: snake_case, or an enum's value alone in a cell.
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@dataclass(frozen=True)
class Walk:
    pages: list[Page]
    missing: set[str]  # URL names neither walked nor set aside
    user_data: list[str]  # what the team typed (names, descriptions): French on an English page is theirs


@dataclass(frozen=True)
class Page:
    who: str
    language: str
    url: str
    status: int
    texts: tuple[str, ...]  # what a reader sees: text nodes and the titles, placeholders and labels
    spaced: tuple[str, ...] = ()  # a page's text nodes with their kinds of space kept (HTML only)

    def where(self) -> str:
        return f"{self.who} {self.language} {self.url}"


class _Reader(HTMLParser):
    """The text a person reads: text nodes and the attributes shown on screen."""

    SHOWN = ("title", "placeholder", "aria-label", "alt")
    #: Not read: scripts and styles, and what is shown as literal text on purpose (a cell's value as the
    #: file wrote it, a column name to type, what the reader is typing).
    HIDDEN = ("script", "style", "template", "code", "kbd", "samp", "textarea")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.spaced: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        for name, value in attrs:
            if name in self.SHOWN and value:
                self._add(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._add(data)
            if data.strip():
                self.spaced.append(re.sub(r"[ \t\r\n]+", " ", data).strip())

    def _add(self, text: str) -> None:
        text = re.sub(r"[\s\u202f\u00a0]+", " ", text).strip()
        if text:
            self.texts.append(text)


def read(body: str) -> _Reader:
    reader = _Reader()
    reader.feed(body)
    return reader


def _names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in ("admin", "api") or str(entry.pattern).startswith("i18n/"):
                continue  # Django's own admin, the REST API (JSON, checked against its schema by test_api_schema)
                # and the language switch (a POST)
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name


def _two_versions(plans: list[int]) -> None:
    """Each plan kept as a version, then changed (an action's budget, an account's owner) and kept again:
    the versions compare with changes to word."""
    from django.db.models import F

    from pac.web.plans.models import Account, Action, Plan
    from pac.web.plans.versions import snapshot

    for p in plans:
        snapshot(p)
        Action.objects.filter(pk=Action.objects.filter(plan_id=p).first().pk).update(budget=F("budget") + 1000)
        account = Account.objects.filter(plan_id=p).exclude(owner="").first()
        if account is not None:
            Account.objects.filter(pk=account.pk).update(owner="manon" if account.owner != "manon" else "alex")
        Plan.objects.filter(pk=p).update(version=F("version") + 1)
        snapshot(p)


def targets(demo: Any, job: Any, token: str) -> dict[str, list[str]]:
    """Each URL name with the URLs walked for it, for the demo's two first plans (every page) and its
    playbook plans (key accounts, channel: their plan page, plan versus actual and partners)."""
    from pac.engine.playbooks import builtin_names
    from pac.web.plans.entities import SECTIONS
    from pac.web.plans.models import Action, Plan
    from pac.web.sequences.sender import unsubscribe_token

    plans = [demo.plan.pk, demo.current.pk]
    made = [demo.key_accounts.pk, demo.channel.pk]
    per_plan = {
        name: [reverse(f"plans:{name}", args=[p]) for p in plans]
        for name in ("detail", "edit", "roadmap", "month", "week", "raci", "priorities", "feeds", "accounts_import")
    }
    entity_rows = []
    for p in plans:
        for key, section in SECTIONS.items():
            first = section.queryset(Plan.objects.get(pk=p)).first()
            if first is not None:
                entity_rows.append(reverse("plans:entity_edit", args=[p, key, first.pk]))
    kpis = reverse("cockpit:kpis")
    meetings = _meetings(demo)
    _two_versions(plans)
    sequence = _sequence(demo)
    scenarios = _scenarios(demo)
    parts = _parts(demo)
    split = reverse("cockpit:plan_split", args=[demo.current.pk])
    typed = "&".join(f"m{n}=8,33" for n in range(1, 13))
    return {
        "login": [reverse("login")],
        "plans:list": [reverse("plans:list")],
        "plans:create": [reverse("plans:create")],
        "plans:import": [],  # POST only: walked with a faulty plan file in ``faulty_pages``
        **{f"plans:{name}": urls for name, urls in per_plan.items()},
        "plans:detail": per_plan["detail"]
        + [reverse("plans:detail", args=[p]) for p in made]
        + [reverse("plans:detail", args=[s.pk]) for s in scenarios]
        + [reverse("plans:detail", args=[parts[0].pk])],
        "cockpit:plan_split": [
            split,
            f"{split}?by=month&season=history",
            f"{split}?by=month&season=typed&{typed}",
            f"{split}?by=month&season=typed&{typed.replace('m3=8,33', 'm3=x')}",  # refused: said at the field
            reverse("cockpit:plan_split", args=[demo.plan.pk]),  # broken down already: said so
        ],
        "cockpit:plan_parts": [reverse("cockpit:plan_parts", args=[demo.plan.pk])],
        "plans:section": [
            reverse("plans:section", args=[p, s]) for p in plans for s in ("objectives", "stages", "roles", "efforts")
        ],
        "plans:entities": [reverse("plans:entities", args=[p, key]) for p in plans for key in SECTIONS]
        + [reverse("plans:entities", args=[demo.channel.pk, "partners"])],
        "plans:entity_new": [reverse("plans:entity_new", args=[p, key]) for p in plans for key in SECTIONS],
        "plans:entity_edit": entity_rows,
        "plans:history": [reverse("plans:history", args=[p]) for p in plans]
        + [f"{reverse('plans:history', args=[p])}?kind=action&page=2" for p in plans],
        "plans:object_history": [
            reverse("plans:object_history", args=[p, "action", Action.objects.filter(plan_id=p).first().pk])
            for p in plans
        ],
        "plans:history_csv": [reverse("plans:history_csv", args=[p]) for p in plans],
        "plans:versions": [reverse("plans:versions", args=[p]) for p in plans],
        "plans:versions_compare": [reverse("plans:versions_compare", args=[p]) for p in plans],
        "plans:scenarios": [reverse("plans:scenarios", args=[p]) for p in plans],
        "plans:scenario_changes": [reverse("plans:scenario_changes", args=[s.scenario_of_id, s.pk]) for s in scenarios],
        "cockpit:scenarios_compare": [reverse("cockpit:scenarios_compare", args=[p]) for p in plans],
        "plans:history_xlsx": [reverse("plans:history_xlsx", args=[p]) for p in plans],  # its cells
        "plans:ics": [reverse("plans:ics", args=[p]) for p in plans],  # its titles and descriptions
        "plans:xlsx": [reverse("plans:xlsx", args=[p]) for p in plans],  # its cells
        "feed": [reverse("feed", args=[token])],  # the calendar a subscriber reads
        "unsubscribe": [reverse("unsubscribe", args=[unsubscribe_token(demo.team.pk, "prospect@example.com")])],
        "crm:import": [reverse("crm:import")],
        "accounts:people": [reverse("accounts:people")],  # administrators only: the 403 page for these two
        "crm:job": [reverse("crm:job", args=[job.pk])],
        "cockpit:home": [reverse("cockpit:home")],
        "apitokens:list": [reverse("apitokens:list")],
        "cockpit:forecast": [reverse("cockpit:forecast")],
        "cockpit:kpis": [
            kpis,
            f"{kpis}?period=month&by=owner",
            f"{kpis}?period=quarter&by=segment",
            f"{kpis}?period=week&by=channel&kpi=win_rate",
            f"{kpis}?kpi=nrr&by=segment",
        ],
        "cockpit:plan_progress": [reverse("cockpit:plan_progress", args=[p]) for p in plans + made],
        "cockpit:plan_history_rates": [reverse("cockpit:plan_history_rates", args=[p]) for p in plans],
        "plans:decisions": [reverse("plans:decisions", args=[p]) for p in plans]
        + [f"{reverse('plans:decisions', args=[demo.current.pk])}?kind={k}" for k in ("meeting", "lever")],
        "cockpit:ritual_meetings": [
            reverse("cockpit:ritual_meetings", args=[r.plan_id, r.pk])
            for p in plans
            for r in Plan.objects.get(pk=p).rituals.all()
        ],
        "cockpit:meeting": meetings,
        "privacy:home": [reverse("privacy:home")],
        "privacy:team_data": [reverse("privacy:team_data", args=[demo.team.pk])],
        **_sequence_targets(demo),
        "sequences:today": [reverse("sequences:today"), f"{reverse('sequences:today')}?rep=alex"],
        "sequences:results": [reverse("sequences:results", args=[sequence.plan_id, sequence.pk])],
        "sequences:people": [
            reverse("sequences:people", args=[sequence.plan_id, sequence.pk]),
            f"{reverse('sequences:people', args=[sequence.plan_id, sequence.pk])}?page=2",
        ],
        "sequences:opt_outs": [reverse("sequences:opt_outs", args=[sequence.plan_id])],
        "playbooks:list": [reverse("playbooks:list")],
        "playbooks:builtin": [reverse("playbooks:builtin", args=[name]) for name in builtin_names()],
        "playbooks:custom": [reverse("playbooks:custom", args=[_team_playbook(demo).pk])],
        "playbooks:save": [reverse("playbooks:save", args=[p]) for p in plans],
        "playbooks:upload": [],  # POST only: walked with a faulty playbook file in ``faulty_pages``
        "playbooks:delete": [],  # POST only: redirects to the playbooks page (walked)
        "cockpit:weeks_produced": [
            f"{reverse('cockpit:weeks_produced', args=[p])}?from={dt.date.today() - dt.timedelta(days=60)}"
            for p in plans
        ],
    }


def _team_playbook(demo: Any) -> Any:
    """A playbook of the team, saved from its current plan (made once)."""
    from pac.web.playbooks.models import TeamPlaybook
    from pac.web.playbooks.services import playbook_save

    found = TeamPlaybook.objects.filter(team=demo.team).first()
    return found or playbook_save(user=demo.manager, plan=demo.current, name="trimestre", title="Notre trimestre")


def _walk_sequence(demo: Any) -> Any:
    """A sequence of the plan to come (it has the accounts and contacts), with variants (made once)."""
    from pac.web.sequences import services
    from pac.web.sequences.models import SequenceTemplate

    found = SequenceTemplate.objects.filter(plan=demo.plan, code="walk").first()
    if found is not None:
        return found
    # no e-mail step: the demo's contacts have no address, and the preview is walked with them enrolled
    steps = [{"offset": 0, "channel": "phone"}, {"offset": 3, "channel": "social"}, {"offset": 8, "channel": "phone"}]
    mail = {"step": 1, "subject": "Bonjour {{ contact.first_name }}", "body": "{{ account.name }}"}
    return services.sequence_save(
        demo.manager,
        demo.plan,
        code="walk",
        name="Relance DAF",
        steps=steps,
        templates=[mail, mail | {"variant": "B"}],
        variants=[{"id": "A", "split": 0.5}, {"id": "B", "split": 0.5}],
    )


def _sequence_targets(demo: Any) -> dict[str, list[str]]:
    """The sequences' list, builder and enrolment screen (their preview: ``_faulty_pages``)."""
    plans = [demo.plan.pk, demo.plan.pk]
    sequence = _walk_sequence(demo)
    return {
        "sequences:list": [reverse("sequences:list", args=[p]) for p in plans],
        "sequences:new": [reverse("sequences:new", args=[p]) for p in plans],
        "sequences:edit": [reverse("sequences:edit", args=[demo.plan.pk, sequence.pk])],
        "sequences:enrol": [reverse("sequences:enrol", args=[demo.plan.pk, sequence.pk])],
    }


def _sequence(demo: Any) -> Any:
    """A sequence of the plan to come (the one with target accounts), tied to one of its actions, Alex's
    contacts enrolled three weeks ago: calls and messages late in his queue, e-mails sent (one bounced), a
    meeting booked, a reply."""
    from django.utils import timezone

    from pac.web.plans.models import Account, Contact
    from pac.web.sequences import services
    from pac.web.sequences.models import SequenceTemplate, Touch

    found = SequenceTemplate.objects.filter(plan=demo.plan, code="walk-queue").first()
    if found is not None:
        return found
    accounts = list(Account.objects.filter(plan=demo.plan).order_by("-strategic", "pk")[:4])
    Account.objects.filter(pk__in=[a.pk for a in accounts]).update(owner="alex")
    for n, account in enumerate(accounts):
        Contact.objects.create(
            account=account, code=f"walk-{n}", name=f"Contact {n}", persona="DAF", email=f"contact{n}@client.fr"
        )
    sequence = services.sequence_save(
        demo.manager,
        demo.plan,
        code="walk-queue",
        name="Prospection en 4 touches",
        steps=[
            {"offset": 0, "channel": "email"},
            {"offset": 3, "channel": "phone", "instructions": "Appeler après l'e-mail"},
            {"offset": 8, "channel": "social"},
        ],
        templates=[{"step": 1, "subject": "Bonjour", "body": "{{ unsubscribe_url }}"}],
        variants=[{"id": "A", "split": 0.5}, {"id": "B", "split": 0.5}],
    )
    services.sequence_set_action(demo.manager, sequence, demo.plan.actions.first())
    start = timezone.localdate() - dt.timedelta(days=21)
    services.enrol(demo.manager, demo.plan, sequence, accounts=[a.code for a in accounts], start=start,
                   today=start)  # fmt: skip
    for touch in services.claim_due(timezone.localdate(), 100):
        services.touch_done(touch, "bounced" if touch.enrolment.contact.code == "walk-3" else "sent")
    calls = Touch.objects.filter(enrolment__sequence=sequence, channel="phone").order_by("pk")
    services.touch_done(calls[0], "booked", demo.manager)
    services.touch_done(calls[1], "replied", demo.manager)
    return sequence


def _scenarios(demo: Any) -> list[Any]:
    """A scenario of each plan, one of them changed (a better demo → proposal rate, one more AE): the
    comparisons have figures and differences to word, and the scenario's own page its banner."""
    from decimal import Decimal

    from pac.web.plans.models import FunnelStage, PlanRole
    from pac.web.plans.scenarios import scenario_create

    made = []
    for plan in (demo.plan, demo.current):
        scenario = scenario_create(user=demo.manager, plan=plan, name="Démo → proposition à 35 %", note="+1 AE")
        FunnelStage.objects.filter(plan=scenario, stage="demo").update(rate=Decimal("0.35"))
        PlanRole.objects.filter(pk=PlanRole.objects.filter(plan=scenario).first().pk).update(headcount=9)
        made.append(scenario)
    return made


def _parts(demo: Any) -> list[Any]:
    """The plan to come broken down into its months (once): its page lists them, theirs link back."""
    from pac.web.plans.breakdown import parts_of, split_create

    found = list(parts_of(demo.plan))
    if not found:
        demo.plan.refresh_from_db()
        found = split_create(
            user=demo.manager, plan=demo.plan, by="month", season=None, expected_version=demo.plan.version
        )
    return found


def _meetings(demo: Any) -> list[str]:
    """The next occurrence of each ritual of the plan under way: one opened (its agenda frozen, a decision
    recorded), the others not yet (the live agenda for the manager, a notice for a rep)."""
    from django.utils import timezone

    from pac.web.cockpit.agenda import build_agenda
    from pac.web.plans import governance, selectors

    urls = []
    today = timezone.localdate()
    for index, o in enumerate(selectors.next_occurrences(demo.current, today)):
        if index == 0:
            meeting = governance.meeting_open(
                user=demo.manager,
                plan=demo.current,
                ritual=o.ritual,
                day=o.day,
                agenda=build_agenda(demo.current, today),
            )
            if not meeting.decisions.exists():
                governance.meeting_decision_record(
                    user=demo.manager,
                    plan=demo.current,
                    meeting=meeting,
                    decision="Relancer les affaires bloquées",
                    reason="Revue",
                )
        urls.append(reverse("cockpit:meeting", args=[demo.current.pk, o.ritual.pk, o.day.isoformat()]))
    plan = demo.plan  # a plan to come: its first meeting, not opened
    first = plan.rituals.first()
    if first is not None:
        days = selectors.ritual_days(plan, first, plan.start, plan.end)
        urls += [reverse("cockpit:meeting", args=[plan.pk, first.pk, days[0].isoformat()])] if days else []
    return urls


def _catalogue() -> tuple[set[str], list[re.Pattern[str]], list[str]]:
    """The English texts the French catalogue translates: whole texts, texts with placeholders as patterns,
    and the longer ones that may sit inside a sentence."""
    with open(Path(LOCALE_DIR, "fr", "LC_MESSAGES", "django.po"), "rb") as po:
        catalog = read_po(po)
    whole: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    inside: list[str] = []
    french = _french(catalog)
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = _strings(message)
        for msgid in ids:
            if not any(strings) or msgid in strings:
                continue  # untranslated in the catalogue, or the same word in French (« Plan », « Actions »)
            text = re.sub(r"\s+", " ", msgid).strip()
            placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
            if placeholder.search(text):
                parts = placeholder.split(text)
                if sum(len(part.strip()) for part in parts) >= 8:
                    patterns.append(re.compile(".+?".join(re.escape(part) for part in parts) + r"\Z"))
            elif text not in french:  # « leads » is French too
                whole.add(text)
                if len(text.split()) >= 3:
                    inside.append(text)
    return whole, patterns, inside


def _french(catalog: Any = None) -> set[str]:
    """Every French text of the catalogue (« leads » is a French word as well as a code)."""
    if catalog is None:
        with open(Path(LOCALE_DIR, "fr", "LC_MESSAGES", "django.po"), "rb") as po:
            catalog = read_po(po)
    return {re.sub(r"\s+", " ", text).strip() for m in catalog for text in _strings(m)}


def _strings(message: Any) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _walk(demo: Any, job: Any, token: str) -> list[Page]:
    from django.conf import settings
    from django.test import Client

    clients = {"manager": demo.manager, "rep": next(r for r in demo.reps if r.username == "alex")}
    urls = targets(demo, job, token)
    pages = []
    for language in LANGUAGES:
        for who, user in clients.items():
            client = Client()
            client.force_login(user)
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            for name, walked in urls.items():
                for url in walked:
                    partial = name in ("cockpit:plan_progress", "cockpit:plan_history_rates", "cockpit:plan_parts")
                    htmx = {"HX-Request": "true"} if partial else {}
                    response = client.get(url, headers=htmx)
                    pages.append(_page(who, language, url, response))
            pages.extend(_faulty_pages(client, who, language, demo))
    return pages


def _page(who: str, language: str, url: str, response: Any) -> Page:
    kind = response.get("Content-Type", "")
    texts: tuple[str, ...] = ()
    if kind.startswith("text/html"):
        reader = read(response.content.decode("utf-8"))
        return Page(who, language, url, response.status_code, tuple(reader.texts), tuple(reader.spaced))
    elif kind.startswith("text/calendar"):
        texts = _calendar_texts(response.content.decode("utf-8"))
    elif "spreadsheetml" in kind:
        texts = _workbook_texts(response.content)
    return Page(who, language, url, response.status_code, texts)


def _calendar_texts(ics: str) -> tuple[str, ...]:
    """What a calendar shows of each item: its title and description (lines unfolded, escapes read)."""
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    found = re.findall(r"^(?:SUMMARY|DESCRIPTION|LOCATION)[^:]*:(.*)$", unfolded, flags=re.M)
    return tuple(re.sub(r"\\([,;\\])", r"\1", text.strip()).replace("\\n", " ").replace("\\N", " ") for text in found)


#: A workbook's columns of identifiers, kept as the plan file writes them (to filter on, to find a row).
ID_COLUMNS = {"ID", "Code", "Ref", "Identifiant", "Réf."}


def _workbook_texts(content: bytes) -> tuple[str, ...]:
    """Every text cell of every sheet but the identifier columns, and the sheets' names."""
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    texts = list(book.sheetnames)
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, ())
        texts.extend(str(h) for h in header if h)
        kept = [i for i, h in enumerate(header) if str(h) not in ID_COLUMNS]
        for row in rows:
            cells = [row[i] for i in kept if i < len(row)]
            texts.extend(re.sub(r"\s+", " ", v).strip() for v in cells if isinstance(v, str) and v.strip())
    return tuple(texts)


def _faulty_pages(client: Any, who: str, language: str, demo: Any) -> list[Page]:
    """What a reader sees when something they sent is refused: a plan file with errors."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = EXAMPLE_PLAN.read_text(encoding="utf-8")
    faulty = text.replace("target: 1000000", "target: -5", 1).replace("rate: 0.25", "rate: 1.5", 1)
    faulty = faulty.replace("hours_per_week: 35}", "hours_per_week: 0}", 1)
    url = reverse("plans:import")
    response = client.post(url, {"team": demo.team.pk, "file": SimpleUploadedFile("plan.yaml", faulty.encode("utf-8"))})
    pages = [_page(who, language, f"{url} (a faulty plan file)", response)]
    sequence = _walk_sequence(demo)  # the enrolment preview, and the builder refusing a template
    enrol = reverse("sequences:enrol", args=[demo.plan.pk, sequence.pk])
    whom = {"persona": "CFO", "start": dt.date.today().isoformat(), "op": "preview"}
    pages.append(_page(who, language, f"{enrol} (its preview)", client.post(enrol, whom)))
    edit = reverse("sequences:edit", args=[demo.plan.pk, sequence.pk])
    wrong = {"name": "Relance", "anchor": "start", "steps": 1, "step-0-offset": "x", "step-0-channel": "email",
             "templates": 1, "tpl-0-step": "1", "tpl-0-subject": "{{ contact.salary }}", "tpl-0-body": "",
             "variants": 0, "op": "save", "version": sequence.version}  # fmt: skip
    pages.append(_page(who, language, f"{edit} (refused)", client.post(edit, wrong)))
    start = reverse("playbooks:builtin", args=["channel-hardware"])  # a playbook's preview, and wrong values
    people = {k: [demo.manager.username] for k in ("manager", "partner_managers", "marketing", "sdrs")}
    today = dt.date.today()
    show, since = (today + dt.timedelta(days=90)).isoformat(), (today - dt.timedelta(days=365)).isoformat()
    good = {"team": demo.team.pk, "start": today.isoformat(), "trade_shows_0": show, "use_history": "on",
            "history_from": since, "history_to": today.isoformat(), "preview": "1", **people}  # fmt: skip
    pages.append(_page(who, language, f"{start} (its preview)", client.post(start, good)))
    bad = {**good, "trade_shows_0": (today + dt.timedelta(days=5)).isoformat(), "target": "beaucoup"}
    pages.append(_page(who, language, f"{start} (wrong values)", client.post(start, bad)))
    upload = reverse("playbooks:upload")
    refused = SimpleUploadedFile("mine.yaml", b"playbook: {name: Mine}\nplan: x\n")
    pages.append(
        _page(who, language, f"{upload} (refused)", client.post(upload, {"team": demo.team.pk, "file": refused}))
    )
    return pages


@pytest.fixture(scope="module")
def walk(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Walk:
    """The demo loaded, every page fetched in both languages by both readers, then all of it rolled back."""
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import translation

    from pac.web.demo import load_demo

    data = tmp_path_factory.mktemp("data")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(DATA_DIR=data, PASSWORD_HASHERS=fast):
        with transaction.atomic():
            demo = load_demo()
            job = _refused_import(demo, SimpleUploadedFile)
            from pac.web.plans.models import CalendarFeed

            token = "walk-token"
            CalendarFeed.objects.create(plan=demo.current, user=demo.manager, token_hash=CalendarFeed.hash_token(token))
            from pac.web.api.services import token_create, token_revoke

            token_create(user=demo.manager, name="Tableau BI", write=False)  # the tokens page lists one of each
            token_revoke(token=token_create(user=demo.manager, name="Ancien script", write=True).token)
            names = set(_names(get_resolver().url_patterns))
            pages = _walk(demo, job, token)
            covered = set(targets(demo, job, token)) | set(NOT_PAGES)
            typed = _user_data()
            transaction.set_rollback(True)
        cache.clear()  # figures cached for rows that no longer exist
        translation.deactivate()
    return Walk(pages, names - covered, typed)


def _user_data() -> list[str]:
    """Every text the team typed into its plans (and its people's names), longest first."""
    from django.apps import apps
    from django.db import models

    from pac.web.accounts.models import Team, User

    found: set[str] = set(Team.objects.values_list("name", flat=True))
    for user in User.objects.all():
        found.update((user.first_name, user.last_name, user.get_full_name()))
    for model in [*apps.get_app_config("plans").get_models(), *apps.get_app_config("sequences").get_models()]:
        for field in model._meta.get_fields():
            if isinstance(field, (models.CharField, models.TextField, models.JSONField)):
                for value in model.objects.values_list(field.name, flat=True):
                    found.update(_texts_in(value))
    found.update(_playbook_words())
    return sorted((t for t in found if len(t) >= 3), key=len, reverse=True)


def _playbook_words() -> set[str]:
    """The words of the plans the built-in playbooks make (written in French, as a team would: a preview
    quotes its actions' names in its diagnostics)."""
    from pac.engine.planfile import plan_data, to_plan
    from pac.engine.playbooks import builtin_names, instantiate, load_builtin, trial_values

    found: set[str] = set()
    for name in builtin_names():
        playbook = load_builtin(name)
        found.update(_texts_in(plan_data(to_plan(instantiate(playbook, trial_values(playbook)).doc))))
    return found


def _texts_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield re.sub(r"\s+", " ", value).strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts_in(item)


def _refused_import(demo: Any, upload: Any) -> Any:
    """A CRM import refused for its problems, so that the job page lists them."""
    from django.test import Client

    from pac.web.crm.models import ImportJob

    client = Client()
    client.force_login(demo.manager)
    content = b"external_id,outcome,amount,closed\nA1,maybe,12x,2027-13-01\nA1,won,5,2027-01-02\n"
    client.post(
        reverse("crm:import"),
        {
            "team": demo.team.pk,
            "kind": "opportunities",
            "preset": "",
            "on_duplicate": "error",
            "file": upload("e.csv", content),
        },
    )
    return ImportJob.objects.filter(team=demo.team).latest("created_at")


def _report(found: list[str]) -> str:
    return "\n".join(sorted(set(found)))


def _shown(pages: list[Page]) -> list[Page]:
    return [p for p in pages if p.texts]


def test_every_page_is_walked(walk: Walk) -> None:
    pages, missing = walk.pages, walk.missing
    assert not missing, f"URL names neither walked nor set aside in NOT_PAGES: {sorted(missing)}"
    broken = [f"{p.where()}: {p.status}" for p in pages if p.status >= 500]
    assert not broken, _report(broken)
    assert len(_shown(pages)) > 150  # every page read, in both languages and as both readers


def test_a_french_page_shows_no_english_text_from_the_catalogue(walk: Walk) -> None:
    whole, patterns, inside = _catalogue()
    found = []
    for page in _shown(walk.pages):
        if page.language != "fr":
            continue
        for text in page.texts:
            if text in whole or any(p.match(text) for p in patterns):
                found.append(f"{page.where()}: « {text} »")
            found.extend(f"{page.where()}: « {m} » in « {text} »" for m in inside if m in text and m != text)
    assert not found, _report(found)


def _codes() -> set[str]:
    """Every enum value of the plan's model: shown as a code, it is a leftover."""
    values: set[str] = set()
    for thing in vars(engine_model).values():
        if isinstance(thing, type) and issubclass(thing, engine_model.StrEnum) and thing is not engine_model.StrEnum:
            values.update(str(member.value) for member in thing)
    from pac.web.crm.models import ImportJob

    values.update(code for code, _ in ImportJob.STATUS_CHOICES)
    return values


#: Enum values that are French words as well (« manager », « marketing », « demo » is not).
FRENCH_TOO = {"manager", "marketing", "admin", "info", "user", "champion", "influencer", "partner"}


#: Where a plan file's problem lies (``plan.yaml:20:31: team[0].hours_per_week:``): the file's own keys.
PLAN_FILE_PLACE = re.compile(r"^\S+:\d+(?::\d+)?: [\w.\[\]]+: ")
#: Codes shown on purpose: the accounts file's column, named as the file must name it; a sequence e-mail's
#: variables and their fields, named as a template must write them (the builder's errors list them).
LITERAL = {
    "icp_fit",
    *(f for name, fields in ALLOWED_VARIABLES.items() for f in (name, *(fields or ()))),
}


def test_no_page_shows_a_raw_code(walk: Walk) -> None:
    codes, french = _codes(), _french()
    found = []
    for page in _shown(walk.pages):
        for text in page.texts:
            read = PLAN_FILE_PLACE.sub("", text)
            found.extend(f"{page.where()}: {c} in « {text} »" for c in SNAKE.findall(read) if c not in LITERAL)
            if page.language == "fr" and text in codes - FRENCH_TOO - french:
                found.append(f"{page.where()}: « {text} »")
    assert not found, _report(found)


def test_no_page_shows_none(walk: Walk) -> None:
    english = _catalogue()[0]  # « None. » is English for « Aucune. »
    found = [
        f"{p.where()}: « {t} »"
        for p in _shown(walk.pages)
        for t in p.texts
        if re.search(r"\bNone\b", t) and t not in english
    ]
    assert not found, _report(found)


def test_no_page_shows_a_raw_recurrence_rule(walk: Walk) -> None:
    """Rituals recur by an RRULE; the reader sees it worded (« chaque lundi »), never ``FREQ=WEEKLY``."""
    found = [f"{p.where()}: « {t} »" for p in _shown(walk.pages) for t in p.texts if "FREQ=" in t]
    assert not found, _report(found)


def _words(pages: list[Page], language: str, words: tuple[str, ...]) -> list[str]:
    told = re.compile(r"(?<![\w'’-])(" + "|".join(words) + r")(?![\w'’-])")
    found = []
    for page in _shown(pages):
        if page.language == language:
            found.extend(f"{page.where()}: « {t} »" for t in page.texts if told.search(t))
    return found


def test_a_french_page_shows_no_english_word(walk: Walk) -> None:
    found = _words(walk.pages, "fr", ENGLISH_WORDS)
    assert not found, _report(found)


def test_an_english_page_shows_no_french_word(walk: Walk) -> None:
    """What the team typed stays as typed (a French action's name on an English page is theirs)."""
    theirs = re.compile("|".join(re.escape(t) for t in walk.user_data))
    pages = [Page(p.who, p.language, p.url, p.status, tuple(theirs.sub(" ", t) for t in p.texts)) for p in walk.pages]
    found = _words(pages, "en", FRENCH_WORDS)
    assert not found, _report(found)


def test_a_french_page_keeps_its_punctuation_on_the_line(walk: Walk) -> None:
    """French typography: no plain space (where a line may break) before « : ; ! ? % » or inside « »."""
    loose = re.compile(r"\S (?:[:;!?%»](?=\s|$)|€)|« ")
    found = [f"{p.where()}: « {t} »" for p in walk.pages if p.language == "fr" for t in p.spaced if loose.search(t)]
    assert not found, _report(found)
