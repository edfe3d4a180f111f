"""The « API tokens » page: a person's own tokens — create one (its secret shown on this page once, never
again), see each by its prefix, name, scope and last use, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pac.web.accounts.abilities import Ability, requires
from pac.web.api import selectors, services
from pac.web.api.services import NAME_MAX
from pac.web.requests import current_user


@requires(get=Ability.USE_API, post=Ability.USE_API)
def tokens(request: HttpRequest) -> HttpResponse:
    """The list, and the creation form; a created token's secret comes back in this answer only."""
    user = current_user(request)
    issued = None
    errors: list[str] = []
    name = ""
    if request.method == "POST":
        name = request.POST.get("name", "")[: NAME_MAX * 2]
        try:
            issued = services.token_create(user=user, name=name, write=request.POST.get("scope") == "write")
        except ValidationError as error:
            errors = list(error.messages)
    response = render(
        request,
        "api/tokens.html",
        {
            "tokens": selectors.tokens_of(user),
            "issued": issued,
            "errors": errors,
            "name": name if errors else "",
            "name_max": NAME_MAX,
            "title": _("API tokens"),
        },
        status=400 if errors else 200,
    )
    response["Cache-Control"] = "no-store"  # the page may carry a secret
    return response


@requires(post=Ability.USE_API)
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.tokens_of(current_user(request)).filter(pk=pk).first()
    if token is None:
        raise Http404
    services.token_revoke(token=token)
    messages.success(request, _("Token %(prefix)s revoked: calls made with it are refused.") % {"prefix": token.prefix})
    return redirect("apitokens:list")
