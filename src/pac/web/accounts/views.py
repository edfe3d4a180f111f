"""The people of an administrator's teams and their roles (docs/roles.md): who may do what, changed here."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pac.web.accounts import selectors, services
from pac.web.accounts.abilities import Ability, requires
from pac.web.accounts.models import ROLE_CHOICES
from pac.web.requests import current_user


@requires(get=Ability.MANAGE_USERS, post=Ability.MANAGE_USERS)
def team_people(request: HttpRequest) -> HttpResponse:
    """The list of the teams' people with a role to change on each line."""
    user = current_user(request)
    if request.method == "POST":
        asked = request.POST.get("person", "")
        person = selectors.person_of_teams(user, int(asked)) if asked.isdigit() else None
        if person is None:
            messages.error(request, _("Choose a member of your teams."))
        else:
            try:
                services.user_role_change(by=user, person=person, role=request.POST.get("role", "")[:20])
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                name = person.get_full_name() or person.username
                messages.success(
                    request, _("%(name)s is now %(role)s.") % {"name": name, "role": person.get_role_display()}
                )
        return redirect("accounts:people")
    people = [
        {"person": p, "teams": ", ".join(t.name for t in p.teams.all()), "me": p.pk == user.pk}
        for p in selectors.people_of_teams(user)
    ]
    return render(request, "accounts/people.html", {"people": people, "roles": ROLE_CHOICES, "title": _("People")})
