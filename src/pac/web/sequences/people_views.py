"""Who is in a sequence, one person at a time, and the team's opt-outs.

« Inscrits »: a sequence's enrolments, 100 a page: contact, account, owner, status, variant, why they left
(the results page's words), the contact's legal basis and the source of their data; the plan's editors pause,
resume or stop one person and record that legal basis and source. « Désinscriptions »: the opt-outs of the
plan's team, newest first; editors add one address by hand or import a file of them (all or nothing).
Writes go through ``services``; the plan's readers see both pages, outsiders get a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pac.web.accounts.abilities import Ability, can, requires
from pac.web.language import formatter
from pac.web.plans import selectors as plan_selectors
from pac.web.plans.models import Plan
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user
from pac.web.sequences import selectors, services
from pac.web.sequences.models import RUNNING, EnrolmentStatus, LegalBasis, OptOutSource
from pac.web.sequences.optout_file import MAX_BYTES, MAX_LINES, MAX_SHOWN, read_opt_out_file
from pac.web.sequences.results_views import EXIT_WORDS

PER_PAGE = 100


def _page_number(request: HttpRequest) -> str:
    return request.GET.get("page") or request.POST.get("page") or "1"


def _back(url: str, page: str) -> HttpResponse:
    return redirect(f"{url}?page={page}" if page.isdigit() and page != "1" else url)


# --- « Inscrits » ------------------------------------------------------------------------------


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def people(request: HttpRequest, plan_id: int, sequence_id: int) -> HttpResponse:
    user = current_user(request)
    plan = plan_selectors.plan_for(user, plan_id)
    sequence = selectors.sequence_in(plan, sequence_id)
    page = Paginator(selectors.enrolments_of(sequence), PER_PAGE).get_page(_page_number(request))
    rows = list(page.object_list)
    names = selectors.people_names(plan, sorted({e.owner for e in rows}))
    consents = selectors.consents_of(e.contact_id for e in rows)
    fmt = formatter(plan.currency)
    lines = []
    for e in rows:
        consent = consents.get(e.contact_id)
        basis = consent.legal_basis if consent else LegalBasis.LEGITIMATE_INTEREST.value
        left = ""
        if e.status == EnrolmentStatus.FINISHED:
            left = str(EXIT_WORDS["finished"])
        elif e.status == EnrolmentStatus.STOPPED:
            left = str(EXIT_WORDS.get(e.stop_reason or "manual", e.stop_reason))
        lines.append(
            {
                "enrolment": e,
                "owner": names.get(e.owner, e.owner),
                "status": e.get_status_display(),
                "left": left,
                "running": e.status in RUNNING,
                "basis": basis,
                "basis_words": LegalBasis(basis).label,
                "data_source": consent.data_source if consent else "",
            }
        )
    return render(
        request,
        "sequences/people.html",
        {
            "plan": plan,
            "sequence": sequence,
            "lines": lines,
            "page": page,
            "count": fmt.number(page.paginator.count),
            "bases": LegalBasis.choices,
            "can_change": can(user, Ability.CHANGE_PLANS, plan),
        },
    )


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def person(request: HttpRequest, plan_id: int, sequence_id: int, enrolment_id: int) -> HttpResponse:
    """Pause, resume or stop one person, or record their contact's legal basis and data source."""
    user = current_user(request)
    plan = plan_selectors.plan_for(user, plan_id)
    sequence = selectors.sequence_in(plan, sequence_id)
    enrolment = selectors.enrolment_in(sequence, enrolment_id)
    contact = enrolment.contact
    what = request.POST.get("do", "")
    if what == "pause":
        services.pause(user, enrolment=enrolment)
        messages.success(request, _("« %(name)s » is paused: their touches wait.") % {"name": contact.name})
    elif what == "resume":
        services.resume(user, enrolment=enrolment)
        messages.success(
            request, _("« %(name)s » resumed: their touches are scheduled again.") % {"name": contact.name}
        )
    elif what == "stop":
        services.stop(user, enrolment=enrolment)
        messages.success(request, _("« %(name)s » left the sequence.") % {"name": contact.name})
    elif what == "consent":
        try:
            services.consent_set(
                user,
                contact,
                legal_basis=request.POST.get("legal_basis", ""),
                data_source=request.POST.get("data_source", ""),
            )
            messages.success(request, _("Legal basis of « %(name)s » saved.") % {"name": contact.name})
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
    else:
        messages.error(request, _("Unknown request."))
    return _back(reverse("sequences:people", args=[plan.pk, sequence.pk]), _page_number(request))


# --- « Désinscriptions » -----------------------------------------------------------------------


def _opt_outs_page(request: HttpRequest, plan: Plan, refusal: dict[str, Any] | None = None) -> HttpResponse:
    user = current_user(request)
    fmt = formatter(plan.currency)
    page = Paginator(selectors.opt_outs_of(plan), PER_PAGE).get_page(_page_number(request))
    sources = dict(OptOutSource.choices)
    lines = [
        {
            "email": o.email,
            "date": fmt.date(timezone.localtime(o.date).date()),
            "source": sources.get(o.source, o.source),
        }
        for o in page.object_list
    ]
    return render(
        request,
        "sequences/opt_outs.html",
        {
            "plan": plan,
            "lines": lines,
            "page": page,
            "count": fmt.number(page.paginator.count),
            "can_change": can(user, Ability.CHANGE_PLANS, plan),
            "refusal": refusal,
            "max_size": _("1 MB"),
            "max_lines": fmt.number(MAX_LINES),
        },
        status=400 if refusal else 200,
    )


def _import(request: HttpRequest, plan: Plan) -> HttpResponse:
    user = current_user(request)
    fmt = formatter(plan.currency)
    upload = request.FILES.get("file")
    if upload is None:
        return _opt_outs_page(request, plan, {"reason": _("Choose a file of addresses.")})
    if upload.size is None or upload.size > MAX_BYTES:
        return _opt_outs_page(request, plan, {"reason": _("The file is larger than 1 MB: nothing was recorded.")})
    found = read_opt_out_file(upload.read(MAX_BYTES + 1))
    if found.too_many_lines:
        reason = _("The file has more than %(max)s lines: nothing was recorded.") % {"max": fmt.number(MAX_LINES)}
        return _opt_outs_page(request, plan, {"reason": reason})
    if found.bad:
        reason = ngettext(
            "%(count)s line is not an e-mail address: the file is refused and nothing was recorded.",
            "%(count)s lines are not e-mail addresses: the file is refused and nothing was recorded.",
            len(found.bad),
        ) % {"count": fmt.number(len(found.bad))}
        shown = [
            _("Line %(line)s: « %(value)s »") % {"line": fmt.number(line), "value": value}
            for line, value in found.bad[:MAX_SHOWN]
        ]
        more = len(found.bad) - len(shown)
        return _opt_outs_page(
            request,
            plan,
            {"reason": reason, "lines": shown, "more": fmt.number(more) if more > 0 else ""},
        )
    if not found.addresses:
        return _opt_outs_page(request, plan, {"reason": _("The file holds no address.")})
    done = services.opt_outs_record(user, plan, found.addresses, OptOutSource.IMPORT)
    messages.success(
        request,
        _("Addresses read: %(read)s · new opt-outs: %(new)s · running enrolments stopped: %(stopped)s.")
        % {"read": fmt.number(len(found.addresses)), "new": fmt.number(done.new), "stopped": fmt.number(done.stopped)},
    )
    return redirect("sequences:opt_outs", plan_id=plan.pk)


@requires(get=Ability.READ_PLANS, post=Ability.CHANGE_PLANS, scope=plan_scope)
def opt_outs(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = current_user(request)
    plan = plan_selectors.plan_for(user, plan_id)
    if request.method != "POST":
        return _opt_outs_page(request, plan)
    if request.POST.get("do") == "import":
        return _import(request, plan)
    if request.POST.get("do") != "add":
        messages.error(request, _("Unknown request."))
        return redirect("sequences:opt_outs", plan_id=plan.pk)
    try:
        address = request.POST.get("email", "").strip()
        validate_email(address)
        stopped = services.opt_out(plan.team, address, OptOutSource.MANUAL)
    except ValidationError as invalid:
        return _opt_outs_page(request, plan, {"reason": " ".join(invalid.messages)})
    messages.success(
        request,
        ngettext(
            "Opt-out recorded; %(count)s running enrolment stopped.",
            "Opt-out recorded; %(count)s running enrolments stopped.",
            stopped,
        )
        % {"count": formatter(plan.currency).number(stopped)},
    )
    return redirect("sequences:opt_outs", plan_id=plan.pk)
