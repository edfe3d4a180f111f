"""What the API tests share: tokens for the owner, a teammate and an outsider, a JSON client that sends one,
and a few CRM rows of the team (and one of another team)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.test import Client


def issue(user: Any, *, write: bool = True, name: str = "test") -> str:
    from pac.web.api.services import token_create

    return token_create(user=user, name=name, write=write).secret


class Api:
    """Calls ``/api/v1`` with a bearer token, bodies as JSON."""

    def __init__(self, token: str | None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(f"/api/v1{path}", query, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(f"/api/v1{path}", json.dumps(body), "application/json", headers=self.headers)

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(f"/api/v1{path}", json.dumps(body), "application/json", headers=self.headers)


def crm_rows(team: Any, owners: tuple[str, ...] = ("owner", "teammate", "someone")) -> None:
    """Opportunities (won, lost, open) and activities over the last months, owned by ``owners`` in turn."""
    from pac.web.crm.models import Activity, Opportunity

    today = dt.date.today()
    for n in range(12):
        owner = owners[n % len(owners)]
        created = today - dt.timedelta(days=90 - n * 5)
        outcome = ("won", "lost", "open")[n % 3]
        Opportunity.objects.create(
            team=team,
            external_id=f"OPP-{n}",
            name=f"Deal {n}",
            account=f"ACC-{n % 4}",
            owner=owner,
            segment="saas-midmarket",
            stage="demo" if outcome == "open" else "",
            outcome=outcome,
            amount=Decimal(10_000 + 1_000 * n),
            currency="EUR",
            created=created,
            closed=created + dt.timedelta(days=30) if outcome != "open" else None,
        )
        Activity.objects.create(
            team=team,
            external_id=f"ACT-{n}",
            kind="meeting",
            owner=owner,
            account=f"ACC-{n % 4}",
            opportunity=f"OPP-{n}",
            scheduled=created + dt.timedelta(days=3),
            held=n % 4 != 0,
        )
