"""A team with a bit of everything (the example plan, CRM rows, a forecast, a decision, an alert set aside),
and another team's rows that must never leak into it: what the data-protection tests export, erase, back up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.web.conftest import PASSWORD

FORMULA = '=HYPERLINK("http://evil.example","clic")'


def load_team_data(team: Any, manager: Any, other_team: Any, plan_text: str) -> dict[str, Any]:
    """Rows in every kind of table of ``team``; ``alex`` (Alex Martin) is a rep named in plans and CRM."""
    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.accounts.services import user_create
    from pac.web.cockpit.models import AlertChannel, AlertState, ForecastAdjustment, ForecastSubmission
    from pac.web.crm.models import (
        Activity,
        CrmAccount,
        CrmContact,
        ImportJob,
        Lead,
        Opportunity,
        OpportunityChange,
    )
    from pac.web.plans import services
    from pac.web.plans.models import Contact, Decision

    alex = user_create(username="alex", password=PASSWORD, role="ae", team_name=team.name, email="alex@ventes.fr")
    alex.first_name, alex.last_name = "Alex", "Martin"
    alex.save()
    plan = services.plan_create_from_file(user=manager, team=team, plan=to_plan(parse_plan_file(plan_text)))
    action = plan.actions.first()
    Decision.objects.create(
        plan=plan, action=action, include=True, reason="Alex Martin la porte, avec alex@ventes.fr", decided_by=manager
    )
    contact = Contact.objects.filter(account__plan=plan).first()
    contact.email = "helene.garnier@clinique.fr"
    contact.save()
    period = {"plan": plan, "period_start": plan.start, "period_end": plan.end}
    ForecastSubmission.objects.create(
        **period, submitted_by=alex, commit=Decimal(50000), best_case=Decimal(80000), pipeline=Decimal(120000)
    )
    ForecastAdjustment.objects.create(
        **period, rep=alex, category="commit", amount=Decimal(45000), by=manager, reason="Alex est optimiste"
    )
    AlertState.objects.create(plan=plan, key="pace:revenue", status="snoozed", until=plan.end, by=manager)
    AlertChannel.objects.create(plan=plan, emails="direction@ventes.fr\nalex@ventes.fr")
    owners = ["Alex Martin", "alex", "Sami Benali", "ALEX@VENTES.FR"]
    for n in range(40):
        Opportunity.objects.create(
            team=team,
            external_id=f"OPP-{n}",
            name=FORMULA if n == 0 else f"Affaire {n}",
            account=f"ACC-{n % 5}",
            owner=owners[n % len(owners)],
            stage="won" if n % 3 == 0 else "proposal",
            outcome="won" if n % 3 == 0 else "open",
            amount=Decimal(1000 + n * 250) / 2 if n % 7 else None,
            currency="EUR",
            created=dt.date(2026, 1, 1) + dt.timedelta(days=n),
            closed=dt.date(2026, 3, 1) + dt.timedelta(days=n) if n % 3 == 0 else None,
        )
    for n in range(5):
        CrmAccount.objects.create(team=team, external_id=f"ACC-{n}", name=f"Compte {n}", owner=owners[n % 4])
    CrmContact.objects.create(
        team=team, external_id="CT-1", account="ACC-0", name="Hélène Garnier", email="helene.garnier@clinique.fr"
    )
    CrmContact.objects.create(team=team, external_id="CT-2", account="ACC-1", name="Marc Petit", email="m@petit.fr")
    Lead.objects.create(team=team, external_id="L-1", owner="alex", created=dt.date(2026, 1, 5), channel="-1 salon")
    Activity.objects.create(team=team, external_id="A-1", kind="call", owner="Alex Martin", held=True)
    OpportunityChange.objects.create(
        team=team, opportunity="OPP-1", field="owner", old="Alex Martin", new="Sami", recorded=dt.datetime.now(dt.UTC)
    )
    ImportJob.objects.create(
        team=team,
        user=manager,
        kind="opportunities",
        file_name="semaine.csv",
        stored_path="/nowhere/semaine.csv",
        status="refused",
        problems=[{"line": 3, "column": "owner", "value": "Alex Martin", "reason": "« Alex Martin » inconnu"}],
    )
    for n in range(7):  # another team's deals, owned by its own Alex: never exported, never erased
        Opportunity.objects.create(
            team=other_team, external_id=f"X-{n}", owner="Alex Martin", outcome="open", amount=Decimal(10)
        )
    return {"alex": alex, "plan": plan, "contact": contact}
