"""A sequence's results: per step and variant what was sent, opened (where known), replied and booked,
with the rates and the A/B verdict of ``engine.sequence_stats`` in words; why people left the sequence
and the touches skipped; what it brought to the plan's action it serves. Read by the plan's team."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pac.engine import labels
from pac.engine.formatting import Formatter
from pac.engine.model import Channel
from pac.engine.sequence_stats import Outcome, StepResults, VariantCounts
from pac.engine.sequences import ExitRule
from pac.web.accounts.abilities import Ability, can, requires
from pac.web.language import formatter
from pac.web.plans import selectors as plan_selectors
from pac.web.plans.action_list import reached_text, volume_text
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user
from pac.web.sequences import selectors, services
from pac.web.sequences.models import SequenceTemplate, TouchStatus
from pac.web.sequences.sender import REASONS

#: Why people left, as the page says it (``ExitRule`` codes, and « finished » for those who did every step).
EXIT_WORDS: dict[str, Any] = {
    ExitRule.REPLY.value: gettext_lazy("A reply"),
    ExitRule.MEETING.value: gettext_lazy("A meeting booked"),
    ExitRule.BOUNCE.value: gettext_lazy("An invalid address (bounce)"),
    ExitRule.OPT_OUT.value: gettext_lazy("An opt-out"),
    ExitRule.MANUAL.value: gettext_lazy("Stopped by hand"),
    "finished": gettext_lazy("Every step done"),
}
#: Shown for a count PAC does not track (e-mail opens).
NOT_TRACKED = "—"


def _rate(part: int, whole: int, fmt: Formatter) -> str:
    return fmt.percent(Decimal(part) / Decimal(whole), 1) if whole else NOT_TRACKED


def _variant_line(name: str, counts: VariantCounts, fmt: Formatter) -> dict[str, str]:
    return {
        "name": name or _("all contacts"),
        "sent": fmt.number(counts.sent),
        "opened": fmt.number(counts.opened) if counts.opened is not None else NOT_TRACKED,
        "replied": fmt.number(counts.replied),
        "reply_rate": _rate(counts.replied, counts.sent, fmt),
        "booked": fmt.number(counts.booked),
        "meeting_rate": _rate(counts.booked, counts.sent, fmt),
    }


def steps_table(sequence: SequenceTemplate, fmt: Formatter) -> list[dict[str, Any]]:
    """One block per step: its variants' counts and rates, the verdicts of each variant against the first
    (reply rate, then meeting rate), the touches skipped and still to do."""
    counts = selectors.variant_counts(sequence)
    statuses = selectors.step_counts(sequence)
    unsent = selectors.unsent_reasons(sequence)
    declared = [str(v["id"]) for v in sequence.variants] or [""]
    blocks = []
    for n, step in enumerate(sequence.steps, start=1):
        found = counts.get(n, {})
        names = [v for v in declared if v in found or len(declared) > 1] + [v for v in found if v not in declared]
        variants = {name: found.get(name, VariantCounts()) for name in names}
        verdicts: list[str] = []
        if len(variants) > 1:
            results = StepResults(str(n), variants)
            for outcome in (Outcome.REPLIED, Outcome.BOOKED):
                verdicts += [c.message(fmt, _) for c in results.comparisons(outcome)]
            verdicts = list(dict.fromkeys(verdicts))  # « not enough sends yet » once, not per outcome
        done = statuses.get(n, {})
        blocks.append(
            {
                "step": n,
                "channel": _(labels.CHANNEL_LABELS[Channel(step["channel"])]),
                "variants": [_variant_line(name, c, fmt) for name, c in variants.items()],
                "verdicts": verdicts,
                "skipped": fmt.number(done.get(TouchStatus.SKIPPED.value, 0)),
                "pending": fmt.number(sum(done.get(s.value, 0) for s in (TouchStatus.SCHEDULED, TouchStatus.CLAIMED))),
                "unsent": [
                    {"why": _(REASONS[code]) if code in REASONS else code, "count": fmt.number(count)}
                    for code, count in unsent.get(n, {}).items()
                ],
            }
        )
    return blocks


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def results(request: HttpRequest, plan_id: int, sequence_id: int) -> HttpResponse:
    user = current_user(request)
    plan = plan_selectors.plan_for(user, plan_id)
    sequence = selectors.sequence_in(plan, sequence_id)
    fmt = formatter(plan.currency)
    exits = selectors.exit_counts(sequence)
    action = sequence.action
    served = ""
    if action is not None:
        reached = selectors.produced_by_action([action]).get(action.pk)
        if action.expected_volume is not None and reached is not None:
            served = reached_text(reached, action.expected_volume, action.expected_stage, fmt)
        elif action.expected_volume is not None:
            served = volume_text(action.expected_volume, action.expected_stage, fmt)
    return render(
        request,
        "sequences/results.html",
        {
            "plan": plan,
            "sequence": sequence,
            "steps": steps_table(sequence, fmt),
            "exits": [(str(EXIT_WORDS[code]), fmt.number(n)) for code, n in exits.items() if code in EXIT_WORDS],
            "left": fmt.number(sum(exits.values())),
            "action": action,
            "served": served,
            "can_change": can(user, Ability.CHANGE_PLANS, plan),
            "actions": plan.actions.order_by("name") if can(user, Ability.CHANGE_PLANS, plan) else [],
        },
    )


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def sequence_action(request: HttpRequest, plan_id: int, sequence_id: int) -> HttpResponse:
    """Tie the sequence to one of the plan's actions (or to none)."""
    from django.contrib import messages

    user = current_user(request)
    plan = plan_selectors.plan_for(user, plan_id)
    sequence = selectors.sequence_in(plan, sequence_id)
    chosen = request.POST.get("action", "")
    action = plan.actions.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if chosen and action is None:
        messages.error(request, _("Choose an action of this plan."))
    else:
        try:
            services.sequence_set_action(user, sequence, action)
            messages.success(request, _("Saved."))
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
    return redirect("sequences:results", plan_id=plan.pk, sequence_id=sequence.pk)
