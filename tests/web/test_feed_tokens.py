"""Calendar feed tokens hashed at rest: the database holds no working feed URL, the URL is shown once when
created, a revoked or renewed one stops working, and the URLs handed out before the change keep working."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _create(client: Client, plan: Any, personal: str = "0") -> tuple[Any, str]:
    page = client.post(reverse("plans:feed_change", args=[plan.pk]), {"personal": personal, "do": "renew"})
    found = re.search(r'value="https?://[^/"]+/feeds/([A-Za-z0-9_-]+)\.ics"', page.content.decode())
    assert page.status_code == 200 and found
    return page, found.group(1)


def test_the_database_holds_no_secret_only_its_hash(plan: Any, as_owner: Client) -> None:
    from pac.web.plans.models import CalendarFeed

    _page, token = _create(as_owner, plan)
    everything = io.StringIO()
    call_command("dumpdata", stdout=everything)  # every table, the sessions and messages among them
    assert token not in everything.getvalue()
    assert CalendarFeed.objects.get(revoked_at=None).token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_the_link_is_shown_once_then_the_page_says_it_is_active(plan: Any, as_owner: Client) -> None:
    page, token = _create(as_owner, plan)
    assert page["Cache-Control"] == "no-store"
    assert 'data-testid="team-feed-new"' in page.content.decode()
    later = as_owner.get(reverse("plans:feeds", args=[plan.pk])).content.decode()
    assert token not in later
    assert 'data-testid="team-feed-active"' in later and 'value="renew"' in later
    assert 'data-testid="my-feed-active"' not in later  # the personal link was never created


def test_a_renewed_or_revoked_link_stops_working(plan: Any, as_owner: Client) -> None:
    _page, first = _create(as_owner, plan)
    assert Client().get(reverse("feed", args=[first])).status_code == 200
    _page, second = _create(as_owner, plan)
    assert Client().get(reverse("feed", args=[first])).status_code == 404
    assert Client().get(reverse("feed", args=[second])).status_code == 200
    as_owner.post(reverse("plans:feed_change", args=[plan.pk]), {"personal": "0", "do": "revoke"})
    assert Client().get(reverse("feed", args=[second])).status_code == 404


def test_a_made_up_or_oversized_token_is_not_found(plan: Any, as_owner: Client) -> None:
    from pac.web.plans.models import CalendarFeed

    _create(as_owner, plan)
    stored = CalendarFeed.objects.get().token_hash
    assert Client().get(reverse("feed", args=[stored])).status_code == 404  # the hash is not the key
    assert Client().get(reverse("feed", args=["x" * 5000])).status_code == 404


def test_only_the_plans_team_may_create_a_link(plan: Any, as_outsider: Client) -> None:
    response = as_outsider.post(reverse("plans:feed_change", args=[plan.pk]), {"personal": "0", "do": "renew"})
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_link_handed_out_before_the_change_keeps_working_after_the_migration(owner: Any, plan: Any) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("plans", "0009_meeting_history")], [("plans", "0010_feed_token_hash")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("plans", "CalendarFeed")
    token = "an-old-token-pasted-into-outlook-in-2026-aBcD"
    old.objects.create(plan_id=plan.pk, user_id=owner.pk, personal=False, token=token)
    old.objects.create(
        plan_id=plan.pk,
        user_id=owner.pk,
        personal=True,
        token="a-revoked-one",
        revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    # and every app back to its latest state (going back unapplied the apps built on later plans migrations)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Client().get(reverse("feed", args=[token])).status_code == 200
    assert Client().get(reverse("feed", args=["a-revoked-one"])).status_code == 404
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM plans_calendarfeed")
        rows = repr(cursor.fetchall())
    assert token not in rows and hashlib.sha256(token.encode()).hexdigest() in rows
