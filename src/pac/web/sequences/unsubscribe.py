"""The one-click unsubscribe link of every sequence e-mail: ``/u/<token>/``, no login, the signed token
(team and address) is the proof.

GET shows a page with a button: mail scanners and link previews follow links, and must not unsubscribe
anyone. POST unsubscribes — the button, or the mail client's own one-click POST (RFC 8058), which has no
CSRF token: this view only is exempt. A token we did not sign is a 404, never a 500."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from pac.web.accounts.abilities import public
from pac.web.accounts.models import Team
from pac.web.sequences import services
from pac.web.sequences.models import OptOutSource
from pac.web.sequences.sender import read_unsubscribe_token


@public(post=True)
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = read_unsubscribe_token(token)
    if found is None:
        raise Http404
    team = Team.objects.filter(pk=found[0]).first()
    if team is None:
        raise Http404
    if request.method == "POST":
        services.opt_out(team, found[1], OptOutSource.LINK)
        done = True
    else:
        done = False
    response = render(request, "sequences/unsubscribe.html", {"team": team, "email": found[1], "done": done})
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leave in a Referer
    return response
