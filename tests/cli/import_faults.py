"""The other side of the fault tests (``test_import_faults``): one PAC data folder (its own SQLite file, or
the PostgreSQL database of ``DATABASE_URL``) driven from separate processes, as a team would — the worker
in its own process, the plan editor here, through Django's test client.

``python tests/cli/import_faults.py setup|queue|edit|state|retry …``: each prints one JSON line."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pac.web.settings")
import django

django.setup()

from django.core.files import File  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

EXAMPLE_PLAN = Path(__file__).resolve().parents[2] / "src" / "pac" / "engine" / "examples" / "saas-midmarket.yaml"


def setup() -> dict[str, Any]:
    """Tables, a manager in a team, a plan under way."""
    from django.core.management import call_command

    from pac.engine.planfile import parse_plan_file, to_plan
    from pac.web.accounts.services import user_create
    from pac.web.plans import services

    call_command("migrate", verbosity=0)
    user = user_create(username="manager", password="a-long-fault-password-42", role="manager", team_name="Ventes")
    team = user.teams.get()
    plan = services.plan_create_from_file(
        user=user, team=team, plan=to_plan(parse_plan_file(EXAMPLE_PLAN.read_text(encoding="utf-8")))
    )
    return {"user": user.pk, "team": team.pk, "plan": plan.pk}


def queue(csv: str, dry_run: bool) -> dict[str, Any]:
    """The upload, as the import page queues it."""
    from pac.web.accounts.models import User
    from pac.web.crm.jobs import job_queue

    user = User.objects.get(username="manager")
    with open(csv, "rb") as stream:
        job = job_queue(
            user=user,
            team=user.teams.get(),
            kind="opportunities",
            upload=File(stream, name="export.csv"),  # type: ignore[arg-type]
            preset="",
            mapping={},
            values={},
            on_duplicate="error",
            dry_run=dry_run,
        )
    return {"job": job.pk}


def _client() -> Client:
    from pac.web.accounts.models import User

    client = Client(HTTP_HOST="localhost", raise_request_exception=False)  # a 500 is counted, not raised
    client.force_login(User.objects.get(username="manager"))
    return client


def edit(plan_id: int, job_id: int, bound: float) -> dict[str, Any]:
    """Rename the plan again and again while the job runs (``bound`` seconds at most): each edit's status
    and how long it took, and the job's status seen before each edit."""
    from pac.web.crm.models import ImportJob
    from pac.web.plans.models import Plan

    client = _client()

    def rename(name: str) -> int:
        plan = Plan.objects.get(pk=plan_id)
        data = {
            "version": plan.version,
            "name": name,
            "start": plan.start.isoformat(),
            "end": plan.end.isoformat(),
            "currency": plan.currency,
            "country": plan.country,
        }
        return client.post(reverse("plans:edit", args=[plan_id]), data).status_code

    rename("warm-up")  # the first request of a process loads the app's code: not what is measured
    edits: list[dict[str, Any]] = []
    began = time.monotonic()
    while time.monotonic() - began < bound:
        status = ImportJob.objects.values_list("status", flat=True).get(pk=job_id)
        if status in ImportJob.FINISHED:
            break
        asked = time.monotonic()
        code = rename(f"Plan {len(edits)}")
        edits.append({"job": status, "code": code, "seconds": time.monotonic() - asked})
        time.sleep(0.1)
    saved = Plan.objects.get(pk=plan_id).name
    return {"edits": edits, "name": saved}


def state(job_id: int) -> dict[str, Any]:
    from pac.web.crm.jobs import progress_path
    from pac.web.crm.models import ImportJob, Opportunity

    job = ImportJob.objects.get(pk=job_id)
    amounts = {o.external_id: str(o.amount) for o in Opportunity.objects.filter(external_id__in=["OPP-1", "OPP-2"])}
    return {
        "status": job.status,
        "counts": job.counts,
        "rows": Opportunity.objects.count(),
        "amounts": amounts,
        "upload_kept": Path(job.stored_path).exists(),
        "progress_kept": progress_path(job).exists(),
        "heartbeat": job.heartbeat_at.isoformat() if job.heartbeat_at else None,
    }


def page(job_id: int) -> dict[str, Any]:
    """The job's page, as its polling asks for it."""
    response = _client().get(reverse("crm:job", args=[job_id]), HTTP_HX_REQUEST="true")
    return {"code": response.status_code, "html": response.content.decode()}


def retry(job_id: int) -> dict[str, Any]:
    response = _client().post(reverse("crm:job_retry", args=[job_id]))
    return {"code": response.status_code}


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    result = {
        "setup": lambda: setup(),
        "queue": lambda: queue(args[0], dry_run=len(args) > 1 and args[1] == "dry"),
        "edit": lambda: edit(int(args[0]), int(args[1]), float(args[2])),
        "state": lambda: state(int(args[0])),
        "page": lambda: page(int(args[0])),
        "retry": lambda: retry(int(args[0])),
    }[command]()
    print(json.dumps(result))
