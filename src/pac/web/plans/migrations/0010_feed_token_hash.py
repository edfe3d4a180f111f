"""Calendar feed tokens kept as their SHA-256 only: each existing token is hashed in place, so the URLs
already pasted into calendars keep working, and the database no longer holds a working URL.

Going back cannot recover a token from its hash: the feeds active then are revoked (their owners renew)."""

import hashlib

from django.db import migrations, models
from django.utils import timezone


def hash_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("plans", "CalendarFeed")
    for feed in CalendarFeed.objects.all().only("pk", "token"):
        feed.token_hash = hashlib.sha256(feed.token.encode("utf-8")).hexdigest()
        feed.save(update_fields=["token_hash"])


def revoke_hashed_feeds(apps, schema_editor):
    CalendarFeed = apps.get_model("plans", "CalendarFeed")
    CalendarFeed.objects.filter(revoked_at=None).update(revoked_at=timezone.now())
    for feed in CalendarFeed.objects.all().only("pk", "token_hash"):
        feed.token = f"revoked-{feed.token_hash[:40]}"  # unique, and never a token that was handed out
        feed.save(update_fields=["token"])


class Migration(migrations.Migration):

    dependencies = [
        ("plans", "0009_meeting_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token",
            field=models.CharField(max_length=64, null=True, unique=True),
        ),
        migrations.RunPython(hash_tokens, revoke_hashed_feeds),
        migrations.RemoveField(
            model_name="calendarfeed",
            name="token",
        ),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(max_length=64, unique=True),
        ),
    ]
