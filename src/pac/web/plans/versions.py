"""Versions of a plan: every saved change keeps the plan file as it then stood, numbered like the plan's
``version``; a baseline is chosen; any two versions compare object by object, in words.

Why snapshots rather than the history tables: a version is the whole plan at one moment, what a manager
re-plans from and compares with, and the plan file is its complete, portable form (``pac plan diff`` reads
the same). The snapshot is taken when the change commits (``on_commit``), so it holds the plan as saved,
never a half-written one; a rolled-back change leaves no version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from pac.engine import plandiff
from pac.engine.planfile import PlanFileError, dump_plan, parse_plan_file, to_plan
from pac.web.accounts.models import User
from pac.web.plans.filesections import plan_for_file
from pac.web.plans.models import Plan, PlanVersion
from pac.web.plans.recorded import current_user
from pac.web.plans.selectors import can_edit

#: Versions kept per plan: past it the oldest (never the baseline) are let go.
KEEP = 500


def snapshot_on_commit(plan: Plan) -> None:
    """Keep the plan as it will stand once the current transaction commits, as version ``plan.version``,
    by whoever the change is recorded as."""
    author = current_user()
    plan_id = plan.pk
    transaction.on_commit(lambda: snapshot(plan_id, author))


def snapshot(plan_id: int, author: Any = None) -> PlanVersion | None:
    """Store the plan's current state as its current version number (None when that number is already
    kept, e.g. two changes in one transaction, or the plan is gone)."""
    plan = Plan.objects.filter(pk=plan_id).select_related("owner", "team").first()
    if plan is None or PlanVersion.objects.filter(plan=plan, number=plan.version).exists():
        return None
    content = dump_plan(plan_for_file(plan))  # the sections other apps keep (sequences) included
    try:
        with transaction.atomic():
            version = PlanVersion.objects.create(
                plan=plan, number=plan.version, content=content, author=author if author and author.pk else None
            )
    except IntegrityError:  # another request kept this number meanwhile
        return None
    old = PlanVersion.objects.filter(plan=plan, baseline=False).order_by("-number").values_list("pk", flat=True)
    stale = list(old[KEEP:])
    if stale:
        PlanVersion.objects.filter(pk__in=stale).delete()
    return version


@transaction.atomic
def baseline_set(*, user: User, plan: Plan, number: int) -> PlanVersion:
    """Make version ``number`` the plan's baseline (one at a time)."""
    if not can_edit(user, plan):
        raise PermissionDenied(_("You may not change this plan."))
    version = PlanVersion.objects.select_for_update().filter(plan=plan, number=number).first()
    if version is None:
        raise Http404
    PlanVersion.objects.filter(plan=plan, baseline=True).exclude(pk=version.pk).update(baseline=False)
    if not version.baseline:
        version.baseline = True
        version.save(update_fields=["baseline"])
    return version


def changes_between(old: PlanVersion, new: PlanVersion) -> list[plandiff.Change]:
    """What changed from ``old`` to ``new``, object by object; a version whose plan file no longer reads
    (saved under rules since tightened) is refused with its number (``ValidationError``)."""
    if old.pk == new.pk:  # a version against itself: nothing to read
        return []
    before, after = _as_plan(old), _as_plan(new)
    for version, found in ((old, before), (new, after)):
        if found is None:
            raise ValidationError(
                _("Version %(number)s was saved as a plan file that no longer reads: it cannot be compared.")
                % {"number": version.number}
            )
    return plandiff.diff_plans(before, after)


def author_name(version: PlanVersion) -> str:
    """Who saved the version, as people are named (the command line when nobody was signed in)."""
    if version.author is None:
        return _("command line")
    return version.author.get_full_name() or version.author.username


@dataclass(frozen=True)
class Listed:
    """A version as listed: what it changed since the version kept before it — None for the oldest kept,
    or when either plan file no longer reads (``unreadable``: saved under rules since tightened)."""

    version: PlanVersion
    changes: list[plandiff.Change] | None
    unreadable: bool = False


def _as_plan(version: PlanVersion) -> Any:
    try:
        return to_plan(parse_plan_file(version.content, f"v{version.number}"))
    except PlanFileError:
        return None


def with_changes(plan: Plan, rows: Sequence[PlanVersion]) -> list[Listed]:
    """Each of ``rows`` (a run of the plan's versions, as listed) with what changed since the version kept
    before it. Each plan file is read once."""
    if not rows:
        return []
    oldest = min(v.number for v in rows)
    before = plan.versions.filter(number__lt=oldest).order_by("-number").first()
    chain = sorted([*rows, *([before] if before is not None else [])], key=lambda v: v.number)
    read = {v.number: _as_plan(v) for v in chain}
    previous = {new.number: old.number for old, new in pairwise(chain)}
    listed = []
    for version in rows:
        if version.number not in previous:
            listed.append(Listed(version, None, read[version.number] is None))
            continue
        old, new = read[previous[version.number]], read[version.number]
        if old is None or new is None:
            listed.append(Listed(version, None, True))
        else:
            listed.append(Listed(version, plandiff.diff_plans(old, new)))
    return listed


def version_pair(plan: Plan, old: int | None, new: int | None) -> tuple[PlanVersion, PlanVersion]:
    """Versions ``old`` and ``new`` of the plan; either left out: the baseline (else the version before the
    latest) and the latest, as the « Versions » page compares by default. 404 for a number not kept, or
    when fewer than two versions are."""
    if old is None or new is None:
        kept = list(plan.versions.values_list("number", flat=True)[:2])
        if len(kept) < 2:
            raise Http404
        baseline = plan.versions.filter(baseline=True).values_list("number", flat=True).first()
        old = old if old is not None else baseline if baseline is not None else kept[1]
        new = new if new is not None else kept[0]
    found = {v.number: v for v in plan.versions.filter(number__in=(old, new)).select_related("author")}
    if old not in found or new not in found:
        raise Http404
    return found[old], found[new]
