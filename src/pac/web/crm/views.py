"""The CRM import page: choose the team, the kind of records and the export's preset, upload; a
background task checks and imports the file while its page shows the progress, then the counts and
the validation report (downloadable as CSV)."""

from __future__ import annotations

import re
from contextlib import suppress
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pac.engine.kpis.reasons import WORDS
from pac.engine.labels import SEVERITY_LABELS
from pac.io.crm import BUILTIN_PRESETS, parse_map, parse_values
from pac.web.accounts.abilities import Ability, requires
from pac.web.accounts.models import Team, User
from pac.web.crm.jobs import (
    can_retry,
    job_confirm,
    job_queue,
    job_retry,
    jobs_interrupt_stale,
    read_progress,
    report_path,
    reusable,
)
from pac.web.crm.models import KINDS, ImportJob
from pac.web.crm.presets import preset_save, saved_presets
from pac.web.crm.selectors import import_teams, job_for, job_scope, recent_jobs
from pac.web.crm.services import can_confirm, can_import, importable_kinds
from pac.web.language import formatter
from pac.web.requests import current_user


class ImportForm(forms.Form):
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.none())
    kind = forms.ChoiceField(
        label=gettext_lazy("Records"), choices=[(k, gettext_lazy(WORDS["table"][k])) for k in KINDS]
    )
    preset = forms.ChoiceField(label=gettext_lazy("Export format"), required=False)
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))
    mapping = forms.CharField(
        label=gettext_lazy("Column mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One per line: Source column=field"),
    )
    values = forms.CharField(
        label=gettext_lazy("Value mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One per line: field:Source=value,Source=value"),
    )
    save_preset = forms.CharField(
        label=gettext_lazy("Save this format as"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("A name: next time, pick it under « Export format »"),
    )
    on_duplicate = forms.ChoiceField(
        label=gettext_lazy("Duplicate ids in the file"),
        choices=[("error", gettext_lazy("refuse the file")), ("last", gettext_lazy("keep the last row"))],
    )
    dry_run = forms.BooleanField(label=gettext_lazy("Dry run: count, write nothing"), required=False, initial=True)

    def __init__(self, *args: Any, teams: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        kinds = {kind for team in teams for kind in importable_kinds(user, team)}
        self.fields["kind"].choices = [(k, label) for k, label in self.fields["kind"].choices if k in kinds]
        self.fields["team"].queryset = teams
        if len(teams) == 1:  # the usual case: nothing to choose
            self.fields["team"].initial = teams[0]
            self.fields["team"].empty_label = None
        self.saved = {team.pk: saved_presets(team) for team in teams}
        own = sorted({name for presets in self.saved.values() for name in presets})
        self.fields["preset"].choices = [
            ("", gettext_lazy("columns named as the canonical fields")),
            *[(name, name) for name in BUILTIN_PRESETS],
            *([(_("Saved by your team"), [(name, name) for name in own])] if own else []),
        ]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.CRM_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s bytes, at most %(max)s).")
                % {"size": upload.size, "max": settings.CRM_UPLOAD_MAX_BYTES}
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["mapping_pairs"] = dict(parse_map(data.get("mapping", "").splitlines()))
            data["value_maps"] = parse_values(line for line in data.get("values", "").splitlines() if line.strip())
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        team, preset, kind = data.get("team"), data.get("preset"), data.get("kind")
        if team is not None and kind and not can_import(self.user, team, kind):
            self.add_error("kind", _("You may import only leads into the team %(team)s.") % {"team": team})
        chosen = {**BUILTIN_PRESETS, **self.saved[team.pk]}.get(preset) if team is not None and preset else None
        if team is not None and preset and chosen is None:
            self.add_error("preset", _("The team %(team)s has no preset %(name)s.") % {"team": team, "name": preset})
        elif chosen is not None and kind and chosen.kind != kind:  # the job would fail on it: said here
            self.add_error(
                "preset",
                _("The format %(name)s reads %(its)s, not %(kind)s: pick a format for %(kind)s.")
                % {"name": preset, "its": _(WORDS["table"][chosen.kind]), "kind": _(WORDS["table"][kind])},
            )
        return data


@requires(get=Ability.IMPORT_LEADS, post=Ability.IMPORT_LEADS)
def crm_import(request: HttpRequest) -> HttpResponse:
    """Upload: the file is checked and imported by a background task; the job page follows it."""
    user = current_user(request)
    teams = import_teams(user)
    if not teams.exists():
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, teams=teams, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        preset, mapping, values = data["preset"] or "", data["mapping_pairs"], data["value_maps"]
        if data["save_preset"]:
            try:
                preset = preset_save(
                    team=data["team"],
                    name=data["save_preset"],
                    kind=data["kind"],
                    base=preset or None,
                    mapping=mapping,
                    values=values,
                ).name
            except (ValueError, KeyError) as error:
                form.add_error("save_preset", str(error).strip("'\""))
        if form.is_valid():
            if data["save_preset"]:
                mapping, values = {}, {}  # now in the preset
            job = job_queue(
                user=user,
                team=data["team"],
                kind=data["kind"],
                upload=data["file"],
                preset=preset,
                mapping=mapping,
                values=values,
                on_duplicate=data["on_duplicate"],
                dry_run=data["dry_run"],
            )
            return redirect("crm:job", job_id=job.pk)
    jobs = recent_jobs(teams)
    listed = [{"job": job, "status": _status(job), "kind": _(WORDS["table"][job.kind])} for job in jobs]
    return render(request, "crm/import.html", {"form": form, "jobs": listed})


def _status(job: ImportJob) -> str:
    """A job's state as the list of imports says it: a simulation is labelled as one."""
    if job.status == ImportJob.DONE:
        return _("Simulation") if job.dry_run else _("Imported")
    return {
        ImportJob.QUEUED: _("Waiting for the worker"),
        ImportJob.CHECKING: _("Checking the file"),
        ImportJob.WRITING: _("Writing"),
        ImportJob.REFUSED: _("Refused"),
        ImportJob.FAILED: _("Failed"),
        ImportJob.HELD: _("Waiting for a confirmation"),
        ImportJob.INTERRUPTED: _("Interrupted"),
    }[job.status]


#: The tracked fields of a deal, as the summary of what an import changes names them.
FIELD_LABELS = {
    "stage": gettext_lazy("Stage"),
    "amount": gettext_lazy("Amount"),
    "expected_close": gettext_lazy("Expected close"),
    "outcome": gettext_lazy("Outcome"),
}


def problem_groups(job: ImportJob) -> list[dict[str, Any]]:
    """The problems the page shows, grouped by kind: each kind's count (all of them, shown or not), its
    first lines and how many more the report has — errors first, then by first line."""
    groups: dict[str, dict[str, Any]] = {}
    for problem in map(_problem_shown, job.problems):
        key = f"{problem['severity']}:{problem.get('code', '')}"
        group = groups.setdefault(
            key,
            {
                "severity": problem["severity"],
                "code": problem.get("code", ""),
                "title": problem.get("kind") or problem["reason"],
                "rows": [],
            },
        )
        group["rows"].append(problem)
    fmt = formatter()
    for key, group in groups.items():
        total = max(int(job.problem_codes.get(key, 0)), len(group["rows"]))
        group["total"], group["count"], group["more"] = total, fmt.number(total), fmt.number(total - len(group["rows"]))
        group["has_more"] = total > len(group["rows"])
        if total == 1:  # one row: its own words say it best
            group["title"] = group["rows"][0]["reason"]
    return sorted(groups.values(), key=lambda g: (g["severity"] != "error", g["rows"][0]["line"] is None))


#: Problems shown per page of a job (its stored problems are capped: ``jobs.SHOWN_PROBLEMS``).
PROBLEMS_PER_PAGE = 50


def problem_page(job: ImportJob, number: str | None) -> tuple[list[dict[str, Any]], Page[Any]]:
    """One page of the job's problems, ``PROBLEMS_PER_PAGE`` rows, still grouped by kind: a kind cut by a
    page break shows its title again on the next page, its « …and N more » on the page of its last row."""
    flat = [(group, row) for group in problem_groups(job) for row in group["rows"]]
    page = Paginator(flat, PROBLEMS_PER_PAGE).get_page(number)  # a page out of range: the nearest one
    shown: list[dict[str, Any]] = []
    for group, row in page.object_list:
        if not shown or shown[-1]["of"] is not group:
            shown.append({**group, "of": group, "rows": [], "continued": row is not group["rows"][0]})
        shown[-1]["rows"].append(row)
    for part in shown:
        part["has_more"] = part["has_more"] and part["rows"][-1] is part["of"]["rows"][-1]
    return shown, page


def change_lines(job: ImportJob) -> list[dict[str, str]]:
    """What an import changes in deals already there, field by field (« Amount: 842 deals, 842 set to 0 »)."""
    fmt = formatter()
    lines = []
    for name, figures in (job.changes or {}).get("fields", {}).items():
        lines.append(
            {
                "field": name,
                "label": str(FIELD_LABELS.get(name, name)),
                "changed": fmt.number(figures.get("changed", 0)),
                "zero": fmt.number(figures["zero"]) if figures.get("zero") else "",
                "cleared": fmt.number(figures["cleared"]) if figures.get("cleared") else "",
            }
        )
    return lines


def _job_for(request: HttpRequest, job_id: int) -> ImportJob:
    """The job of one of the reader's teams (404 otherwise) that they may import into (403 otherwise)."""
    user = current_user(request)
    job = job_for(user, job_id)
    if not can_import(user, job.team):
        raise PermissionDenied
    return job


def _problem_shown(problem: dict[str, Any]) -> dict[str, Any]:
    """A job's problem in the reader's language: its reason and its kind worded again from the template,
    values and vocabulary words kept since the job ran (older jobs kept only the uploader's text)."""
    reason, kind = problem.get("reason", ""), problem.get("kind")
    if "template" in problem:
        words = set(problem.get("words", ()))
        values = {k: _(str(v)) if k in words else v for k, v in problem.get("values", {}).items()}
        with suppress(KeyError, IndexError, ValueError):  # a translation naming other values: as written
            reason = _(problem["template"]).format(**values)
            kind = re.sub(r"\{[^{}]*\}", "…", _(problem["template"]))
    severity = problem.get("severity", "")
    shown = {**problem, "reason": reason, "severity_label": _(SEVERITY_LABELS.get(severity, severity))}
    if problem.get("length"):  # the value is an excerpt: « (200 000 characters) » follows it
        shown["length_shown"] = formatter().number(problem["length"])
    return {**shown, "kind": kind} if kind is not None else shown


@requires(get=Ability.IMPORT_LEADS, scope=job_scope)
def crm_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A job's progress (polled by HTMX while it runs), then its counts and problems."""
    job = _job_for(request, job_id)
    if job.status in ImportJob.RUNNING and jobs_interrupt_stale(job=job):  # its worker is gone: it says so
        job.refresh_from_db()
    fmt = formatter()
    progress = read_progress(job)
    shown = {name: fmt.number(value) for name, value in (job.counts or {}).items()}  # 12 500, not 12500
    groups, page = problem_page(job, request.GET.get("page"))
    context = {
        "job": job,
        "kind": _(WORDS["table"][job.kind]),
        "progress": progress,
        "counts": shown,
        "rows_read": fmt.number(job.rows_read),
        "rows_so_far": fmt.number(progress.get("rows", 0)),
        "groups": groups,
        "page": page,
        "changed_rows": fmt.number((job.changes or {}).get("rows", 0)),
        "change_lines": change_lines(job),
        "leads_linked": fmt.number((job.changes or {}).get("leads_linked", 0)),
        "can_confirm": reusable(job) and can_confirm(current_user(request), job),
        "can_retry": can_retry(job) and can_confirm(current_user(request), job),
    }
    template = "crm/_job.html" if getattr(request, "htmx", False) else "crm/job.html"
    status = 400 if job.status == ImportJob.REFUSED and not getattr(request, "htmx", False) else 200
    return render(request, template, context, status=status)


@requires(get=Ability.IMPORT_LEADS, scope=job_scope)
def crm_job_report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    path = report_path(job)
    if not path.exists():
        raise Http404
    response = FileResponse(path.open("rb"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-report.csv"'
    return response


@requires(post=Ability.IMPORT_LEADS, scope=job_scope)
def crm_job_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    """« Import for real »: the file of a dry run or of a held import, imported as it is, without a new
    upload — by the user who uploaded it or a manager of the team."""
    job = _job_for(request, job_id)
    user = current_user(request)
    if not can_confirm(user, job):
        raise PermissionDenied
    again = job_confirm(job, user=user)
    if again is None:  # pruned, or imported meanwhile: its page says what it is
        return redirect("crm:job", job_id=job.pk)
    return redirect("crm:job", job_id=again.pk)


@requires(post=Ability.IMPORT_LEADS, scope=job_scope)
def crm_job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """« Retry »: an interrupted import queued again with its kept file, on the same page — by the user
    who uploaded it or a manager of the team (an outsider gets 404, a teammate without the right 403)."""
    job = _job_for(request, job_id)
    if not can_confirm(current_user(request), job):
        raise PermissionDenied
    job_retry(job)  # not interrupted any more, or its file gone: the page says what it is
    return redirect("crm:job", job_id=job.pk)
