"""ORM rows → engine objects, in one place, so views never hand Django models to the engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pac.engine import model
from pac.engine.plansections import AlertsEntry
from pac.web.plans.models import Action, Contact, Plan


def _opt(enum: Any, value: str) -> Any:
    return enum(value) if value else None


def raci_to_engine(raci: dict[str, Any]) -> model.Raci | None:
    if not raci or not raci.get("A"):
        return None
    return model.Raci(tuple(raci.get("R", [])), raci["A"], tuple(raci.get("C", [])), tuple(raci.get("I", [])))


def action_to_engine(a: Action) -> model.Action:
    expected = None
    if a.expected_volume is not None:
        expected = model.ExpectedOutcome(
            a.expected_volume,
            _opt(model.Stage, a.expected_stage),
            a.expected_metric or None,
            a.expected_objective or None,
        )
    return model.Action(
        id=a.code,
        type=model.ActionType(a.type),
        name=a.name,
        start=a.start,
        end=a.end,
        owner=a.owner or None,
        role=_opt(model.Role, a.role),
        channel=_opt(model.Channel, a.channel),
        segment=a.segment.code if a.segment else None,
        accounts=tuple(sorted(acc.code for acc in a.accounts.all())),
        persona=a.persona or None,
        message=a.message,
        expected=expected,
        raci=raci_to_engine(a.raci),
        milestones=tuple(model.Milestone(m.name, m.date) for m in a.milestones.all()),
        budget=a.budget,
        hours=a.hours,
        status=model.ActionStatus(a.status),
        kpi=a.kpi or None,
        value=a.value,
        event=a.event.code if a.event else None,
    )


def _time(value: dt.time) -> dt.time:
    return value.replace(microsecond=0)


def to_engine(plan: Plan) -> model.Plan:
    return model.Plan(
        name=plan.name,
        start=plan.start,
        end=plan.end,
        currency=plan.currency,
        country=plan.country,
        objectives=tuple(
            model.Objective(
                o.code,
                model.Metric(o.metric) if o.metric else None,
                o.target,
                o.deadline,
                model.Period(o.per) if o.per else None,
                o.segment or None,
            )
            for o in plan.objectives.all()
        ),
        average_deal=plan.average_deal,
        steps=tuple(model.FunnelStep(model.Stage(s.stage), s.rate, s.days) for s in plan.stages.all()),
        weekly_weights=tuple(Decimal(str(w)) for w in plan.weekly_weights) if plan.weekly_weights else None,
        team=tuple(
            model.TeamRole(
                model.Role(r.role), r.headcount, r.hours_per_week, r.start, tuple(Decimal(f) for f in r.ramp_up)
            )
            for r in plan.roles.all()
        ),
        effort=tuple(model.Effort(model.Stage(e.stage), model.Role(e.role), e.hours) for e in plan.efforts.all()),
        fiscal_year_start=plan.fiscal_year_start,
        timezone=plan.timezone,
        budget=plan.budget,
        priority_weights=model.PriorityWeights(plan.weight_value, plan.weight_velocity, plan.weight_cost),
        alerts=AlertsEntry(**(plan.alert_thresholds or {})).to_model(),
        segments=tuple(
            model.Segment(
                s.code,
                s.name,
                {k: tuple(v) for k, v in s.criteria.items()},
                s.value_proposition,
                tuple(s.messages),
                s.potential_accounts,
                s.potential_value,
                {model.Stage(k): Decimal(str(v)) for k, v in s.rates.items()},
                s.cycle_days,
                s.acquisition_cost,
            )
            for s in plan.segments.all()
        ),
        accounts=tuple(
            model.Account(
                a.code,
                a.name,
                a.segment.code if a.segment else None,
                a.strategic,
                a.potential,
                a.icp_fit,
                a.owner or None,
                _opt(model.Stage, a.stage),
            )
            for a in plan.accounts.select_related("segment")
        ),
        contacts=tuple(
            model.Contact(
                c.code,
                c.account.code,
                c.name,
                c.persona or None,
                _opt(model.BuyingRole, c.buying_role),
                c.email or None,
            )
            for c in Contact.objects.filter(account__plan=plan).select_related("account").order_by("position", "id")
        ),
        actions=tuple(
            action_to_engine(a)
            for a in plan.actions.select_related("segment", "event").prefetch_related("accounts", "milestones")
        ),
        events=tuple(
            model.Event(e.code, e.name, model.EventKind(e.kind), e.start, e.end, tuple(e.campaigns), e.location or None)
            for e in plan.events.all()
        ),
        rituals=tuple(
            model.Ritual(r.code, r.name, r.rrule, _time(r.time), r.minutes, r.owner or None, tuple(r.attendees))
            for r in plan.rituals.all()
        ),
        deadlines=tuple(
            model.Deadline(d.code, d.name, d.date, d.rrule or None, d.owner or None) for d in plan.deadlines.all()
        ),
        raci=tuple(
            model.GovernanceRaci(g.activity, r)
            for g in plan.governance.all()
            if (r := raci_to_engine(g.raci)) is not None
        ),
        partners=tuple(
            model.Partner(
                p.code,
                p.name,
                model.PartnerKind(p.kind),
                p.owner or None,
                model.PartnerStatus(p.status),
                p.recruited,
                p.region or None,
                p.segment.code if p.segment else None,
                p.mdf_budget,
            )
            for p in plan.partners.select_related("segment")
        ),
    )
