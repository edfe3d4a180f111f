"""``pac meeting minutes | decide``: a ritual's meeting written from the command line as its web page does,
through the governance services (``plans.governance``): the meeting opened first if it was not (its agenda
frozen from the cockpit now), the minutes under compare-and-set on the meeting's version, a decision into the
plan's decision log, linked to the meeting. The plan's editors only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from pac.cli.acting import AsUser, PlanId, acting_user, refusals_said, visible_plan
from pac.cli.terminal import JsonFlag, _, fail, out, print_json

RitualArg = Annotated[str, typer.Argument(help=_("The ritual: its number or its code (as in the plan file)."))]
DayArg = Annotated[str, typer.Argument(help=_("The meeting's day (YYYY-MM-DD), one the ritual takes place on."))]


def _meeting(user: Any, plan_id: int, ritual_ref: str, day_text: str) -> tuple[Any, Any]:
    """The plan and its ritual's meeting on that day, opened now if it was not (as the web's « Open »):
    an editor only; an unknown ritual or a day it does not take place on: exit 2."""
    from django.utils import timezone

    from pac.web.cockpit.agenda import build_agenda
    from pac.web.plans import governance, selectors

    plan = visible_plan(user, plan_id)
    try:
        day = dt.date.fromisoformat(day_text)
    except ValueError:
        raise fail(_("DAY: an ISO date (YYYY-MM-DD), not {value}.").format(value=day_text)) from None
    rituals = plan.rituals.all()
    ritual = (
        rituals.filter(pk=int(ritual_ref)).first() if ritual_ref.isdigit() else rituals.filter(code=ritual_ref).first()
    )
    if ritual is None:
        raise fail(_("Plan {plan} has no ritual {ritual}.").format(plan=plan.pk, ritual=ritual_ref))
    if not selectors.can_edit(user, plan):
        raise fail(_("You may not change this plan."))
    if not governance.is_occurrence(ritual, plan, day):
        raise fail(_("{ritual} does not take place on {day}.").format(ritual=ritual.name, day=day.isoformat()))
    meeting = ritual.meetings.filter(date=day).first()
    if meeting is None:
        with refusals_said():
            meeting = governance.meeting_open(
                user=user, plan=plan, ritual=ritual, day=day, agenda=build_agenda(plan, timezone.localdate())
            )
    return plan, meeting


def meeting_minutes(
    plan_id: PlanId,
    ritual: RitualArg,
    day: DayArg,
    acting: AsUser,
    base_version: Annotated[
        int,
        typer.Option("--base-version", help=_("The meeting's version you read (0 for a meeting not opened yet).")),
    ],
    file: Annotated[
        Path | None, typer.Option("--file", dir_okay=False, help=_("Read the minutes from this text file."))
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help=_("The minutes."))] = None,
    present: Annotated[
        list[str] | None,
        typer.Option("--present", help=_("Who was there (username, repeat it); kept as they were when left out.")),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Save a meeting's minutes (opening the meeting first if needed); refused when someone saved them since
    --base-version (read them again and add your text)."""
    from pac.web.plans import governance

    if (file is None) == (text is None):
        raise fail(_("Give the minutes with --file or --text (one of them)."))
    if file is not None:
        try:
            if file.stat().st_size > 4 * governance.MAX_MINUTES:
                raise fail(_("Minutes hold at most {count} characters.").format(count=governance.MAX_MINUTES))
            minutes = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as problem:
            raise fail(_("Cannot read {path}: {problem}").format(path=file, problem=problem)) from None
    else:
        minutes = text or ""
    user = acting_user(acting)
    plan, meeting = _meeting(user, plan_id, ritual, day)
    try:
        with refusals_said():
            saved = governance.meeting_minutes_save(
                user=user,
                plan=plan,
                meeting=meeting,
                expected_version=base_version,
                minutes=minutes,
                present=list(meeting.present) if present is None else present[:500],
            )
    except governance.MeetingConflict:
        raise fail(
            _(
                "The minutes are at version {version}, you read version {base}: someone saved them meanwhile. "
                "Read them again and add your text."
            ).format(version=meeting.version, base=base_version)
        ) from None
    if as_json:
        print_json({"meeting": saved.pk, "day": saved.date.isoformat(), "version": saved.version})
        return
    out.print(
        _("Minutes saved; the meeting is now at version {version}.").format(version=saved.version),
        markup=False,
        highlight=False,
    )


def meeting_decide(
    plan_id: PlanId,
    ritual: RitualArg,
    day: DayArg,
    acting: AsUser,
    text: Annotated[str, typer.Option("--text", help=_("What was decided."))],
    reason: Annotated[str, typer.Option("--reason", help=_("Why (kept in the decision log)."))] = "",
    as_json: JsonFlag = False,
) -> None:
    """Record a decision taken in a meeting (opening it first if needed): into the plan's decision log,
    linked to the meeting."""
    from pac.web.plans import governance

    user = acting_user(acting)
    plan, meeting = _meeting(user, plan_id, ritual, day)
    with refusals_said():
        decision = governance.meeting_decision_record(
            user=user, plan=plan, meeting=meeting, decision=text[:5000], reason=reason[:5000]
        )
    if as_json:
        print_json({"id": decision.pk, "meeting": meeting.pk, "decision": decision.params["decision"]})
        return
    out.print(_("Decision recorded in the decision log."), markup=False, highlight=False)
