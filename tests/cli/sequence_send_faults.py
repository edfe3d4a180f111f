"""The other side of the sending crash test (``test_sequence_send_faults``): in a data folder set up by
``import_faults.py setup`` (a manager, a team, a plan), enrol contacts in a one-e-mail sequence, and read
the touches' states — from a separate process, as the workers are.

``python tests/cli/sequence_send_faults.py enrol PLAN N|state``: each prints one JSON line."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pac.web.settings")
import django

django.setup()


def enrol(plan_id: int, count: int) -> dict[str, Any]:
    """``count`` contacts in one account each, enrolled two weeks ago in a sequence whose only step is an
    e-mail: every touch is due today."""
    from pac.web.accounts.models import User
    from pac.web.plans.models import Account, Contact, Plan
    from pac.web.sequences import services
    from pac.web.sequences.models import TouchCapacity

    plan = Plan.objects.get(pk=plan_id)
    manager = User.objects.get(username="manager")
    # the example plan's own touch capacity would spread the touches over days to come: the setting's
    # (PAC_SEQUENCE_DAILY_CAPACITY) applies instead, so that every touch is due today
    TouchCapacity.objects.filter(plan=plan).delete()
    for n in range(count):
        account = Account.objects.create(plan=plan, code=f"crash-{n}", name=f"Compte {n}", owner="manager")
        Contact.objects.create(account=account, code=f"p{n}", name=f"Prénom{n} Nom", email=f"p{n}@client.example")
    sequence = services.sequence_save(
        manager,
        plan,
        code="crash",
        name="Un e-mail",
        steps=[{"offset": 0, "channel": "email"}],
        templates=[{"step": 1, "subject": "Bonjour {{ contact.first_name }}", "body": "Pour {{ account.name }}."}],
    )
    start = dt.date.today() - dt.timedelta(days=14)
    result = services.enrol(
        manager, plan, sequence, accounts=[f"crash-{n}" for n in range(count)], start=start, today=start
    )
    return {"enrolled": len(result.enrolled)}


def state() -> dict[str, Any]:
    from django.db.models import Count

    from pac.web.sequences.models import Enrolment, Touch

    touches = Touch.objects.filter(enrolment__sequence__code="crash")
    enrolments = Enrolment.objects.filter(sequence__code="crash")
    return {
        "enrolments": dict(enrolments.values_list("status").annotate(n=Count("pk")).values_list("status", "n")),
        "statuses": dict(touches.values_list("status").annotate(n=Count("pk")).values_list("status", "n")),
        "outcomes": dict(touches.values_list("outcome").annotate(n=Count("pk")).values_list("outcome", "n")),
        "ids": sorted(touches.values_list("pk", flat=True)),
        "attempts": sorted(touches.values_list("attempts", flat=True)),
    }


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    result = {"enrol": lambda: enrol(int(args[0]), int(args[1])), "state": state}[command]()
    print(json.dumps(result))
