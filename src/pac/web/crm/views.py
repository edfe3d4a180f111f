"""The CRM import page: choose the team, the kind of records and the export's preset, upload, read
the validation report, import (or only count, with "dry run"); the report downloads as CSV."""

from __future__ import annotations

import io
import tempfile
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pac.io.crm import BUILTIN_PRESETS, parse_map, parse_values, write_report_csv
from pac.web.accounts.models import Team
from pac.web.crm.importing import import_file
from pac.web.crm.models import KINDS
from pac.web.crm.services import can_import
from pac.web.plans.requests import current_user

SHOWN_PROBLEMS = 200


class ImportForm(forms.Form):
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("Records"), choices=[(k, k) for k in KINDS])
    preset = forms.ChoiceField(label=gettext_lazy("Export format"), required=False)
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))
    mapping = forms.CharField(label=gettext_lazy("Column mapping"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=gettext_lazy("One per line: Source column=field"))
    values = forms.CharField(label=gettext_lazy("Value mapping"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=gettext_lazy("One per line: field:Source=value,Source=value"))
    on_duplicate = forms.ChoiceField(label=gettext_lazy("Duplicate ids in the file"), choices=[
        ("error", gettext_lazy("refuse the file")), ("last", gettext_lazy("keep the last row"))])
    dry_run = forms.BooleanField(label=gettext_lazy("Dry run: count, write nothing"), required=False, initial=True)
    report_csv = forms.BooleanField(label=gettext_lazy("Download the report as CSV"), required=False)

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["preset"].choices = [("", gettext_lazy("columns named as the canonical fields")),
                                         *[(name, name) for name in BUILTIN_PRESETS]]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.CRM_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (%(size)s bytes, at most %(max)s).") % {
                "size": upload.size, "max": settings.CRM_UPLOAD_MAX_BYTES})
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["mapping_pairs"] = dict(parse_map(data.get("mapping", "").splitlines()))
            data["value_maps"] = parse_values(line for line in data.get("values", "").splitlines() if line.strip())
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return data


@login_required
@require_http_methods(["GET", "POST"])
def crm_import(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    teams = Team.objects.filter(pk__in=[t.pk for t in user.teams.all() if can_import(user, t)])
    if not teams.exists():
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, teams=teams)
    outcome = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
            for piece in upload.chunks():
                spool.write(piece)
            spool.seek(0)
            outcome = import_file(user=user, team=data["team"], kind=data["kind"], source=spool,  # type: ignore[arg-type]
                                  preset=data["preset"] or None, mapping=data["mapping_pairs"],
                                  values=data["value_maps"], on_duplicate=data["on_duplicate"],
                                  dry_run=data["dry_run"], name=upload.name)
        if data["report_csv"]:
            text = io.StringIO()
            write_report_csv(outcome.report, text)
            response = HttpResponse(text.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="import-report.csv"'
            return response
    problems = list(outcome.report.problems)[:SHOWN_PROBLEMS] if outcome else []
    return render(request, "crm/import.html", {
        "form": form, "outcome": outcome, "problems": problems,
        "more": (len(list(outcome.report.problems)) - len(problems)) if outcome else 0},
        status=400 if outcome and not outcome.report.ok else 200)
