"""Downloads and subscriptions: the plan workbook (.xlsx), the plan calendar (.ics), and secret
calendar feed URLs that Outlook, Google Calendar or Thunderbird can subscribe to.

A feed URL carries its own credential (a random token), because calendar clients cannot log in;
the token can be revoked and renewed, and it stops working when its owner leaves the plan's team. Only
its hash is stored, so the URL is shown once, when it is created."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pac.engine import calendar as cal
from pac.engine.analysis import analyse
from pac.io.ical import calendar_to_ics
from pac.io.xlsx import plan_workbook
from pac.web.accounts.abilities import Ability, public, requires
from pac.web.language import language
from pac.web.plans import adapters, execution, selectors
from pac.web.plans.models import Plan
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user


def _calendar_bytes(row: Plan, person: str | None = None) -> bytes:
    plan = adapters.to_engine(row)
    start, end = cal.plan_span(plan)
    items = cal.calendar_items(plan, start, end, analyse(plan).schedule)
    name = row.name
    if person is not None:
        items = cal.for_person(items, person, include_team=True)
        name = f"{row.name} · {person}"
    return calendar_to_ics(items, plan, name=name, language=language())


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def plan_xlsx(request: HttpRequest, plan_id: int) -> HttpResponse:
    row = selectors.plan_for(current_user(request), plan_id)
    plan = adapters.to_engine(row)
    start, end = cal.plan_span(plan)
    analysis = analyse(plan)
    items = cal.calendar_items(plan, start, end, analysis.schedule)
    content = plan_workbook(plan, analysis, items, language=language())
    return _attachment(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{slugify(row.name) or 'plan'}.xlsx",
    )


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def plan_ics(request: HttpRequest, plan_id: int) -> HttpResponse:
    row = selectors.plan_for(current_user(request), plan_id)
    person = current_user(request).username if request.GET.get("mine") else None
    return _attachment(
        _calendar_bytes(row, person), "text/calendar; charset=utf-8", f"{slugify(row.name) or 'plan'}.ics"
    )


def _feeds_page(request: HttpRequest, row: Plan, created: tuple[bool, str] | None = None) -> HttpResponse:
    """The subscriptions page: which links are active (since when) and, right after one is created, its URL,
    shown this once: only its hash is kept, so neither this page later nor anyone reading the database can
    show it again."""
    active = selectors.active_feeds(current_user(request), row)
    context: dict[str, object] = {"plan": row, "team_feed": active.get(False), "my_feed": active.get(True)}
    if created is not None:
        personal, token = created
        context["my_url" if personal else "team_url"] = request.build_absolute_uri(reverse("feed", args=[token]))
    response = render(request, "plans/feeds.html", context)
    if created is not None:
        response["Cache-Control"] = "no-store"  # the secret URL is in this page: no copy in any cache
    return response


@requires(get=Ability.SUBSCRIBE_CALENDAR, scope=plan_scope)
def feeds(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _feeds_page(request, selectors.plan_for(current_user(request), plan_id))


@requires(post=Ability.SUBSCRIBE_CALENDAR, scope=plan_scope)
def feed_change(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Revoke (then back to the page), or create a new link and answer with the page showing it, once."""
    row = selectors.plan_for(current_user(request), plan_id)
    personal = request.POST.get("personal") == "1"
    if request.POST.get("do") == "revoke":
        execution.feed_revoke(user=current_user(request), plan=row, personal=personal)
        messages.success(request, _("Subscription link revoked: calendars using it stop updating."))
        return redirect("plans:feeds", plan_id=row.pk)
    _feed, token = execution.feed_renew(user=current_user(request), plan=row, personal=personal)
    messages.success(request, _("New subscription link created; any previous one no longer works."))
    return _feeds_page(request, row, created=(personal, token))


#: A feed token is 43 characters; anything much longer is not one (and is not hashed).
MAX_TOKEN_LENGTH = 200


@public
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscribable calendar: no session, the token is the credential."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise Http404
    entry = selectors.feed_for_token(token)
    response = HttpResponse(
        _calendar_bytes(entry.plan, entry.user.username if entry.personal else None),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=900"
    return response
