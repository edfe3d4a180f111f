"""``pac plan list | show | history``: the plans a user may see, one plan's key figures (objectives, the
funnel's volumes, diagnostics) and its history (who changed what, when) — the web's plan list, plan page
and « Historique », read through the same selectors as the acting user (``--as``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from pac.cli.acting import AsUser, PlanId, acting_user, person_name, visible_plan
from pac.cli.terminal import JsonFlag, _, cli_language, fail, out, print_json, writable, write_out
from pac.engine.formatting import Formatter
from pac.engine.labels import METRIC_LABELS, PERIOD_LABELS, SEVERITY_LABELS
from pac.engine.model import Metric

if TYPE_CHECKING:
    from pac.engine import model

#: The most history entries a terminal shows (the CSV has them all).
HISTORY_SHOWN = 200


def _target_text(objective: model.Objective, fmt: Formatter) -> str:
    """An objective's target as people write it: money, a rate, a count."""
    if objective.target is None:
        return "—"
    if objective.metric in (Metric.REVENUE, Metric.AVERAGE_DEAL):
        return fmt.money(objective.target)
    if objective.metric is Metric.WIN_RATE:
        return fmt.percent(objective.target)
    if objective.per is not None:  # « 30 par semaine »
        return f"{fmt.number(objective.target)} {_(PERIOD_LABELS[objective.per])}"
    return fmt.number(objective.target)


def _metric_text(metric: Metric | None) -> str:
    return _(METRIC_LABELS[metric]) if metric is not None else "—"


def _headline(objectives: Any) -> Any:
    """The objective a list shows: the revenue target, else the first."""
    found = list(objectives)
    return next((o for o in found if o.metric is Metric.REVENUE), found[0] if found else None)


def plan_list(
    acting: AsUser,
    team: Annotated[str | None, typer.Option("--team", help=_("Only this team's plans (its name)."))] = None,
    as_json: JsonFlag = False,
) -> None:
    """The plans the user may see (their teams'), with their dates, main target and version."""
    user = acting_user(acting)
    from pac.web.plans import adapters, selectors

    rows = selectors.plans_visible_to(user).prefetch_related("objectives").order_by("start", "pk")
    if team is not None:
        if not selectors.teams_of(user).filter(name=team).exists():
            raise fail(_("{name} is in no team named {team}.").format(name=user.username, team=team))
        rows = rows.filter(team__name=team)
    plans = [(row, adapters.to_engine(row)) for row in rows]
    if as_json:
        print_json(
            [
                {
                    "id": row.pk,
                    "name": row.name,
                    "team": row.team.name,
                    "owner": row.owner.username,
                    "start": row.start.isoformat(),
                    "end": row.end.isoformat(),
                    "currency": row.currency,
                    "version": row.version,
                    "target": _target_json(_headline(plan.objectives)),
                }
                for row, plan in plans
            ]
        )
        return
    if not plans:
        out.print(_("No plan to show."))
        return
    table = Table(title=_("Plans"))
    for header in (_("No."), _("Plan"), _("Team"), _("Dates"), _("Target"), _("Owner"), _("Version")):
        table.add_column(header, justify="right" if header in (_("No."), _("Version")) else "left")
    for row, plan in plans:
        fmt = Formatter(cli_language(), row.currency)
        headline = _headline(plan.objectives)
        target = f"{_metric_text(headline.metric)} {_target_text(headline, fmt)}" if headline else "—"
        table.add_row(
            str(row.pk),
            row.name,
            row.team.name,
            f"{fmt.date(row.start)} – {fmt.date(row.end)}",
            target,
            person_name(row.owner),
            fmt.number(row.version, 0),
        )
    out.print(table)


def _target_json(objective: Any) -> dict[str, Any] | None:
    if objective is None:
        return None
    return {
        "objective": objective.id,
        "metric": objective.metric.value if objective.metric else None,
        "target": float(objective.target) if objective.target is not None else None,
        "deadline": objective.deadline.isoformat() if objective.deadline else None,
    }


def plan_show(plan_id: PlanId, acting: AsUser, as_json: JsonFlag = False) -> None:
    """A plan's key figures: its objectives, the funnel's volumes (reverse funnel) and its diagnostics."""
    user = acting_user(acting)
    from pac.cli.render import stage_label
    from pac.engine.analysis import analyse, to_json
    from pac.web.plans import adapters

    row = visible_plan(user, plan_id)
    plan = adapters.to_engine(row)
    analysis = analyse(plan)
    fmt = Formatter(cli_language(), plan.currency)
    if as_json:
        document = to_json(analysis, Formatter("en", plan.currency))
        print_json(
            {
                "id": row.pk,
                "name": row.name,
                "team": row.team.name,
                "owner": row.owner.username,
                "version": row.version,
                "scenario_of": row.scenario_of_id,
                "start": row.start.isoformat(),
                "end": row.end.isoformat(),
                "currency": row.currency,
                "objectives": [_target_json(o) for o in plan.objectives],
                "funnel": document["stages"],
                "lead_time_days": document["lead_time_days"],
                "capacity": document["capacity"],
                "diagnostics": document["diagnostics"],
            }
        )
        return
    which = _("plan {id}, version {version}").format(id=row.pk, version=row.version)
    out.print(f"[bold]{row.name}[/bold] ({which})", highlight=False)
    out.print(
        f"{row.team.name} · {person_name(row.owner)} · {fmt.date(row.start)} – {fmt.date(row.end)}",
        markup=False,
        highlight=False,
    )
    table = Table(title=_("Objectives"))
    for header in (_("Objective"), _("Metric"), _("Target"), _("Deadline")):
        table.add_column(header)
    for o in plan.objectives:
        table.add_row(o.id, _metric_text(o.metric), _target_text(o, fmt), fmt.date(o.deadline) if o.deadline else "—")
    out.print(table)
    if analysis.funnel is not None:
        table = Table(title=_("Reverse funnel"))
        for header in (_("Stage"), _("Volume needed"), _("Rate to next")):
            table.add_column(header, justify="right")
        for s in analysis.funnel.stages:
            table.add_row(
                stage_label(s.stage), fmt.number(s.volume), fmt.percent(s.rate) if s.rate is not None else "—"
            )
        out.print(table)
    out.print(f"[bold]{_('Diagnostics')}[/bold]")
    if not analysis.diagnostics:
        out.print(_("No problem found."))
    for d in analysis.diagnostics:
        out.print(f"{_(SEVERITY_LABELS[d.severity])} · {d.message(fmt, _)}", markup=False, highlight=False)


def _object_filter(value: str) -> tuple[str, int]:
    """``KIND:ID`` (``action:12``) read, or exit 2 saying what is expected."""
    from pac.web.plans.history import KINDS

    kind, _sep, pk = value.partition(":")
    if kind not in KINDS or not pk.isdigit() or len(pk) > 18:
        raise fail(
            _("--object: KIND:ID, KIND among {kinds} (e.g. action:12), not {value}.").format(
                kinds=", ".join(KINDS), value=value
            )
        )
    return kind, int(pk)


def plan_history(
    plan_id: PlanId,
    acting: AsUser,
    obj: Annotated[
        str | None, typer.Option("--object", help=_("Only this object's changes: KIND:ID (e.g. action:12)."))
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", dir_okay=False, help=_("Write the whole history to this CSV file."))
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The plan's history: who changed what and when, newest first, field by field (the web's « History »):
    the latest 200 changes, or all of them with --csv."""
    user = acting_user(acting)
    from django.utils import timezone

    from pac.web.plans import history

    row = visible_plan(user, plan_id)
    if csv_file is not None:
        writable(csv_file)
    if obj is not None:
        kind, pk = _object_filter(obj)
        found = history.object_history(row, history.KINDS[kind], pk)
        if found is None:
            raise fail(_("Plan {id} never had {object}.").format(id=row.pk, object=obj))
        entries = found
    elif csv_file is not None:
        entries = list(history.export_entries(row, history.Filters()))
    else:
        entries = history.plan_history(row, history.Filters(), 0, HISTORY_SHOWN)
    if csv_file is not None:
        write_out(csv_file, _history_csv(entries))
    if as_json:
        print_json(
            [
                {
                    "when": e.when.isoformat(),
                    "who": e.who,
                    "kind": e.kind,
                    "object_id": e.object_id,
                    "title": e.title,
                    "type": {"+": "created", "~": "changed", "-": "deleted"}.get(e.type, e.type),
                    "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in e.changes],
                }
                for e in entries
            ]
        )
        return
    if csv_file is not None:
        out.print(_("{count} changes written to {path}.").format(count=len(entries), path=csv_file), markup=False)
        return
    if not entries:
        out.print(_("No change recorded yet."))
        return
    fmt = Formatter(cli_language(), row.currency)
    table = Table(title=_("History"))
    for header in (_("When"), _("Who"), _("Object"), _("What changed")):
        table.add_column(header)
    for e in entries:
        moment = timezone.localtime(e.when)
        what = "\n".join(
            _("{field}: {before} → {after}").format(field=c.field, before=c.before or "—", after=c.after or "—")
            for c in e.changes
        )
        what = what or e.type_label
        table.add_row(f"{fmt.date(moment.date())} {moment:%H:%M}", e.who, f"{e.kind_label} · {e.title}", what)
    out.print(table)


def _history_csv(entries: list[Any]) -> str:
    """The history as the web's CSV export writes it: one line per field changed, « ; » in French,
    UTF-8 with a BOM, every text neutralised against formulas."""
    from django.utils import timezone

    from pac.io.xlsx import safe_text
    from pac.web.plans.history_views import HEADERS

    french = cli_language() == "fr"
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow([safe_text(_(h)) for h in HEADERS])
    for e in entries:
        moment = timezone.localtime(e.when)
        head = [
            moment.strftime("%d/%m/%Y" if french else "%Y-%m-%d"),
            moment.strftime("%H:%M:%S"),
            *(safe_text(str(w)) for w in (e.who, e.kind_label, e.title, e.type_label)),
        ]
        for change in e.changes or [None]:
            tail = ["", "", ""] if change is None else [change.field, change.before, change.after]
            writer.writerow([*head, *(safe_text(str(w)) for w in tail)])
    return "\ufeff" + text.getvalue()
