"""ORM rows → engine objects, in one place, so views never hand Django models to the engine."""

from __future__ import annotations

from decimal import Decimal

from pac.engine import model
from pac.web.plans.models import Plan


def to_engine(plan: Plan) -> model.Plan:
    return model.Plan(
        name=plan.name, start=plan.start, end=plan.end, currency=plan.currency, country=plan.country,
        objectives=tuple(
            model.Objective(o.code, model.Metric(o.metric) if o.metric else None, o.target, o.deadline,
                            model.Period(o.per) if o.per else None, o.segment or None)
            for o in plan.objectives.all()
        ),
        average_deal=plan.average_deal,
        steps=tuple(model.FunnelStep(model.Stage(s.stage), s.rate, s.days) for s in plan.stages.all()),
        weekly_weights=tuple(Decimal(str(w)) for w in plan.weekly_weights) if plan.weekly_weights else None,
        team=tuple(model.TeamRole(model.Role(r.role), r.headcount, r.hours_per_week) for r in plan.roles.all()),
        effort=tuple(model.Effort(model.Stage(e.stage), model.Role(e.role), e.hours)
                     for e in plan.efforts.all()),
    )
