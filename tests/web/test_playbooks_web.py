"""Starting a plan from a playbook in the web app, saving a plan as a team playbook, importing one (issue 13):
the preview writes nothing and « Create the plan » creates the plan it previewed; wrong values are said next
to their field; reps get 403, outsiders 404 on another team's playbook; a refused upload stores nothing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pac.engine.plandiff import diff_plans
from pac.engine.planfile import to_plan
from pac.engine.playbooks import instantiate, load_builtin
from pac.engine.workdays import previous_business_day

pytestmark = pytest.mark.django_db

START, SHOW = dt.date(2027, 1, 4), dt.date(2027, 4, 13)


@pytest.fixture(autouse=True)
def english(settings: Any) -> None:
    """The tests read the English texts; French is checked once, below."""
    settings.LANGUAGE_CODE = "en"


def _client(user: Any, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _channel_form(team: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "team": team.pk,
        "start": START.isoformat(),
        "trade_shows_0": SHOW.isoformat(),
        "target": "1 500 000",
        "average_deal": "30 000",
        "partners": "10",
        "mdf_per_partner": "5 000",
        "months": "6",
        "manager": ["owner"],
        "partner_managers": ["teammate"],
        "marketing": ["owner"],
        "sdrs": ["teammate"],
        "country": "FR",
        "history_from": "2026-01-01",
        "history_to": "2026-12-31",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _previewed(response: Any) -> str:
    found = re.search(r'name="previewed" value="([0-9a-f]+)"', response.content.decode())
    assert found, "no preview"
    return found[1]


def _plans() -> list[Any]:
    from pac.web.plans.models import Plan

    return list(Plan.objects.order_by("pk"))


def test_the_preview_writes_nothing_and_create_makes_the_plan_it_previewed(
    as_owner: Client, team: Any, teammate: Any
) -> None:
    url = reverse("playbooks:builtin", args=["channel-hardware"])
    assert as_owner.get(url).status_code == 200
    preview = as_owner.post(url, _channel_form(team, preview="1"))
    assert preview.status_code == 200, preview.content.decode()[:2000]
    body = preview.content.decode()
    assert 'data-testid="preview-section"' in body and 'id="diagnostics"' in body
    assert _plans() == []  # nothing written
    changed = as_owner.post(url, _channel_form(team, create="1", target="2 000 000", previewed=_previewed(preview)))
    assert changed.status_code == 200 and "changed since the preview" in changed.content.decode()
    assert _plans() == []  # values changed after the preview: shown again, not created
    created = as_owner.post(url, _channel_form(team, create="1", previewed=_previewed(preview)))
    assert created.status_code == 302
    [plan] = _plans()
    assert created["Location"] == reverse("plans:detail", args=[plan.pk])
    from pac.web.plans.filesections import plan_for_file

    values = {
        "start": START, "trade_shows": [SHOW], "manager": ["owner"], "partner_managers": ["teammate"],
        "marketing": ["owner"], "sdrs": ["teammate"],
    }  # fmt: skip
    previewed = to_plan(instantiate(load_builtin("channel-hardware"), values).doc)
    assert diff_plans(previewed, plan_for_file(plan)) == []
    campaigns = sorted(plan.actions.filter(type="activation_campaign").values_list("start", flat=True))
    assert campaigns == sorted(previous_business_day(SHOW - dt.timedelta(days=d)) for d in (60, 30, 7))


def test_wrong_values_are_said_next_to_their_field(as_owner: Client, team: Any, teammate: Any) -> None:
    url = reverse("playbooks:builtin", args=["channel-hardware"])
    early = (START + dt.timedelta(days=10)).isoformat()
    response = as_owner.post(url, _channel_form(team, trade_shows_0=early, target="cent", preview="1"))
    assert response.status_code == 400
    body = response.content.decode()
    shows = re.search(r'data-testid="error-trade_shows">(.*?)</div>', body, re.S)
    assert shows and "must be at least 2027-03-05" in shows[1]
    assert re.search(r'data-testid="error-target">.*?Write an amount', body, re.S)
    french = _client(team.members.get(username="owner"), "fr").post(
        url, _channel_form(team, trade_shows_0=early, preview="1")
    )
    shown = re.search(r'data-testid="error-trade_shows">(.*?)</div>', french.content.decode(), re.S)
    assert shown and "Valeur 1\u00a0: doit valoir au moins 2027-03-05" in shown[1]
    missing = as_owner.post(url, _channel_form(team, trade_shows_0="", preview="1"))
    assert missing.status_code == 400 and 'data-testid="error-trade_shows"' in missing.content.decode()
    assert _plans() == []


def _chosen(page: str, name: str) -> list[str]:
    """The people preselected in the choice of the parameter ``name``."""
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert select is not None, name
    return re.findall(r'<option value="([^"]+)"[^>]*selected', select.group(0))


def test_people_are_chosen_among_the_team_by_role(as_owner: Client, team: Any, teammate: Any) -> None:
    body = as_owner.get(reverse("playbooks:builtin", args=["saas-midmarket"])).content.decode()
    # the playbook's default names are nobody of the team: its AE and its manager are chosen by role
    assert _chosen(body, "aes") == ["teammate"]
    assert _chosen(body, "manager") == ["owner"]  # one person: a plain select
    assert 'name="start"' in body and 'type="date"' in body and 'name="use_history"' in body


def test_a_rep_gets_403_and_an_outsider_404_on_another_teams_playbook(
    as_teammate: Client, as_outsider: Client, as_owner: Client, plan: Any
) -> None:
    assert as_teammate.get(reverse("playbooks:list")).status_code == 403
    assert as_teammate.get(reverse("playbooks:builtin", args=["saas-midmarket"])).status_code == 403
    saved = as_owner.post(reverse("playbooks:save", args=[plan.pk]), {"name": "notre-plan", "title": "Notre plan"})
    assert saved.status_code == 302
    from pac.web.playbooks.models import TeamPlaybook

    row = TeamPlaybook.objects.get()
    assert as_outsider.get(reverse("playbooks:custom", args=[row.pk])).status_code == 404
    assert as_outsider.post(reverse("playbooks:delete", args=[row.pk])).status_code == 404
    assert "Notre plan" not in as_outsider.get(reverse("playbooks:list")).content.decode()
    assert as_outsider.get(reverse("playbooks:save", args=[plan.pk])).status_code == 404
    assert TeamPlaybook.objects.count() == 1


def test_a_saved_playbook_gives_the_plan_back(as_owner: Client, plan: Any, team: Any) -> None:
    from pac.web.plans.filesections import plan_for_file
    from pac.web.playbooks.models import TeamPlaybook

    response = as_owner.post(reverse("playbooks:save", args=[plan.pk]), {"name": "notre-plan", "title": "Notre plan"})
    assert response.status_code == 302
    row = TeamPlaybook.objects.get(team=team)
    assert row.name == "notre-plan" and row.author.username == "owner"
    page = as_owner.get(reverse("playbooks:custom", args=[row.pk]))
    assert page.status_code == 200
    url = reverse("playbooks:custom", args=[row.pk])
    form = {"team": team.pk, "start": plan.start.isoformat(), "target": _target(plan), "country": plan.country}
    preview = as_owner.post(url, {**form, "preview": "1"})
    created = as_owner.post(url, {**form, "create": "1", "previewed": _previewed(preview)})
    assert created.status_code == 302, created.content.decode()[:3000]
    again = next(p for p in _plans() if p.pk != plan.pk)
    assert diff_plans(plan_for_file(plan), plan_for_file(again)) == []
    twice = as_owner.post(reverse("playbooks:save", args=[plan.pk]), {"name": "notre-plan", "title": "Autre"})
    assert twice.status_code == 400 and "already has a playbook named notre-plan" in twice.content.decode()
    deleted = as_owner.post(reverse("playbooks:delete", args=[row.pk]))
    assert deleted.status_code == 302 and not TeamPlaybook.objects.exists()


def _target(plan: Any) -> str:
    revenue = plan.objectives.filter(metric="revenue").order_by("pk").first()
    return str(revenue.target)


def test_upload_refusals_are_located_and_store_nothing(as_owner: Client, team: Any) -> None:
    from pac.web.playbooks.models import TeamPlaybook

    def upload(content: bytes, name: str = "mine.yaml") -> Any:
        return as_owner.post(reverse("playbooks:upload"), {"team": team.pk, "file": SimpleUploadedFile(name, content)})

    bad = upload(b"playbook: {name: Mauvais}\nparameters: [{name: start, type: day}]\nplan: x\n")
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "mine.yaml: playbook.name" in body and "parameters[0].type" in body
    broken = upload(
        b"playbook: {name: casse, title: {fr: C, en: C}, description: {fr: C, en: C}}\n"
        b"parameters: [{name: start, type: date, default: 2027-01-04, description: {fr: D, en: S}}]\n"
        b"plan: |\n  version: 1\n  plan: {name: X, start: {{ start }}, end: 2026-01-01}\n"
    )
    assert broken.status_code == 400 and "plan.end" in broken.content.decode()
    large = upload(b"#" * (256 * 1024 + 1))
    assert large.status_code == 400 and "too large" in large.content.decode()
    assert upload(b"\xff\xfe\x00").status_code == 400
    assert not TeamPlaybook.objects.exists()
    from importlib import resources

    text = (resources.files("pac.engine.playbooks") / "key-accounts.yaml").read_bytes()
    good = upload(text)
    assert good.status_code == 302
    assert TeamPlaybook.objects.get().name == "key-accounts"


def test_starting_from_history_shows_each_learnt_figure_with_its_basis(settings: Any, tmp_path: Any) -> None:
    from pac.web.demo import load_demo

    settings.DATA_DIR = tmp_path
    demo = load_demo()
    from django.utils import timezone

    today = timezone.localdate()
    client = _client(demo.manager)
    url = reverse("playbooks:builtin", args=["saas-midmarket"])
    form = {
        "team": demo.team.pk, "start": (today + dt.timedelta(days=14)).isoformat(), "target": "1 000 000",
        "use_history": "on", "history_from": (today - dt.timedelta(days=365)).isoformat(),
        "history_to": today.isoformat(), "preview": "1",
    }  # fmt: skip
    page = client.get(url).content.decode()
    for name in ("manager", "sdrs", "aes", "csms"):
        form[name] = _chosen(page, name)[:1] or [demo.manager.username]
    response = client.post(url, form)
    assert response.status_code == 200, response.content.decode()[:3000]
    body = re.sub(r"[\u202f\u00a0]", " ", response.content.decode())
    assert 'data-testid="learned"' in body
    assert re.search(r"Win rate: \d+ ?% over [\d, ]+ closed deals since", body)
    assert re.search(r"Average deal: €[\d,]+ over [\d, ]+ won deals since", body)


def test_an_erased_person_is_named_in_no_team_playbook(as_owner: Client, plan: Any, team: Any, teammate: Any) -> None:
    from pac.web.accounts.models import User
    from pac.web.playbooks.models import TeamPlaybook
    from pac.web.privacy.erasure import erase_person

    teammate.first_name, teammate.last_name = "Alexandre", "Martinez"
    teammate.save()
    text = (
        resources_text("key-accounts.yaml")
        .replace("[alex, julie]", "[alex, teammate]")
        .replace("Revue", "Revue avec Alexandre Martinez")
    )
    TeamPlaybook.objects.create(team=team, name="grands-comptes", title="Grands comptes", text=text)
    admin = User.objects.create(username="dpo", role="admin")
    erasure = erase_person(username="teammate", done_by=admin, request_ref="DPO-1", team=team)
    row = TeamPlaybook.objects.get()
    assert not re.search(r"(?<![\w.@+-])teammate(?![\w.@+-])", row.text) and "Alexandre Martinez" not in row.text
    assert f"erased-{erasure.pk}" in row.text and erasure.counts["playbooks"] == 1
    from pac.engine.playbooks import validate_playbook

    validate_playbook(row.text)  # still a playbook


def resources_text(name: str) -> str:
    from importlib import resources

    return (resources.files("pac.engine.playbooks") / name).read_text(encoding="utf-8")
