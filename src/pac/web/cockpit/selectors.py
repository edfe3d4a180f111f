"""Scoped reads of the cockpit's own rows (the plan given is one the reader may see: the views got it from
``plans.selectors``)."""

from __future__ import annotations

from pac.web.cockpit.models import AlertChannel
from pac.web.plans.models import Plan


def alert_channel_of(plan: Plan) -> AlertChannel | None:
    """Where the plan's alerts are delivered, when someone set it."""
    return AlertChannel.objects.filter(plan=plan).first()
