"""``pac decisions``, ``pac meeting agenda``, ``pac alerts list | dismiss``: a plan's governance from the
command line — the decision log, a ritual's agenda as the cockpit would build it, and the alerts still open
(set aside as the cockpit's « Acknowledge » and « Snooze » do, logged as decisions)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from pac.cli.acting import AsUser, PlanId, acting_user, person_name, refusals_said, visible_plan
from pac.cli.terminal import JsonFlag, _, fail, out, print_json

meeting_app = typer.Typer(
    help=_("A plan's rituals: a meeting's agenda, its minutes and its decisions."), no_args_is_help=True
)
TodayOption = Annotated[str | None, typer.Option("--date", help=_("The day (YYYY-MM-DD; default: today)."))]


def _day(value: str | None) -> dt.date:
    from django.utils import timezone

    if value is None:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(_("--date: an ISO date (YYYY-MM-DD), not {value}.").format(value=value)) from None


def decisions_command(
    plan_id: PlanId,
    acting: AsUser,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help=_("Only this kind: priority, lever, alert, forecast, meeting or scenario.")),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The plan's decision log, the latest first: who decided what, when, and why."""
    user = acting_user(acting)
    from django.utils import timezone

    from pac.web.language import formatter
    from pac.web.plans import selectors
    from pac.web.plans.decision_log import KIND_LABELS, kind_label, worded_change

    if kind is not None and kind not in KIND_LABELS:
        raise fail(_("--kind: one of {kinds}, not {value}.").format(kinds=", ".join(KIND_LABELS), value=kind))
    plan = visible_plan(user, plan_id)
    fmt = formatter(plan.currency)
    rows = [
        (d, worded_change(d.change, d.params, fmt, plan.currency)) for d in selectors.decisions_of(plan, kind or "")
    ]
    if as_json:
        print_json(
            [
                {
                    "id": d.pk,
                    "when": d.decided_at.isoformat(),
                    "kind": d.kind,
                    "change": d.change,
                    "what": what,
                    "why": d.reason,
                    "by": d.decided_by.get_username(),
                    "meeting": d.meeting.date.isoformat() if d.meeting else None,
                }
                for d, what in rows
            ]
        )
        return
    if not rows:
        out.print(_("No decision recorded yet."))
        return
    table = Table(title=_("Decision log"))
    for header in (_("When"), _("Kind"), _("Who"), _("What"), _("Why")):
        table.add_column(header)
    for d, what in rows:
        moment = timezone.localtime(d.decided_at)
        table.add_row(
            f"{fmt.date(moment.date())} {moment:%H:%M}",
            kind_label(d.kind),
            person_name(d.decided_by),
            what,
            d.reason or "—",
        )
    out.print(table)


@meeting_app.command("agenda")
def meeting_agenda(plan_id: PlanId, acting: AsUser, day: TodayOption = None, as_json: JsonFlag = False) -> None:
    """The agenda a ritual's meeting would get if opened that day: gaps against the targets, open alerts,
    deals to inspect, decisions pending (the team's figures: managers, executives, marketing)."""
    user = acting_user(acting)
    from pac.web.accounts.abilities import Ability, can
    from pac.web.cockpit.agenda import build_agenda, shown_agenda

    plan = visible_plan(user, plan_id)
    if not can(user, Ability.READ_TEAM_FIGURES, plan):
        raise fail(_("The agenda shows the whole team's figures: {name} may not read them.").format(name=user.username))
    shown = shown_agenda(build_agenda(plan, _day(day)), plan.currency)
    if as_json:
        print_json(shown)
        return
    out.print(f"[bold]{_('Agenda')}[/bold] · {plan.name} · {shown['as_of']}", highlight=False)
    if shown["no_data"]:
        out.print(_("No CRM data imported yet: the figures will come with the first import."))
    sections: list[tuple[str, list[str]]] = [
        (_("Gaps against the targets"), [g["text"] for g in shown["gaps"]]),
        (_("Alerts"), [f"{a['severity_label']} · {a['text']}" for a in shown["alerts"]]),
        (
            _("Deals to inspect"),
            [
                f"{d['name']} ({d['owner']}, {d['stage']}, {d['amount']}, {d['age']}): {d['why']}"
                for d in shown["deals"]
            ],
        ),
        (_("Corrective levers to decide"), list(shown["levers"])),
        (_("Actions still proposed"), [f"{p['name']} ({p['owner'] or '—'}, {p['start']})" for p in shown["proposed"]]),
    ]
    for title, lines in sections:
        out.print(f"\n[bold]{title}[/bold]", highlight=False)
        if not lines:
            out.print("—")
        for line in lines:
            out.print(f"• {line}", markup=False, highlight=False)


def _open_alerts(user: Any, plan: Any, today: dt.date) -> list[Any]:
    """The alerts the cockpit shows ``user`` today (a rep: about their own deals), less those set aside."""
    from pac.web.accounts.abilities import Ability, abilities_of
    from pac.web.cockpit.landing import landing_figures
    from pac.web.cockpit.services import open_alerts

    figures = landing_figures(
        plan,
        manager=Ability.READ_TEAM_FIGURES in abilities_of(user),
        username=user.username,
        owner="",
        segment="",
        today=today,
    )
    return open_alerts(plan, list(figures.steering.alerts), today) if figures.steering else []


def alerts_list(plan_id: PlanId, acting: AsUser, day: TodayOption = None, as_json: JsonFlag = False) -> None:
    """The plan's alerts still open, as the cockpit shows them to the user, each with its key (to dismiss it)."""
    user = acting_user(acting)
    from django.utils.translation import gettext

    from pac.engine.labels import SEVERITY_LABELS
    from pac.web.language import formatter

    plan = visible_plan(user, plan_id)
    alerts = _open_alerts(user, plan, _day(day))
    fmt = formatter(plan.currency)
    if as_json:
        print_json(
            [
                {"key": a.key, "code": a.code, "severity": a.severity.value, "message": a.message(fmt, gettext)}
                for a in alerts
            ]
        )
        return
    if not alerts:
        out.print(_("No open alert."))
        return
    table = Table(title=_("Alerts"))
    for header in (_("Severity"), _("Alert"), _("Key")):
        table.add_column(header)
    for a in alerts:
        table.add_row(_(SEVERITY_LABELS[a.severity]), a.message(fmt, gettext), a.key)
    out.print(table)


def alerts_dismiss(
    plan_id: PlanId,
    key: Annotated[str, typer.Argument(help=_("The alert's key (pac alerts list shows it)."))],
    acting: AsUser,
    days: Annotated[
        int | None, typer.Option("--days", help=_("Snooze it for this many days (1 to 90) instead of for good."))
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help=_("Why (kept in the decision log)."))] = "",
    day: TodayOption = None,
) -> None:
    """Set an alert aside (acknowledged until its situation changes, or snoozed --days days), logged in the
    decision log; managers only."""
    user = acting_user(acting)
    from django.utils.translation import gettext

    from pac.web.cockpit.services import alert_set_aside
    from pac.web.language import formatter
    from pac.web.plans import selectors
    from pac.web.plans.decision_log import in_each_language

    plan = visible_plan(user, plan_id)
    today = _day(day)
    if not selectors.can_edit(user, plan):
        raise fail(_("You may not change this plan."))
    found = next((a for a in _open_alerts(user, plan, today) if a.key == key), None)
    if found is None:
        raise fail(_("No open alert {key} on plan {id}: pac alerts list shows them.").format(key=key, id=plan.pk))
    with refusals_said():
        alert_set_aside(
            user=user,
            plan=plan,
            key=key,
            days=days,
            today=today,
            alert=in_each_language(lambda: found.message(formatter(plan.currency), gettext)),
            reason=reason[:2000],
        )
    out.print(
        _("Alert {key} set aside.").format(key=key)
        if days is None
        else _("Alert {key} snoozed for {days} days.").format(key=key, days=days),
        markup=False,
        highlight=False,
    )
