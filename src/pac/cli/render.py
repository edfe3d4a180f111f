"""The terminal's tables: a plan's analysis, its calendar, its priorities and the KPIs, formatted for
the reader's language (the JSON documents are built by the engine, not here)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.table import Table

from pac.cli.terminal import _, cli_language, out
from pac.engine.analysis import PlanAnalysis
from pac.engine.formatting import Formatter
from pac.engine.labels import (
    ITEM_KIND_LABELS,
    SEVERITY_LABELS,
    STAGE_PLURALS,
    campaign_title,
    gettext_noop,
    week_title,
)
from pac.engine.model import Metric, Severity


def stage_label(stage: Any) -> str:
    return _(STAGE_PLURALS[stage])


def print_analysis(analysis: PlanAnalysis, fmt: Formatter) -> None:
    plan = analysis.plan
    out.print(f"[bold]{plan.name}[/bold]  {fmt.date(plan.start)} → {fmt.date(plan.end)}")
    if analysis.funnel is not None:
        table = Table(title=_("Reverse funnel"))
        for header in (_("Stage"), _("Volume needed"), _("Rate to next"), _("Days to won")):
            table.add_column(header, justify="right")
        for s in analysis.funnel.stages:
            table.add_row(
                stage_label(s.stage),
                fmt.number(s.volume),
                fmt.percent(s.rate) if s.rate is not None else "—",
                fmt.number(s.days_to_won),
            )
        out.print(table)
        out.print(_("Lead time: {days} days").format(days=analysis.funnel.lead_time_days))
    if analysis.schedule is not None and analysis.funnel is not None:
        stages = [s.stage for s in analysis.funnel.stages]
        table = Table(title=_("Weekly schedule (volumes to produce each week)"))
        table.add_column(_("Week"))
        for stage in stages:
            table.add_column(stage_label(stage), justify="right")
        before = analysis.schedule.before_plan()
        if before:
            table.add_row(_("Before the start"), *[fmt.number(before.get(s, 0)) for s in stages], style="yellow")
        for week in analysis.schedule.plan_weeks:
            table.add_row(week.label, *[fmt.number(analysis.schedule.volume(week, s, False)) for s in stages])
        out.print(table)
    if analysis.capacity:
        table = Table(title=_("Capacity per role"))
        for header in (
            _("Role"),
            _("Headcount"),
            _("Hours needed"),
            _("Hours available"),
            _("Utilisation"),
            _("Peak week"),
            _("Weeks over 100 %"),
            _("Headcount needed"),
        ):
            table.add_column(header, justify="right")
        for rc in analysis.capacity:
            table.add_row(
                rc.role.upper(),
                fmt.number(rc.headcount),
                fmt.number(rc.hours_needed),
                fmt.number(rc.hours_available),
                fmt.percent(rc.utilisation) if rc.utilisation is not None else "—",
                fmt.percent(rc.peak_utilisation) if rc.peak_utilisation is not None else "—",
                fmt.number(len(rc.weeks_over_capacity)),
                fmt.number(rc.headcount_needed),
            )
        out.print(table)
    colours = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
    out.print(f"[bold]{_('Diagnostics')}[/bold]")
    if not analysis.diagnostics:
        out.print(_("No problem found."))
    for d in analysis.diagnostics:
        out.print(f"[{colours[d.severity]}]{_(SEVERITY_LABELS[d.severity])}[/] [dim]{d.code}[/dim] ", end="")
        out.print(d.message(fmt, _), markup=False, highlight=False, soft_wrap=True)


def calendar_title(item: Any, fmt: Formatter) -> str:
    """An item's title for people: campaigns say how many days before the event, weekly funnel
    milestones list their volumes with translated stage names."""
    from pac.engine.calendar import ItemKind
    from pac.engine.workdays import IsoWeek

    if item.kind is ItemKind.CAMPAIGN:
        title = campaign_title(item.title, item.offset_days, _)
    elif item.volumes:
        title = week_title(str(IsoWeek.of(item.date).week), item.volumes, fmt.number, _)
    else:
        title = item.title
    if item.moved_from is not None:
        title += " " + _("(moved from {date}, not a business day)").format(date=fmt.date(item.moved_from))
    return str(title)


def print_calendar(plan: Any, items: list[Any], first: Any, last: Any, fmt: Formatter) -> None:
    out.print(f"[bold]{plan.name}[/bold]  {fmt.date(first)} → {fmt.date(last)}")
    if not items:
        out.print(_("No item in this period."))
        return
    table = Table(title=_("Calendar"))
    for header in (_("Date"), _("Time"), _("Kind"), _("Title"), _("Who")):
        table.add_column(header)
    for item in items:
        day = fmt.date(item.date) + (f" → {fmt.date(item.end)}" if item.end and item.end != item.date else "")
        who = ", ".join(item.people) if item.people else (item.owner or "")
        table.add_row(
            day,
            item.at.strftime("%H:%M") if item.at else "",
            _(ITEM_KIND_LABELS[item.kind.value]),
            calendar_title(item, fmt),
            who,
        )
    out.print(table)


def priority_cells(breakdown: Any, fmt: Formatter) -> list[str]:
    """Score, then each component as its raw figure and, dimmed, its 0–100 place."""
    from decimal import Decimal

    def money(value: Any) -> str:
        return fmt.money(value.quantize(Decimal(1))) if value is not None else "—"

    def place(component: Any) -> str:
        return f"\n[dim]→ {fmt.number(round(component.normalised))}[/dim]"

    days = fmt.number(breakdown.days) if breakdown.days is not None else "—"
    return [
        fmt.number(Decimal(f"{breakdown.score:.1f}")),
        money(breakdown.value.raw) + place(breakdown.value),
        days + place(breakdown.velocity),
        money(breakdown.cost.raw) + place(breakdown.cost),
    ]


def print_priorities(plan: Any, ranks: Any, selection: Any, fmt: Formatter) -> None:
    from decimal import Decimal

    from pac.engine.model import Stage
    from pac.engine.priorities import NO_STAGE, effective_weights, left_out_message, violation_message

    out.print(f"[bold]{plan.name}[/bold]  {fmt.date(plan.start)} → {fmt.date(plan.end)}")
    shares = [fmt.percent(Decimal(str(w)), 0) for w in effective_weights(ranks.weights)]
    out.print(
        _(
            "Score = {value} value + {velocity} velocity + {cost} acquisition cost; each component is "
            "scaled 0–100 across the rows (min–max, the cheapest cost scores 100), shown under each figure."
        ).format(value=shares[0], velocity=shares[1], cost=shares[2]),
        soft_wrap=True,
    )
    components = (_("Score"), _("Value"), _("Days to win"), _("Cost"))
    if ranks.segments:
        table = Table(title=_("Segments"))
        for header in ("#", _("Segment"), *components):
            table.add_column(header, justify="left" if header == _("Segment") else "right")
        for r in ranks.segments:
            table.add_row(str(r.rank), r.name, *priority_cells(r.breakdown, fmt))
        out.print(table)
    if ranks.accounts:
        table = Table(title=_("Accounts (strategic first)"))
        for header in ("#", _("Account"), _("Strategic"), *components):
            table.add_column(header, justify="left" if header == _("Account") else "right")
        for r in ranks.accounts:
            table.add_row(str(r.rank), r.name, "★" if r.group == "strategic" else "", *priority_cells(r.breakdown, fmt))
        out.print(table)
    if ranks.actions:
        table = Table(title=_("Actions by expected stage"))
        for header in (_("Stage"), "#", _("Action"), _("Score"), _("Expected value"), _("Days to win"), _("Cost")):
            table.add_column(header, justify="left" if header in (_("Stage"), _("Action")) else "right")
        for r in ranks.actions:
            stage = stage_label(Stage(r.group)) if r.group != NO_STAGE else "—"
            table.add_row(stage, str(r.rank), r.name, *priority_cells(r.breakdown, fmt))
        out.print(table)

    names = {a.id: a.name for a in plan.actions}
    forced = {d.action for d in selection.decisions if d.include}
    table = Table(title=_("Selection under the team's hours and the budget"))
    for header in (_("Action"), _("Expected value"), _("Selected"), _("Why")):
        table.add_column(header, justify="right" if header == _("Expected value") else "left")
    for action in plan.actions:
        value = selection.values.get(action.id)
        shown = fmt.money(value.quantize(Decimal(1))) if value is not None else "—"
        item = selection.left_out_reason(action.id)
        if item is None:
            why = _("included by decision") if action.id in forced else ""
            table.add_row(names[action.id], shown, "[green]✓[/green]", why)
        else:
            table.add_row(names[action.id], shown, "[red]✗[/red]", left_out_message(item, fmt, _))
    out.print(table)
    worth = {
        "count": len(selection.selected),
        "value": fmt.money(selection.total_value.quantize(Decimal(1))),
        "used": fmt.money(selection.budget_used),
    }
    if selection.budget_available is not None:
        out.print(
            _("{count} action(s) selected, worth {value}; budget used: {used} of {budget}.").format(
                budget=fmt.money(selection.budget_available), **worth
            ),
            soft_wrap=True,
        )
    else:
        out.print(
            _("{count} action(s) selected, worth {value}; budget used: {used} (the plan sets no budget).").format(
                **worth
            ),
            soft_wrap=True,
        )
    if not selection.optimal:
        gap = fmt.percent(Decimal(str(selection.gap)), 2) if selection.gap is not None else "?"
        out.print(
            _("The solver stopped at its time limit: this selection is within {gap} of the best one.").format(gap=gap),
            style="yellow",
        )
    for violation in selection.violations:
        out.print(violation_message(violation, fmt, _), style="red", markup=False, highlight=False, soft_wrap=True)
    cited = {b.constraint.key for item in selection.left_out for b in item.bindings}
    rows = [c for c in selection.constraints if (c.binding and c.used > 0) or c.constraint.key in cited]
    if rows:
        table = Table(title=_("Binding constraints"))
        for header in (_("Constraint"), _("Capacity"), _("Funnel work"), _("Available"), _("Used"), _("Left")):
            table.add_column(header, justify="left" if header == _("Constraint") else "right")
        for c in rows:

            def amount(value: float, key: str = c.constraint.key) -> str:
                figure = Decimal(f"{value:.1f}")
                return fmt.money(figure.quantize(Decimal(1))) if key == "budget" else fmt.number(figure)

            table.add_row(
                c.constraint.label(_),
                amount(c.capacity),
                amount(c.funnel_load),
                amount(c.available),
                amount(c.used),
                amount(c.slack),
            )
        out.print(table)
    else:
        out.print(_("No constraint binds: every action the team can carry is selected."))


#: A KPI row's breakdown, by its dimension (« responsable : Alex Martin »).
DIMENSION_LABELS = {
    "owner": gettext_noop("owner"),
    "segment": gettext_noop("segment"),
    "channel": gettext_noop("channel"),
    "product": gettext_noop("product"),
    "partner": gettext_noop("partner"),
    "business_unit": gettext_noop("business unit"),
}
QUARTER = gettext_noop("Q%(quarter)s %(year)s")  # the KPI page's title, one msgid


def period_title(label: str, fmt: Formatter) -> str:
    """« mars 2027 », « 1 févr. » (the week's Monday), « T1 2027 » for the engine's ``2027-03``, ``2027-W05``,
    ``2027-Q1``: the periods as the KPI page titles them."""
    import datetime as dt

    from babel.dates import format_date

    year, _sep, rest = label.partition("-")
    if rest.startswith("W"):
        return str(format_date(dt.date.fromisocalendar(int(year), int(rest[1:]), 1), "d MMM y", locale=fmt.locale))
    if rest.startswith("Q"):
        return _(QUARTER) % {"quarter": rest[1:], "year": year}
    if rest.isdigit():
        return str(format_date(dt.date(int(year), int(rest), 1), "MMM y", locale=fmt.locale))
    return label


def print_kpis(rows: list[Any], fmt: Formatter) -> None:
    from pac.engine.kpis.display import comment, kpi_label, value_with_unit

    table = Table(title=_("KPIs"))
    for header in (_("KPI"), _("Period"), _("By"), _("Value"), _("Why not / note")):
        table.add_column(header, justify="right" if header == _("Value") else "left")
    for row in rows:
        table.add_row(
            kpi_label(row["kpi"], _),
            period_title(row["period"], fmt) if row["period"] else "",
            " · ".join(
                _("{dimension}: {value}").format(dimension=_(DIMENSION_LABELS.get(k, k)), value=v)
                for k, v in row["by"].items()
            ),
            value_with_unit(row, fmt, _),
            comment(row, fmt, _),
        )
    out.print(table)


def print_learned(learned: Any, gaps: list[tuple[str, dict[str, Any]]], fmt: Formatter, written: Any) -> None:
    """What history says (each figure with its basis), the plan's rates far from it, the file written."""
    from pac.engine.kpis.display import kpi_label
    from pac.engine.labels import STAGE_NAMES
    from pac.engine.learned import basis_text, gap_text
    from pac.engine.model import Stage

    def stage_label(code: str) -> str:
        return _(STAGE_NAMES[Stage(code)]) if code in set(Stage) else code

    table = Table(
        title=_("History from {start} to {end}").format(start=fmt.date(learned.start), end=fmt.date(learned.end))
    )
    for header in (_("Figure"), _("Stage"), _("Segment"), _("Value and basis")):
        table.add_column(header)
    for figure in learned.figures:
        table.add_row(
            kpi_label(figure.kpi, _),
            stage_label(figure.stage) if figure.stage else "",
            figure.segment or "",
            basis_text(figure, fmt, _),
        )
    out.print(table)
    if learned.too_small:
        too_small = ", ".join(f"{s} ({fmt.number(n)})" for s, n in learned.too_small.items())
        out.print(
            _("Segments with fewer than {count} closed deals, left to the team's figures: {segments}").format(
                count=fmt.number(learned.min_deals), segments=too_small
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for code, params in gaps:
        out.print(gap_text(code, params, fmt, _, stage_label), markup=False, highlight=False, soft_wrap=True)
    if written is not None:
        out.print(_("{path} written.").format(path=written), markup=False, highlight=False, soft_wrap=True)


def print_forecast(result: Any, fmt: Formatter) -> None:
    """A period's forecast: the chance to reach the target and the range first, then where it comes from."""
    from pac.engine.forecast.categories import CATEGORY_LABELS

    money = fmt.money_compact
    out.print(
        "[bold]"
        + _("Forecast of bookings from {start} to {end}, as of {as_of}").format(
            start=fmt.date(result.period_from), end=fmt.date(result.period_to), as_of=fmt.date(result.as_of)
        )
        + "[/bold]"
    )
    spread = _("P10 {p10} · P50 {p50} · P90 {p90}").format(
        p10=money(result.p10), p50=money(result.p50), p90=money(result.p90)
    )
    if result.probability_of_target is not None:
        out.print(
            _("Chance to reach the target: {chance} ({spread})").format(
                chance=fmt.percent(Decimal(str(result.probability_of_target)), 0), spread=spread
            ),
            highlight=False,
        )
    else:
        out.print(spread, highlight=False)
    table = Table(title=_("Where the bookings come from"))
    table.add_column(_("Part"))
    table.add_column(_("Amount"), justify="right")
    table.add_column(_("Basis"))
    basis = result.basis
    history, deals, new = basis["history"], basis["open_deals"], basis["new_business"]
    table.add_row(
        _("Already won"),
        fmt.money(round(Decimal(str(result.closed_won)))),
        _("{count} deals won in the period").format(count=fmt.number(basis["won_in_period"]["deals"])),
    )
    table.add_row(
        _("Open deals (expected)"),
        fmt.money(round(Decimal(str(result.open_pipeline)))),
        _("{count} open deals; {won} won and {lost} lost deals learnt from").format(
            count=fmt.number(deals["count"]), won=fmt.number(history["won"]), lost=fmt.number(history["lost"])
        ),
    )
    if new is not None:
        table.add_row(
            _("New business (expected)"),
            fmt.money(round(Decimal(str(result.new_business)))),
            _("{rate} deals created a day over {days} days, {chance} of them won in the period").format(
                rate=fmt.number(Decimal(str(new["created_per_day"]))),
                days=fmt.number(new["pace_days"]),
                chance=fmt.percent(Decimal(str(new["win_chance_in_period"]))),
            ),
        )
    table.add_row(_("Expected"), fmt.money(round(Decimal(str(result.expected)))), "", style="bold")
    out.print(table)
    categories = Table(title=_("Open amounts by forecast category"))
    categories.add_column(_("Category"))
    categories.add_column(_("Amount"), justify="right")
    for name, amount in result.categories.items():
        categories.add_row(_(CATEGORY_LABELS[name]), fmt.money(round(Decimal(str(amount)))))
    out.print(categories)


def print_forecasts_by(by: str, results: dict[str, Any], fmt: Formatter) -> None:
    table = Table(title=_("Forecast by {dimension}").format(dimension=by))
    for header in (by, _("Already won"), _("Expected"), "P10", "P50", "P90", _("Chance to reach the target")):
        table.add_column(header, justify="left" if header == by else "right")
    for value, result in results.items():
        chance = result.probability_of_target
        table.add_row(
            value or "—",
            fmt.money_compact(result.closed_won),
            fmt.money_compact(result.expected),
            fmt.money_compact(result.p10),
            fmt.money_compact(result.p50),
            fmt.money_compact(result.p90),
            fmt.percent(Decimal(str(chance)), 0) if chance is not None else "—",
        )
    out.print(table)


def print_backtest(result: Any, fmt: Formatter) -> None:
    money = fmt.money_compact
    table = Table(title=_("Backtest: the forecast made on each period's eve"))
    for header in (_("Period from"), _("Actual"), "P10", "P50", "P90", _("Stage-weighted pipeline"), _("Run rate")):
        table.add_column(header, justify="left" if header == _("Period from") else "right")
    for row in result.periods:
        inside = row.p10 <= row.actual <= row.p90
        table.add_row(
            fmt.date(row.period_from),
            money(row.actual) if inside else f"[yellow]{money(row.actual)}[/yellow]",
            money(row.p10),
            money(row.p50),
            money(row.p90),
            money(row.pipeline),
            money(row.run_rate),
        )
    out.print(table)
    summary = Table(title=_("Summary"))
    for header in (_("Method"), _("MAPE of the point figure"), _("Actuals within P10–P90"), _("Pinball loss")):
        summary.add_column(header, justify="left" if header == _("Method") else "right")
    for label, score in (
        (_("Forecast (P50)"), result.model),
        (_("Stage-weighted pipeline"), result.pipeline),
        (_("Run rate"), result.run_rate),
    ):
        summary.add_row(
            label,
            fmt.percent(Decimal(str(score.mape)), 0) if score.mape is not None else "—",
            fmt.percent(Decimal(str(score.coverage)), 0) if score.coverage is not None else "—",
            money(score.pinball) if score.pinball is not None else "—",
        )
    out.print(summary)


def _diff_value(value: Any) -> str:
    import json

    from pac.engine.plandiff import plain

    shown = plain(value)
    return shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)


def print_plan_diff(changes: list[Any]) -> None:
    """One line a change: ``+`` an object added, ``-`` removed, ``~`` a value changed (old → new)."""
    from rich.markup import escape

    from pac.engine.plandiff import Kind

    if not changes:
        out.print(_("No difference."))
        return
    marks = {Kind.ADDED: "[green]+[/green]", Kind.REMOVED: "[red]-[/red]", Kind.CHANGED: "[yellow]~[/yellow]"}
    for change in changes:
        if change.kind is Kind.CHANGED:
            text = f"{change.where}: {_diff_value(change.old)} → {_diff_value(change.new)}"
        elif change.kind is Kind.ADDED:
            text = f"{change.where}: {_diff_value(change.new)}"
        else:
            text = f"{change.where}: {_diff_value(change.old)}"
        out.print(marks[change.kind], escape(text), markup=True, highlight=False, soft_wrap=True)
    count = {kind: sum(1 for c in changes if c.kind is kind) for kind in Kind}
    out.print(
        _("{total} change(s): {added} added, {removed} removed, {changed} changed.").format(
            total=len(changes), added=count[Kind.ADDED], removed=count[Kind.REMOVED], changed=count[Kind.CHANGED]
        )
    )


def part_title(key: str) -> str:
    """``2027-Q1`` as people write it (« T1 2027 », “Q1 2027”), ``2027-03`` as « mars 2027 »."""
    import datetime as dt

    from babel.dates import format_date

    year, _sep, rest = key.partition("-")
    if rest.startswith("Q"):
        return _("Q{quarter} {year}").format(quarter=rest[1:], year=year)
    return str(format_date(dt.date(int(year), int(rest), 1), "MMMM y", locale=cli_language()))


def print_parts(parts: list[Any], fmt: Formatter, written: list[Any]) -> None:
    """One row a part: its dates, its share of the whole and its split targets."""
    table = Table(title=_("Plan broken down"))
    for header in (_("Part"), _("From"), _("To"), _("Share"), _("Objectives"), _("Actions")):
        table.add_column(header)
    for part in parts:
        objectives = "; ".join(
            f"{o.id} {fmt.money(o.target) if o.metric is Metric.REVENUE else fmt.number(o.target)}"
            for o in part.plan.objectives
            if o.target is not None and o.per is None
        )
        table.add_row(
            part_title(part.key),
            fmt.date(part.start),
            fmt.date(part.end),
            fmt.percent(part.share),
            objectives,
            fmt.number(len(part.plan.actions)),
        )
    out.print(table)
    for path in written:
        out.print(_("{path} written.").format(path=path), markup=False, highlight=False, soft_wrap=True)
