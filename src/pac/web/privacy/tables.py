"""What « everything of a team » is: each table of the team's data, the rows that are the team's and the
columns exported. Credentials stay out (password hashes, calendar feed tokens, webhook URLs, the path of
an uploaded file on the server)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from pac.web.accounts.models import Team, User
from pac.web.cockpit.models import AlertState, ForecastAdjustment, ForecastSubmission
from pac.web.crm.models import KINDS, ImportJob, OpportunityChange
from pac.web.plans import models as plans
from pac.web.playbooks.models import TeamPlaybook
from pac.web.privacy.models import Erasure
from pac.web.sequences import models as sequences

#: Columns never exported, whatever the table.
SECRET_COLUMNS = frozenset({"password", "token", "webhook", "stored_path", "data_stamp"})


@dataclass(frozen=True)
class Table:
    """One table of the export: its file name, its model and the team's rows of it."""

    name: str
    model: type[models.Model]
    rows: Callable[[Team], QuerySet[models.Model]]
    only: tuple[str, ...] = ()  # the columns, when not every non-secret one

    def columns(self) -> list[str]:
        """The exported columns, foreign keys as ids (``plan_id``), in the model's order."""
        if self.only:
            return list(self.only)
        return [
            f.attname
            for f in self.model._meta.concrete_fields
            if f.name not in SECRET_COLUMNS and f.attname not in SECRET_COLUMNS
        ]

    def queryset(self, team: Team) -> QuerySet[models.Model]:
        return self.rows(team).order_by("pk")


def _plan_rows(model: type[models.Model], path: str = "plan__team") -> Callable[[Team], QuerySet[models.Model]]:
    return lambda team: model._default_manager.filter(**{path: team})


def _team_rows(model: type[models.Model]) -> Callable[[Team], QuerySet[models.Model]]:
    return lambda team: model._default_manager.filter(team=team)


MEMBER_COLUMNS = (
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "is_active",
    "date_joined",
    "last_login",
)

TABLES: tuple[Table, ...] = (
    Table("team", Team, lambda team: Team.objects.filter(pk=team.pk), ("id", "name", "data_credit")),
    Table("members", User, lambda team: User.objects.filter(teams=team), MEMBER_COLUMNS),
    Table("plans", plans.Plan, _plan_rows(plans.Plan, "team")),
    Table("objectives", plans.Objective, _plan_rows(plans.Objective)),
    Table("funnel_stages", plans.FunnelStage, _plan_rows(plans.FunnelStage)),
    Table("plan_roles", plans.PlanRole, _plan_rows(plans.PlanRole)),
    Table("efforts", plans.Effort, _plan_rows(plans.Effort)),
    Table("segments", plans.Segment, _plan_rows(plans.Segment)),
    Table("target_accounts", plans.Account, _plan_rows(plans.Account)),
    Table("target_contacts", plans.Contact, _plan_rows(plans.Contact, "account__plan__team")),
    Table("events", plans.Event, _plan_rows(plans.Event)),
    Table("actions", plans.Action, _plan_rows(plans.Action)),
    Table(
        "action_accounts",
        plans.Action.accounts.through,
        _plan_rows(plans.Action.accounts.through, "action__plan__team"),
    ),
    Table("milestones", plans.Milestone, _plan_rows(plans.Milestone, "action__plan__team")),
    Table("rituals", plans.Ritual, _plan_rows(plans.Ritual)),
    Table("deadlines", plans.Deadline, _plan_rows(plans.Deadline)),
    Table("governance_raci", plans.GovernanceRaci, _plan_rows(plans.GovernanceRaci)),
    Table("partners", plans.Partner, _plan_rows(plans.Partner)),
    Table("decisions", plans.Decision, _plan_rows(plans.Decision)),
    Table("decision_log", plans.DecisionLog, _plan_rows(plans.DecisionLog)),
    Table("ritual_meetings", plans.RitualMeeting, _plan_rows(plans.RitualMeeting, "ritual__plan__team")),
    Table("plan_versions", plans.PlanVersion, _plan_rows(plans.PlanVersion)),
    *(Table(f"crm_{kind}", model, _team_rows(model)) for kind, model in KINDS.items()),
    Table("crm_opportunity_changes", OpportunityChange, _team_rows(OpportunityChange)),
    Table("import_jobs", ImportJob, _team_rows(ImportJob)),
    Table("forecast_submissions", ForecastSubmission, _plan_rows(ForecastSubmission)),
    Table("forecast_adjustments", ForecastAdjustment, _plan_rows(ForecastAdjustment)),
    Table("alert_states", AlertState, _plan_rows(AlertState)),
    Table("sequences", sequences.SequenceTemplate, _plan_rows(sequences.SequenceTemplate)),
    Table("sequence_templates", sequences.StepTemplate, _plan_rows(sequences.StepTemplate, "sequence__plan__team")),
    Table("sequence_enrolments", sequences.Enrolment, _plan_rows(sequences.Enrolment)),
    Table("sequence_touches", sequences.Touch, _plan_rows(sequences.Touch, "enrolment__plan__team")),
    Table("touch_capacities", sequences.TouchCapacity, _plan_rows(sequences.TouchCapacity)),
    Table("opt_outs", sequences.OptOut, _team_rows(sequences.OptOut)),
    Table(
        "contact_consents",
        sequences.ContactConsent,
        _plan_rows(sequences.ContactConsent, "contact__account__plan__team"),
    ),
    Table("playbooks", TeamPlaybook, _team_rows(TeamPlaybook)),
    Table("erasures", Erasure, _team_rows(Erasure)),
)


#: Each table's name as a reader reads it (the file names stay these codes, for programs), and the other
#: things an erasure counts.
LABELS: dict[str, str] = {
    "team": gettext_noop("Team"),
    "members": gettext_noop("Members"),
    "plans": gettext_noop("Plans"),
    "objectives": gettext_noop("Objectives"),
    "funnel_stages": gettext_noop("Funnel stages"),
    "plan_roles": gettext_noop("Roles counted on"),
    "efforts": gettext_noop("Effort per stage"),
    "segments": gettext_noop("Segments"),
    "target_accounts": gettext_noop("Target accounts"),
    "target_contacts": gettext_noop("Contacts of target accounts"),
    "events": gettext_noop("Events"),
    "actions": gettext_noop("Actions"),
    "action_accounts": gettext_noop("Accounts of the actions"),
    "milestones": gettext_noop("Milestones"),
    "rituals": gettext_noop("Rituals"),
    "deadlines": gettext_noop("Reporting deadlines"),
    "governance_raci": gettext_noop("Governance RACI"),
    "partners": gettext_noop("Channel partners"),
    "decisions": gettext_noop("Decisions"),
    "decision_log": gettext_noop("Decision log"),
    "ritual_meetings": gettext_noop("Ritual meetings (agenda, minutes)"),
    "plan_versions": gettext_noop("Saved versions of the plans"),
    "crm_opportunities": gettext_noop("CRM opportunities"),
    "crm_accounts": gettext_noop("CRM accounts"),
    "crm_contacts": gettext_noop("CRM contacts"),
    "crm_leads": gettext_noop("CRM leads"),
    "crm_activities": gettext_noop("CRM activities"),
    "crm_subscriptions": gettext_noop("CRM subscriptions"),
    "crm_costs": gettext_noop("CRM costs"),
    "crm_opportunity_stages": gettext_noop("CRM stage history"),
    "crm_opportunity_changes": gettext_noop("Changes recorded by imports"),
    "import_jobs": gettext_noop("Imports"),
    "sequences": gettext_noop("Sequences"),
    "sequence_templates": gettext_noop("Sequence e-mail templates"),
    "sequence_enrolments": gettext_noop("Sequence enrolments"),
    "sequence_touches": gettext_noop("Sequence touches"),
    "touch_capacities": gettext_noop("Touches per rep and day"),
    "opt_outs": gettext_noop("Opt-outs"),
    "contact_consents": gettext_noop("Legal basis and source of contacts"),
    "forecast_submissions": gettext_noop("Forecast submissions"),
    "forecast_adjustments": gettext_noop("Forecast adjustments"),
    "alert_states": gettext_noop("Alerts set aside"),
    "playbooks": gettext_noop("The team's playbooks"),
    "erasures": gettext_noop("Erasures"),
    "calendar_feeds": gettext_noop("Calendar feeds revoked"),
    "alert_channels": gettext_noop("Alert recipients"),
}
