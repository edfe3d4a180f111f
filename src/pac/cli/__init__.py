"""The ``pac`` command: one Typer app whose commands live in a module per domain.

Engine commands (``funnel``, ``calendar``, ``priorities``, ``plan validate|schema|compile``, ``kpis --source``)
need no database; the others set Django up when they run, so that ``pac funnel`` stays fast anywhere."""

from __future__ import annotations

import typer

from pac.cli import (
    actions,
    alerts,
    corrections,
    crm,
    demo,
    enrolment,
    feeds,
    forecast,
    forecast_call,
    governance,
    meetings,
    optouts,
    people,
    plan_reads,
    plans,
    playbooks,
    privacy,
    queue,
    reports,
    sequences,
    server,
    thresholds,
    tokens,
    versions,
)
from pac.cli.terminal import _

plans.plan_app.command("list")(plan_reads.plan_list)
plans.plan_app.command("show")(plan_reads.plan_show)
plans.plan_app.command("history")(plan_reads.plan_history)
alerts.alerts_app.command("list")(governance.alerts_list)
alerts.alerts_app.command("dismiss")(governance.alerts_dismiss)
governance.meeting_app.command("minutes")(meetings.meeting_minutes)
governance.meeting_app.command("decide")(meetings.meeting_decide)

app = typer.Typer(help=_("PAC — plan d'action commercial."), no_args_is_help=True, pretty_exceptions_enable=False)
plans.plan_app.command("versions")(versions.versions_command)
plans.plan_app.command("version-diff")(versions.version_diff_command)
plans.plan_app.command("baseline")(versions.baseline_command)
plans.plan_app.command("thresholds")(thresholds.thresholds_command)
plans.plan_app.add_typer(versions.scenario_app, name="scenario")
app.add_typer(plans.plan_app, name="plan")
app.add_typer(playbooks.playbook_app, name="playbook")
app.add_typer(reports.report_app, name="report")
app.add_typer(alerts.alerts_app, name="alerts")
app.add_typer(privacy.erase_app, name="erase")
app.add_typer(tokens.token_app, name="token")
app.add_typer(actions.action_app, name="action")
app.add_typer(governance.meeting_app, name="meeting")
app.add_typer(people.people_app, name="people")
app.add_typer(optouts.optout_app, name="optout")
app.add_typer(forecast_call.forecast_call_app, name="forecast-call")
app.add_typer(queue.touch_app, name="touch")
app.add_typer(feeds.feed_app, name="feed")
app.command()(plans.funnel)
app.command("calendar")(plans.calendar_command)
app.command("priorities")(plans.priorities_command)
app.command("sequences")(sequences.sequences_command)
app.command("sequences-send")(sequences.sequences_send_command)
app.command("levers")(corrections.levers_command)
app.command("import")(crm.import_command)
app.command("kpis")(crm.kpis_command)
app.command("forecast")(forecast.forecast_command)
app.command("backtest")(forecast.backtest_command)
app.command()(server.migrate)
app.command()(server.serve)
app.command()(server.worker)
app.command()(server.createuser)
app.command()(demo.demo)
app.command("export-team")(privacy.export_team_command)
app.command("backup")(privacy.backup_command)
app.command("restore")(privacy.restore_command)
app.command("decisions")(governance.decisions_command)
app.command("enrol")(enrolment.enrol_command)
app.command("today")(queue.today_command)
