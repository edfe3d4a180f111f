"""« Données de l'équipe »: a team's managers and administrators download everything of the team; its
administrators erase a person or a contact on request, after a confirmation page that counts what the
erasure will change. An outsider gets a 404 (they learn nothing of the team), a rep a 403."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pac.web.accounts.abilities import Ability, can, requires
from pac.web.accounts.models import Team, User
from pac.web.privacy.erasure import can_erase, erase_contact, erase_person
from pac.web.privacy.export import TeamExport, table_counts
from pac.web.privacy.models import Erasure
from pac.web.privacy.tables import LABELS
from pac.web.requests import current_user

#: The erasures listed on the page.
LOG_LINES = 20


def can_export(user: User, team: Team) -> bool:
    """Everything of a team leaves with its export: its managers and administrators only."""
    return user.is_active and can(user, Ability.EXPORT_TEAM_DATA, team)


def team_scope(user: User, kwargs: Mapping[str, Any]) -> Team:
    """The team of a URL with a ``team_id`` if the user is in it; 404 otherwise (``abilities.requires``)."""
    team = user.teams.filter(pk=int(kwargs["team_id"])).first()
    if team is None:
        raise Http404
    return team


def team_of(user: User, team_id: int) -> Team:
    """The team if the user is in it (404 otherwise) and may export its data (403 otherwise)."""
    team = team_scope(user, {"team_id": team_id})
    if not can_export(user, team):
        raise PermissionDenied
    return team


class _Request(forms.Form):
    requested_by = forms.ChoiceField(label=gettext_lazy("Request from"), choices=Erasure.REQUESTED_BY_CHOICES)
    request_ref = forms.CharField(
        label=gettext_lazy("Request reference"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("A ticket or letter number, not a name."),
    )


class PersonForm(_Request):
    username = forms.ChoiceField(label=gettext_lazy("Person"))

    def __init__(self, *args: Any, team: Team, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = team.members.filter(is_active=True).exclude(pk=user.pk).order_by("username")
        self.fields["username"].choices = [(p.username, p.get_full_name() or p.username) for p in people]
        self.order_fields(["username"])


class ContactForm(_Request):
    contact = forms.CharField(
        label=gettext_lazy("Contact's e-mail or id"),
        max_length=300,
        help_text=gettext_lazy("The CRM contact's id, a plan contact's id, or their e-mail address."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["contact"])


@requires(get=Ability.EXPORT_TEAM_DATA)
def home(request: HttpRequest) -> HttpResponse:
    """The data page of the user's first team whose data they may export."""
    user = current_user(request)
    team = next((t for t in user.teams.all() if can_export(user, t)), None)
    if team is None:
        raise PermissionDenied
    return redirect("privacy:team_data", team.pk)


@requires(get=Ability.EXPORT_TEAM_DATA, scope=team_scope)
def team_data(request: HttpRequest, team_id: int) -> HttpResponse:
    user = current_user(request)
    team = team_of(user, team_id)
    return render(request, "privacy/team_data.html", _page(request, team, user))


def _page(request: HttpRequest, team: Team, user: User, **forms_: Any) -> dict[str, Any]:
    erasing = can_erase(user, team)
    return {
        "team": team,
        "teams": [t for t in user.teams.all() if can_export(user, t)],
        "counts": _labelled(table_counts(team)),
        "can_erase": erasing,
        "person_form": forms_.get("person_form") or (PersonForm(team=team, user=user) if erasing else None),
        "contact_form": forms_.get("contact_form") or (ContactForm() if erasing else None),
        "erasures": Erasure.objects.filter(team=team).select_related("done_by")[:LOG_LINES],
    }


@requires(get=Ability.EXPORT_TEAM_DATA, scope=team_scope)
def team_export(request: HttpRequest, team_id: int) -> StreamingHttpResponse:
    """The zip, sent while it is written (its first bytes leave before the big tables are read)."""
    team = team_of(current_user(request), team_id)
    name = f"pac-{slugify(team.name) or 'team'}-{timezone.localdate().isoformat()}.zip"
    response = StreamingHttpResponse(TeamExport(team), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(post=Ability.ERASE_PERSONAL_DATA, scope=team_scope)
def erase_person_view(request: HttpRequest, team_id: int) -> HttpResponse:
    user = current_user(request)
    team = _erasing_team(user, team_id)
    form = PersonForm(request.POST, team=team, user=user)
    if not form.is_valid():
        return render(request, "privacy/team_data.html", _page(request, team, user, person_form=form), status=400)
    data = form.cleaned_data
    person = team.members.get(username=data["username"])

    def erase() -> Erasure:
        return erase_person(
            username=data["username"],
            done_by=user,
            requested_by=data["requested_by"],
            request_ref=data["request_ref"],
            team=team,
        )

    return _confirmed(request, team, user, erase, form, person.get_full_name() or person.username, "person_form")


@requires(post=Ability.ERASE_PERSONAL_DATA, scope=team_scope)
def erase_contact_view(request: HttpRequest, team_id: int) -> HttpResponse:
    user = current_user(request)
    team = _erasing_team(user, team_id)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/team_data.html", _page(request, team, user, contact_form=form), status=400)
    data = form.cleaned_data

    def erase() -> Erasure:
        return erase_contact(
            team=team,
            contact=data["contact"],
            done_by=user,
            requested_by=data["requested_by"],
            request_ref=data["request_ref"],
        )

    return _confirmed(request, team, user, erase, form, data["contact"], "contact_form")


def _erasing_team(user: User, team_id: int) -> Team:
    team = team_of(user, team_id)
    if not can_erase(user, team):
        raise PermissionDenied
    return team


def _confirmed(
    request: HttpRequest, team: Team, user: User, erase: Any, form: forms.Form, who: str, form_key: str
) -> HttpResponse:
    """Without ``confirm``: the erasure is run and rolled back, and the page says what it would change (the
    counts are the real run's). With it: done, logged, and back to the team's page."""
    try:
        if request.POST.get("confirm") == "yes":
            erasure = erase()
            messages.success(
                request,
                _("Erased: %(rows)s rows changed (erasure no. %(number)s).")
                % {"rows": erasure.rows, "number": erasure.pk},
            )
            return redirect(reverse("privacy:team_data", args=[team.pk]))
        with transaction.atomic():
            preview = erase()
            transaction.set_rollback(True)
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, "privacy/team_data.html", _page(request, team, user, **{form_key: form}), status=400)
    return render(
        request,
        "privacy/confirm.html",
        {
            "team": team,
            "who": who,
            "kind": preview.get_kind_display(),
            "counts": sorted(_labelled(preview.counts)),
            "rows": preview.rows,
            "posted": [(k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "confirm")],
            "action": request.path,
        },
    )


def _labelled(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Table → rows as the reader reads them: the table's name in their language."""
    return [(_(LABELS[name]) if name in LABELS else name, rows) for name, rows in counts.items()]
