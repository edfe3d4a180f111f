"""Channel partners as plan objects (issue 13): imported from and exported to the plan file, listed with
the deals each brought in the team's CRM data, edited by the plan's editors only."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from .helpers import page_text

pytestmark = pytest.mark.django_db

PARTNERS = """\
segments:
  - {id: partenaires, name: Partenaires VAR}
partners:
  - {id: ouest, name: Automatismes de l'Ouest, kind: var, owner: owner, status: active, recruited: 2027-01-20,
     region: Bretagne, segment: partenaires, mdf_budget: 5000}
  - {id: sud, name: Élec Industrie Sud, kind: distributor, owner: teammate, status: recruited, recruited: 2027-02-15,
     mdf_budget: 2500.5}
  - {id: nord, name: Intégrateurs du Nord, kind: integrator, owner: teammate, status: prospect}
"""


@pytest.fixture
def channel_text(demo_plan_text: str) -> str:
    """The demo plan with three partners (and a segment of its own for them)."""
    data = yaml.safe_load(demo_plan_text)
    extra = yaml.safe_load(PARTNERS)
    data["segments"] = [*data.get("segments", []), *extra["segments"]]
    data["partners"] = extra["partners"]
    return yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False)


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


@pytest.fixture
def channel_plan(owner: Any, team: Any, channel_text: str) -> Any:
    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.plans import services

    return services.plan_create_from_file(user=owner, team=team, plan=to_plan(parse_plan_file(channel_text)))


def _partners_section(text: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load(text)["partners"])


def test_partners_imported_from_a_plan_file_are_exported_the_same(
    as_owner: Client, team: Any, channel_text: str
) -> None:
    from pac.web.plans.models import Partner, Plan

    upload = SimpleUploadedFile("channel.yaml", channel_text.encode())
    response = as_owner.post(reverse("plans:import"), {"file": upload, "team": team.pk})
    assert response.status_code == 302, page_text(response)
    plan = Plan.objects.get(team=team)
    assert Partner.objects.filter(plan=plan).count() == 3
    assert Partner.objects.get(plan=plan, code="ouest").segment.code == "partenaires"

    exported = as_owner.get(reverse("plans:export", args=[plan.pk])).content.decode()

    assert _partners_section(exported) == _partners_section(channel_text)


def test_the_list_shows_each_partners_deals_from_the_crm_and_their_total(
    channel_plan: Any, team: Any, as_teammate: Client
) -> None:
    from pac.web.crm.models import Opportunity

    deals = [
        ("D1", "won", "AUTOMATISMES DE L'OUEST", "12000"),  # by name, whatever the case
        ("D2", "open", "ouest", "8000"),  # by id
        ("D3", "lost", "ouest", "3000"),
        ("D4", "won", "élec industrie sud", "20000"),  # accents folded by case only
        ("D5", "open", "Quelqu'un d'autre", "99000"),  # no such partner: not counted
        ("D6", "won", "", "50000"),  # a direct deal
    ]
    for external_id, outcome, partner, amount in deals:
        Opportunity.objects.create(
            team=team, external_id=external_id, outcome=outcome, partner=partner, amount=Decimal(amount)
        )

    response = as_teammate.get(reverse("plans:entities", args=[channel_plan.pk, "partners"]))
    text = page_text(response)

    assert response.status_code == 200
    # name, kind, manager, status (since when), MDF, won, open pipeline, deals (in French, the default)
    assert (
        "Automatismes de l'Ouest Revendeur à valeur ajoutée (VAR) owner "
        "Partenaire actif · 20 janv. 2027 5 000 € 12 000 € 8 000 € 3 " in text
    )
    assert "Élec Industrie Sud Distributeur teammate Recruté · 15 févr. 2027 2 500,50 € 20 000 € 0 € 1 " in text
    assert "Intégrateurs du Nord Intégrateur teammate Prospect 0 € 0 € 0 € 0 " in text
    assert text.rstrip().endswith(" 7 500,50 € 32 000 € 8 000 € 4")  # the total line: the lost deal counted once


def test_a_rep_reads_the_partners_and_only_the_plans_editors_change_them(
    channel_plan: Any, as_owner: Client, as_teammate: Client, as_outsider: Client
) -> None:
    from pac.web.plans.models import Partner

    listing = reverse("plans:entities", args=[channel_plan.pk, "partners"])
    new = reverse("plans:entity_new", args=[channel_plan.pk, "partners"])
    nord = Partner.objects.get(plan=channel_plan, code="nord")
    edit = reverse("plans:entity_edit", args=[channel_plan.pk, "partners", nord.pk])
    form = {
        "version": channel_plan.version,
        "code": "nord",
        "name": "Intégrateurs du Nord",
        "kind": "integrator",
        "owner": "teammate",
        "status": "recruited",
        "recruited": "2027-03-01",
        "region": "",
        "segment": "",
        "mdf_budget": "3 000",
    }

    assert as_outsider.get(listing).status_code == 404
    assert as_teammate.get(listing).status_code == 200
    assert (
        reverse("plans:entity_new", args=[channel_plan.pk, "partners"]) not in as_teammate.get(listing).content.decode()
    )
    assert as_teammate.get(new).status_code == 403
    assert as_teammate.post(edit, form).status_code == 403
    assert as_outsider.post(edit, form).status_code == 404
    nord.refresh_from_db()
    assert nord.status == "prospect"

    refused = as_owner.post(edit, {**form, "recruited": ""})
    assert refused.status_code == 200 and "Indiquez le jour où le partenaire a signé" in page_text(refused)

    assert as_owner.post(edit, form).status_code == 302
    nord.refresh_from_db()
    assert (nord.status, nord.recruited, nord.mdf_budget) == ("recruited", dt.date(2027, 3, 1), Decimal(3000))


def test_the_plan_page_links_to_its_partners(channel_plan: Any, plan: Any, as_owner: Client) -> None:
    with_partners = page_text(as_owner.get(reverse("plans:detail", args=[channel_plan.pk])))
    without = as_owner.get(reverse("plans:detail", args=[plan.pk])).content.decode()

    assert "Partenaires listés : 3 · recrutés à ce jour : 0 · budget MDF : 7 500,50 €" in with_partners
    assert (
        reverse("plans:entities", args=[channel_plan.pk, "partners"])
        in as_owner.get(reverse("plans:detail", args=[channel_plan.pk])).content.decode()
    )
    assert 'data-testid="partners-card"' not in without


def test_a_recruitment_objective_shows_on_plan_versus_actual(owner: Any, team: Any, channel_text: str) -> None:
    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.cockpit.actuals import plan_progress
    from pac.web.plans import adapters, services

    text = channel_text.replace("objectives:\n", "objectives:\n- {id: var, metric: partners, target: 4}\n", 1)
    row = services.plan_create_from_file(user=owner, team=team, plan=to_plan(parse_plan_file(text)))

    lines = {p.objective.id: p for p in plan_progress(adapters.to_engine(row), team, dt.date(2027, 2, 20))}

    assert lines["var"].actual.value == 2 and lines["var"].target == 4  # ouest and sud signed by then


def test_the_kpi_page_breaks_the_deals_down_by_partner(team: Any, as_owner: Client) -> None:
    from django.utils import timezone

    from pac.web.crm.models import Opportunity

    closed = timezone.localdate().replace(day=1)  # this month, whatever the day the test runs
    for external_id, outcome, partner, amount in [
        ("D1", "won", "Automatismes de l'Ouest", "12000"),
        ("D2", "won", "Automatismes de l'Ouest", "8000"),
        ("D3", "won", "Élec Industrie Sud", "5000"),
    ]:
        Opportunity.objects.create(
            team=team,
            external_id=external_id,
            outcome=outcome,
            partner=partner,
            amount=Decimal(amount),
            created=closed - dt.timedelta(days=30),
            closed=closed,
        )

    page = as_owner.get(reverse("cockpit:kpis"), {"by": "partner", "kpi": "revenue", "period": "month"})
    text = page_text(page)

    assert page.status_code == 200
    assert "Chiffre d’affaires signé par partenaire" in text
    # a line per partner (the month's column, then the whole range's), the biggest first
    assert "Automatismes de l'Ouest 20 000 € 20 000 € Élec Industrie Sud 5 000 € 5 000 € " in text


def test_the_plan_versus_actual_partial_shows_the_partners_recruited(owner: Any, team: Any, as_owner: Client) -> None:
    from django.utils import timezone

    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.plans import services

    today = timezone.localdate()
    start, end = today - dt.timedelta(days=60), today + dt.timedelta(days=30)
    text = (
        f"plan: {{name: Courant, start: {start}, end: {end}}}\n"
        f"objectives: [{{id: var, metric: partners, target: 4, deadline: {end}}}]\n"
        "partners:\n"
        f"  - {{id: a, name: A, status: active, recruited: {start}}}\n"
        f"  - {{id: b, name: B, status: recruited, recruited: {today}}}\n"
        f"  - {{id: c, name: C, status: recruited, recruited: {today + dt.timedelta(days=1)}}}\n"
        "  - {id: d, name: D}\n"
    )
    plan = services.plan_create_from_file(user=owner, team=team, plan=to_plan(parse_plan_file(text)))

    body = as_owner.get(reverse("cockpit:plan_progress", args=[plan.pk])).content.decode()

    row = body.split('data-objective="var"', 1)[1].split("</tr>", 1)[0]
    assert "Partenaires recrutés" in row
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert "2" in cells and "4" in cells  # two signed by today (the team has no CRM data: not needed)


def test_the_plan_page_says_when_a_partner_is_managed_from_outside_the_team(
    owner: Any, teammate: Any, team: Any, as_owner: Client, channel_text: str
) -> None:
    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.plans import services

    text = channel_text.replace("owner: teammate\n  status: prospect", "owner: zoe\n  status: prospect")
    assert "owner: zoe" in text
    plan = services.plan_create_from_file(user=owner, team=team, plan=to_plan(parse_plan_file(text)))

    page = page_text(as_owner.get(reverse("plans:detail", args=[plan.pk])))

    assert "Le partenaire « Intégrateurs du Nord » est suivi par zoe, qui n'est pas dans l'équipe" in page
    assert "« Élec Industrie Sud » est suivi par" not in page  # managed by a team member (teammate)
