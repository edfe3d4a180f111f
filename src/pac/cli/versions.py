"""``pac plan versions|version-diff|baseline`` and ``pac plan scenario list|new|compare|promote``: a plan's
versions and what-if scenarios from the command line, as the « Versions » and « Scénarios » pages show
them, through the same services (issue 13).

Each command acts as a user (``--as USERNAME`` or ``PAC_USER``, ``pac.cli.acting``): a plan outside their
teams is not found, a rep changes nothing (a refusal: exit code 2); what a command changes is recorded in
the plan's history as theirs, from the command line."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pac.cli.acting import AsUser, acting_user, refusals_said, visible_plan
from pac.cli.terminal import JsonFlag, _, fail, out, print_json

if TYPE_CHECKING:
    from pac.web.accounts.models import User
    from pac.web.plans.models import Plan, PlanVersion

scenario_app = typer.Typer(help=_("What-if scenarios of a plan: list, new, compare, promote."), no_args_is_help=True)

#: The largest number a plan, scenario or version argument takes (ids are 64-bit in the database).
MAX_ID = 2**53
PlanId = Annotated[int, typer.Argument(help="Plan number (as in the web app).", min=1, max=MAX_ID)]


# --------------------------------------------------------------------------------------------- shared


def _acting(plan_id: int, username: str) -> tuple[User, Plan]:
    """The user the command acts as, and the plan (or scenario) ``plan_id`` as they may read it (as the
    web's ``plan_for``); anyone else, or a plan outside their teams: said, and exit 2."""
    user = acting_user(username)
    return user, visible_plan(user, plan_id)


def _the_plan(plan: Plan) -> Plan:
    """A scenario's number stands for its plan (as on the « Scénarios » pages)."""
    return plan.scenario_of if plan.scenario_of is not None else plan


def _recorded(user: User) -> Any:
    """The plan's history says who made the change, and that it came from the command line."""
    from pac.web.plans.recorded import CLI, recorded_as

    return recorded_as(user, CLI)


def _version_data(version: PlanVersion) -> dict[str, Any]:
    from pac.web.plans.versions import author_name

    return {
        "number": version.number,
        "saved_at": version.created_at.isoformat(),
        "author": version.author.username if version.author else None,
        "author_name": author_name(version),
        "baseline": version.baseline,
    }


def _cell(text: str) -> str:
    return escape(text)


# ------------------------------------------------------------------------------------------- versions


def versions_command(
    plan_id: PlanId,
    acting: AsUser,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="Versions listed, the newest first.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """The plan's saved versions, the newest first: number, when, by whom, the baseline, and what each
    changed since the version before it."""
    from pac.web.plans.history_values import local_when
    from pac.web.plans.version_diff import change_counts, summary
    from pac.web.plans.versions import author_name, with_changes

    _user, plan = _acting(plan_id, acting)
    rows = with_changes(plan, list(plan.versions.select_related("author")[:limit]))
    total = plan.versions.count()
    baseline = plan.versions.filter(baseline=True).values_list("number", flat=True).first()
    if as_json:
        print_json(
            {
                "plan": plan.pk,
                "version": plan.version,
                "count": total,
                "baseline": baseline,
                "versions": [
                    {
                        **_version_data(row.version),
                        "summary": summary(row.changes, row.unreadable),
                        "changes": change_counts(row.changes) if row.changes is not None else None,
                    }
                    for row in rows
                ],
            }
        )
        return
    from django.utils.translation import gettext, ngettext

    out.print(f"[bold]{_cell(plan.name)}[/bold]", highlight=False)
    out.print(_("Plan {id} is at version {version}.").format(id=plan.pk, version=plan.version), highlight=False)
    out.print(
        ngettext(
            "%(counter)s version saved: each saved change of the plan keeps one.",
            "%(counter)s versions saved: each saved change of the plan keeps one.",
            total,
        )
        % {"counter": total},
        gettext("The baseline is version %(number)s.") % {"number": baseline}
        if baseline is not None
        else gettext("No baseline chosen yet."),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if not rows:
        return
    table = Table()
    table.add_column(gettext("Version"), justify="right")
    table.add_column(gettext("Saved on"))
    table.add_column(gettext("By"))
    table.add_column(gettext("Baseline"))
    table.add_column(_("What changed"))
    for row in rows:
        version = row.version
        table.add_row(
            str(version.number),
            _cell(local_when(version.created_at)),
            _cell(author_name(version)),
            gettext("baseline") if version.baseline else "",
            _cell(summary(row.changes, row.unreadable)),
        )
    out.print(table)
    if total > len(rows):
        out.print(_("The {shown} newest of {total}: --limit shows more.").format(shown=len(rows), total=total))


def version_diff_command(
    plan_id: PlanId,
    acting: AsUser,
    old: Annotated[int | None, typer.Argument(help="The version before.", min=0, max=MAX_ID)] = None,
    new: Annotated[int | None, typer.Argument(help="The version after.", min=0, max=MAX_ID)] = None,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="From the baseline to the latest version (instead of OLD NEW).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """What changed from one version of the plan to another, object by object, in words as the web page
    says it: two version numbers, or --baseline (the baseline against the latest)."""
    if baseline == (old is not None or new is not None) or (not baseline and new is None):
        raise fail(_("Give two version numbers (OLD NEW), or --baseline alone."))
    import yaml
    from django.http import Http404
    from django.utils.translation import gettext, ngettext

    from pac.web.plans.history_values import local_when
    from pac.web.plans.version_diff import change_counts, changes_data, worded_changes
    from pac.web.plans.versions import author_name, changes_between, version_pair

    _user, plan = _acting(plan_id, acting)
    if baseline:
        old = plan.versions.filter(baseline=True).values_list("number", flat=True).first()
        if old is None:
            raise fail(
                _("Plan {id} has no baseline yet: choose one with pac plan baseline {id} VERSION.").format(id=plan.pk)
            )
    try:
        before, after = version_pair(plan, old, new)
    except Http404:
        kept = ", ".join(str(n) for n in plan.versions.values_list("number", flat=True)[:20]) or "—"
        raise fail(
            _("Plan {id} keeps no such version; its latest versions: {numbers} (pac plan versions {id}).").format(
                id=plan.pk, numbers=kept
            )
        ) from None
    with refusals_said():
        changes = changes_between(before, after)
    old_data, new_data = yaml.safe_load(before.content), yaml.safe_load(after.content)
    if as_json:
        print_json(
            {
                "plan": plan.pk,
                "old": _version_data(before),
                "new": _version_data(after),
                "total": len(changes),
                "count": change_counts(changes),
                "changes": changes_data(plan, old_data, new_data, changes),
            }
        )
        return
    out.print(
        f"[bold]{_cell(gettext('Version %(old)s → version %(new)s') % {'old': before.number, 'new': after.number})}"
        "[/bold]",
        highlight=False,
    )
    for version in (before, after):
        out.print(
            gettext("Version %(number)s, saved on %(when)s (%(author)s).")
            % {"number": version.number, "when": local_when(version.created_at), "author": author_name(version)},
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if not changes:
        out.print(gettext("No difference between these two versions."), markup=False, highlight=False)
        return
    worded = worded_changes(plan, old_data, new_data, changes)
    counts = worded["counts"]
    out.print(
        ngettext("%(counter)s change:", "%(counter)s changes:", worded["total"]) % {"counter": worded["total"]},
        ", ".join(
            (
                ngettext("%(counter)s added", "%(counter)s added", counts["added"]) % {"counter": counts["added"]},
                ngettext("%(counter)s removed", "%(counter)s removed", counts["removed"])
                % {"counter": counts["removed"]},
                ngettext("%(counter)s changed", "%(counter)s changed", counts["changed"])
                % {"counter": counts["changed"]},
            )
        )
        + ".",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    print_worded(worded["sections"])


def print_worded(sections: list[dict[str, Any]]) -> None:
    """The changes under their section, one a line, as the comparison page lists them: ``+`` added,
    ``-`` removed, ``~`` a value changed (old → new)."""
    from django.utils.translation import gettext

    marks = {"added": "[green]+[/green]", "removed": "[red]-[/red]", "changed": "[yellow]~[/yellow]"}
    for group in sections:
        out.print(f"\n[bold]{_cell(group['section'])}[/bold]", highlight=False)
        for line in group["lines"]:
            if line.kind in ("added", "removed") and not line.field:
                text = f"{gettext(line.kind)} {line.subject}"
            else:
                subject = f"{line.subject} · " if line.subject else ""
                field = gettext("%(field)s:") % {"field": line.field}
                value = line.new if line.kind == "added" else line.old if line.kind == "removed" else ""
                text = f"{subject}{field} {value or f'{line.old} → {line.new}'}"
            out.print(marks[line.kind], _cell(text), highlight=False, soft_wrap=True)


def baseline_command(
    plan_id: PlanId,
    acting: AsUser,
    number: Annotated[int, typer.Argument(help="The version to make the baseline.", min=0, max=MAX_ID)],
    as_json: JsonFlag = False,
) -> None:
    """Make a version the plan's baseline (one at a time): what re-plans are measured against. By whoever
    may change the plan."""
    from pac.web.plans.versions import baseline_set

    who, plan = _acting(plan_id, acting)
    if not plan.versions.filter(number=number).exists():
        raise fail(_("Plan {id} keeps no version {number} (pac plan versions {id}).").format(id=plan.pk, number=number))
    with refusals_said(), _recorded(who):
        version = baseline_set(user=who, plan=plan, number=number)
    if as_json:
        print_json({"plan": plan.pk, **_version_data(version)})
        return
    out.print(_("Version {number} is now the baseline of plan {id}.").format(number=version.number, id=plan.pk))


# ------------------------------------------------------------------------------------------ scenarios


@scenario_app.command("list")
def scenario_list(plan_id: PlanId, acting: AsUser, as_json: JsonFlag = False) -> None:
    """The plan's what-if scenarios, the oldest first: what each assumes and how many objects it changes."""
    from django.utils.translation import gettext

    from pac.web.plans import scenarios
    from pac.web.plans.history_values import local_when

    _user, found = _acting(plan_id, acting)
    plan = _the_plan(found)
    rows = [(s, len(scenarios.differences(plan, s)[2])) for s in scenarios.scenarios_of(plan)]
    if as_json:
        print_json(
            {
                "plan": plan.pk,
                "version": plan.version,
                "scenarios": [
                    {
                        "id": s.pk,
                        "name": s.name,
                        "note": s.scenario_note,
                        "version": s.version,
                        "updated_at": s.updated_at.isoformat(),
                        "changes": changes,
                    }
                    for s, changes in rows
                ],
            }
        )
        return
    out.print(f"[bold]{_cell(plan.name)}[/bold]", highlight=False)
    if not rows:
        out.print(gettext("No scenario yet."), markup=False, highlight=False)
        return
    table = Table()
    table.add_column(_("Number"), justify="right")
    table.add_column(gettext("Scenario"))
    table.add_column(gettext("What it assumes"))
    table.add_column(gettext("Last changed"))
    table.add_column(gettext("Objects changed, added or removed"), justify="right")
    for scenario, changes in rows:
        table.add_row(
            str(scenario.pk),
            _cell(scenario.name),
            _cell(scenario.scenario_note or "—"),
            _cell(local_when(scenario.updated_at)),
            str(changes),
        )
    out.print(table)


@scenario_app.command("new")
def scenario_new(
    plan_id: PlanId,
    acting: AsUser,
    name: Annotated[str, typer.Option("--name", help="The scenario's name (at most 200 characters).")],
    note: Annotated[
        str | None,
        typer.Option("--note", help="What it assumes, e.g. « +1 AE from March » (at most 300 characters)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Copy the plan as a what-if scenario (never applied): change it with the plan pages or pac plan
    export / apply, then compare it with the plan. By whoever may change the plan."""
    from pac.web.plans.scenarios import scenario_create

    who, found = _acting(plan_id, acting)
    plan = _the_plan(found)
    with refusals_said(), _recorded(who):
        made = scenario_create(user=who, plan=plan, name=name, note=note or "")
    if as_json:
        print_json({"id": made.pk, "name": made.name, "note": made.scenario_note, "plan": plan.pk})
        return
    out.print(
        _(
            "Scenario {id} created: {name}. Change it (pac plan export {id}, pac plan apply), then compare: "
            "pac plan scenario compare {plan} {id}"
        ).format(id=made.pk, name=made.name, plan=plan.pk),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@scenario_app.command("compare")
def scenario_compare(
    plan_id: PlanId,
    acting: AsUser,
    scenario_ids: Annotated[
        list[int] | None,
        typer.Argument(help="Up to four of its scenarios (default: the first four).", min=1, max=MAX_ID),
    ] = None,
    today: Annotated[
        str | None, typer.Option("--today", help="The day the forecast is made on (YYYY-MM-DD; default: today).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The plan and its scenarios side by side: revenue target, volumes per stage, hours per role and
    weeks over capacity, cost, the probability of hitting the target from the team's forecast, diagnostics
    and how many objects each changes."""
    try:
        day = dt.date.fromisoformat(today) if today else None
    except ValueError:
        raise fail(_("--today must be an ISO date (YYYY-MM-DD).")) from None
    from django.utils import timezone

    from pac.web.cockpit.scenarios import columns, table, to_json
    from pac.web.plans import scenarios

    asked = list(dict.fromkeys(scenario_ids or ()))
    if len(asked) > scenarios.COMPARED:
        raise fail(_("At most {count} scenarios at once.").format(count=scenarios.COMPARED))
    _user, found = _acting(plan_id, acting)
    plan = _the_plan(found)
    kept = {s.pk: s for s in scenarios.scenarios_of(plan).filter(pk__in=asked)} if asked else {}
    missing = [n for n in asked if n not in kept]
    if missing:
        known = ", ".join(str(s.pk) for s in scenarios.scenarios_of(plan)) or "—"
        raise fail(
            _("Plan {id} has no scenario {number}; its scenarios: {known}.").format(
                id=plan.pk, number=missing[0], known=known
            )
        )
    chosen = [kept[n] for n in asked] if asked else list(scenarios.scenarios_of(plan)[: scenarios.COMPARED])
    cols = columns(plan, chosen, day or timezone.localdate())
    if as_json:
        print_json({"plan": plan.pk, "version": plan.version, "columns": to_json(cols)})
        return
    print_comparison(cols, table(cols))


def print_comparison(cols: list[Any], sections: list[dict[str, Any]]) -> None:
    """The comparison as the web page lays it out: a column for the plan then each scenario, a line per
    figure under its section; why a probability is missing under the table."""
    from django.utils.translation import gettext

    grid = Table()
    grid.add_column("")
    for n, col in enumerate(cols):
        title = f"{gettext('The plan')}\n{col.row.name}" if n == 0 else col.row.name
        grid.add_column(_cell(title), justify="right")
    for section in sections:
        grid.add_row(f"[bold]{_cell(section['title'])}[/bold]", *[""] * len(cols))
        for line in section["lines"]:
            grid.add_row(_cell(line["label"]), *[_cell(cell["text"]) for cell in line["cells"]])
    grid.add_row(f"[bold]{_cell(gettext('What differs from the plan'))}[/bold]", *[""] * len(cols))
    grid.add_row(
        _cell(gettext("Objects changed, added or removed")),
        *["—" if c.changes is None else str(c.changes) for c in cols],
    )
    out.print(grid)
    notes = {c.row.name: c.why_no_probability for c in cols if c.why_no_probability}
    for name, why in notes.items():
        out.print(f"{name}: {why}", markup=False, highlight=False, soft_wrap=True)


@scenario_app.command("promote")
def scenario_promote(
    scenario_id: Annotated[int, typer.Argument(help="The scenario's number.", min=1, max=MAX_ID)],
    acting: AsUser,
    base_version: Annotated[
        int,
        typer.Option(
            "--base-version", min=0, max=MAX_ID, help="The plan's version as you read it (pac plan versions says it)."
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Make a scenario the plan: its content written over the plan in place, as one change refused when the
    plan moved on since --base-version; the decision goes into the plan's log, and the scenario is gone."""
    from pac.web.plans import scenarios
    from pac.web.plans.versioning import PlanConflict

    who, found = _acting(scenario_id, acting)
    if found.scenario_of is None:
        raise fail(_("No scenario number {id}.").format(id=scenario_id))
    plan = found.scenario_of
    scenario = scenarios.scenario_of(plan, scenario_id)
    old, new, changes = scenarios.differences(plan, scenario)
    try:
        with refusals_said(), _recorded(who):
            decision = scenarios.scenario_promote(user=who, scenario=scenario, expected_version=base_version)
    except PlanConflict:
        plan.refresh_from_db()
        raise fail(
            _(
                "Plan {id} is at version {version}, not {base}: it changed since you read it. Look at the "
                "scenario again (pac plan scenario compare {id}) and promote it with --base-version {version}."
            ).format(id=plan.pk, version=plan.version, base=base_version)
        ) from None
    plan.refresh_from_db()
    if as_json:
        from pac.web.plans.version_diff import changes_data

        print_json(
            {
                "plan": plan.pk,
                "version": plan.version,
                "scenario": {"id": scenario_id, "name": scenario.name},
                "decision": decision.pk,
                "changes": changes_data(plan, old, new, changes),
            }
        )
        return
    from django.utils.translation import gettext

    from pac.web.plans.version_diff import worded_changes

    out.print(
        gettext("Scenario « %(name)s » promoted: it is the plan now, and the decision is in the log.")
        % {"name": scenario.name},
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    print_worded(worded_changes(plan, old, new, changes)["sections"])
    out.print(_("Plan {id} is now at version {version}.").format(id=plan.pk, version=plan.version))
