"""Downloads and subscriptions: the plan workbook (.xlsx), the plan calendar (.ics), and secret
calendar feed URLs that Outlook, Google Calendar or Thunderbird can subscribe to.

A feed URL carries its own credential (a random token), because calendar clients cannot log in;
the token can be revoked and renewed, and it stops working when its owner leaves the plan's team."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
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


@requires(get=Ability.SUBSCRIBE_CALENDAR, scope=plan_scope)
def feeds(request: HttpRequest, plan_id: int) -> HttpResponse:
    row = selectors.plan_for(current_user(request), plan_id)
    active = selectors.active_feeds(current_user(request), row)
    urls = {
        personal: request.build_absolute_uri(reverse("feed", args=[feed.token])) for personal, feed in active.items()
    }
    return render(request, "plans/feeds.html", {"plan": row, "team_url": urls.get(False), "my_url": urls.get(True)})


@requires(post=Ability.SUBSCRIBE_CALENDAR, scope=plan_scope)
def feed_change(request: HttpRequest, plan_id: int) -> HttpResponse:
    row = selectors.plan_for(current_user(request), plan_id)
    personal = request.POST.get("personal") == "1"
    if request.POST.get("do") == "revoke":
        execution.feed_revoke(user=current_user(request), plan=row, personal=personal)
        messages.success(request, _("Subscription link revoked: calendars using it stop updating."))
    else:
        execution.feed_renew(user=current_user(request), plan=row, personal=personal)
        messages.success(request, _("New subscription link created; any previous one no longer works."))
    return redirect("plans:feeds", plan_id=row.pk)


@public
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscribable calendar: no session, the token is the credential."""
    entry = selectors.feed_for_token(token)
    response = HttpResponse(
        _calendar_bytes(entry.plan, entry.user.username if entry.personal else None),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=900"
    return response
