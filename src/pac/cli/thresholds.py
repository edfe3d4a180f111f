"""``pac plan thresholds``: a plan's alert thresholds as the cockpit's form shows and saves them (the same
five, rates in per cent), through the same service (``plans.services.plan_alert_thresholds_save``: checked
as the plan file's ``alerts`` section, all or nothing, under the plan's compare-and-set). The others are
the plan file's (``pac plan export | apply``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer
from rich.table import Table

from pac.cli.acting import AsUser, PlanId, acting_user, refusals_said, visible_plan
from pac.cli.terminal import JsonFlag, _, fail, out, print_json


def _shown(plan: Any) -> dict[str, str]:
    """The five thresholds as the form shows them (rates in per cent), in plain notation."""
    from pac.web.plans import adapters

    found = adapters.to_engine(plan).alerts
    return {
        "min_probability": str(round(found.min_probability * 100)),
        "pace_behind": str(round(found.pace_behind * 100)),
        "stalled_factor": f"{found.stalled_factor.normalize():f}",
        "slip_days": str(found.slip_days),
        "history_gap": f"{(found.history_gap * 100).normalize():f}",  # 20, not 2E+1
    }


def _typed(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs as the service takes them: per-cent fields turned into fractions, as the form does."""
    from pac.web.cockpit.views import PERCENT_FIELDS, THRESHOLD_FIELDS

    values: dict[str, str] = {}
    for pair in pairs[: len(THRESHOLD_FIELDS) * 2]:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or key not in THRESHOLD_FIELDS:
            raise fail(
                _("--set: KEY=VALUE with KEY one of {keys}, not {pair}.").format(
                    keys=", ".join(THRESHOLD_FIELDS), pair=pair
                )
            )
        typed = raw.strip().replace(",", ".").replace("%", "")[:20]
        try:
            number = Decimal(typed)
        except InvalidOperation:
            raise fail(_("--set {key}: a number, not {value}.").format(key=key, value=raw)) from None
        if not number.is_finite():
            raise fail(_("--set {key}: a number, not {value}.").format(key=key, value=raw))
        values[key] = str(number / 100) if key in PERCENT_FIELDS else str(number)
    return values


def thresholds_command(
    plan_id: PlanId,
    acting: AsUser,
    set_values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help=_(
                "Change one (repeat it): min_probability, pace_behind, history_gap in per cent; stalled_factor "
                "(times the median); slip_days (days)."
            ),
        ),
    ] = None,
    base_version: Annotated[
        int | None,
        typer.Option("--base-version", help=_("The plan's version you read (needed with --set; shown here).")),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The plan's alert thresholds as the cockpit's form shows them; with --set, changed as that form does
    (the plan's editors; refused when the plan changed since --base-version)."""
    user = acting_user(acting)
    from pac.web.plans import services
    from pac.web.plans.versioning import PlanConflict

    plan = visible_plan(user, plan_id)
    if set_values:
        if base_version is None:
            raise fail(
                _("--set needs --base-version: the plan's version you read (pac plan thresholds {id}).").format(
                    id=plan.pk
                )
            )
        values = _typed(set_values)
        try:
            with refusals_said():
                services.plan_alert_thresholds_save(user=user, plan=plan, expected_version=base_version, values=values)
        except PlanConflict:
            raise fail(
                _("Plan {id} is at version {version}, you read version {base}: someone changed it meanwhile.").format(
                    id=plan.pk, version=plan.version, base=base_version
                )
            ) from None
        plan.refresh_from_db()
    shown = _shown(plan)
    if as_json:
        print_json({"plan": plan.pk, "version": plan.version, "thresholds": shown})
        return
    units = {"min_probability": "%", "pace_behind": "%", "history_gap": "%", "stalled_factor": "×", "slip_days": ""}
    table = Table(
        title=_("Alert thresholds of {plan} (version {version})").format(plan=plan.name, version=plan.version)
    )
    for header in (_("Threshold"), _("Key"), _("Value")):
        table.add_column(header)
    for key, value in shown.items():
        table.add_row(str(services.THRESHOLD_LABELS[key]), key, f"{value} {units[key]}".strip())
    out.print(table)
