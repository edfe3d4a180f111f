from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pac.engine import labels
from pac.web.accounts.models import ROLE_CHOICES, Team
from pac.web.language import choices
from pac.web.plans.recorded import PlanHistory

STAGE_CHOICES = choices(labels.STAGE_NAMES)
METRIC_CHOICES = choices(labels.METRIC_LABELS)
PERIOD_CHOICES = choices(labels.PERIOD_LABELS)


class InFileOrder(models.Model):
    """A row of a plan file's list (segments, accounts, actions…): ``position`` keeps the file's order, so
    that the plan exported reads as the file applied — rows kept in place by id would otherwise come back in
    the order they were first created. A row created one at a time (a form, an import of accounts) comes
    after the others."""

    position = models.PositiveIntegerField(default=None, editable=False)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.position is None:
            last = self.siblings().aggregate(last=models.Max("position"))["last"]
            self.position = 0 if last is None else last + 1
        super().save(*args, **kwargs)

    def siblings(self) -> models.QuerySet[Any]:
        """The rows of the same list (the plan's, by default)."""
        return type(self)._default_manager.filter(plan_id=self.plan_id)  # type: ignore[attr-defined]


class Plan(models.Model):
    """A plan d'action commercial of one team. ``version`` grows at every change so that two
    people editing at once cannot silently overwrite each other."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="plans", verbose_name=_("team"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plans", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=200)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    country = models.CharField(_("country"), max_length=2, default="FR")
    average_deal = models.DecimalField(
        _("average deal"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    weekly_weights = models.JSONField(_("weekly weights"), null=True, blank=True)
    fiscal_year_start = models.PositiveSmallIntegerField(
        _("fiscal year starts in month"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    timezone = models.CharField(_("time zone"), max_length=60, default="Europe/Paris")
    budget = models.DecimalField(
        _("budget"), max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    weight_value = models.DecimalField(
        _("weight of value"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    weight_velocity = models.DecimalField(
        _("weight of velocity"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.3"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    weight_cost = models.DecimalField(
        _("weight of acquisition cost"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.2"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    # the thresholds the plan sets for its alerts (engine.alerts), only those that differ from the defaults,
    # as the plan file's ``alerts`` section writes them
    alert_thresholds = models.JSONField(_("alert thresholds"), default=dict, blank=True)
    # a what-if scenario: a copy of ``scenario_of`` that is never applied (hidden from every list of plans,
    # the cockpit, alerts, feeds and reports), compared with it side by side, and promoted to become it
    scenario_of = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="scenarios", verbose_name=_("scenario of")
    )
    scenario_note = models.CharField(_("what the scenario assumes"), max_length=300, blank=True)
    # a part of a longer plan (a quarter or a month of the year, ``plans.breakdown``): a real plan of the team,
    # linked to the plan it was cut from. PROTECT: a part carries its own actions, progress and decisions, so
    # deleting the year never takes them along (CASCADE) nor silently cuts them loose (SET_NULL); the page
    # says to delete the parts first.
    part_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="parts", verbose_name=_("part of")
    )
    # the part's period as the engine names it (``2027-Q1``, ``2027-03``), worded per language at display
    part_key = models.CharField(_("period of the part"), max_length=7, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # the version and timestamps move with every change of any of the plan's rows: noise in its history
    history = PlanHistory(excluded_fields=["version", "created_at", "updated_at"])

    class Meta:
        ordering = ["-start", "name"]
        constraints = [
            # one plan per period of a year: a second « create the parts » cannot duplicate them
            models.UniqueConstraint(
                fields=["part_of", "part_key"], condition=Q(part_of__isnull=False), name="plan_part_unique"
            ),
        ]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name


class Objective(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    code = models.SlugField(_("id"), max_length=64)
    metric = models.CharField(_("metric"), max_length=20, choices=METRIC_CHOICES, blank=True)
    target = models.DecimalField(
        _("target"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    per = models.CharField(_("recurrence"), max_length=10, choices=PERIOD_CHOICES, blank=True)
    segment = models.CharField(_("segment"), max_length=64, blank=True)
    position = models.PositiveIntegerField(default=0)

    history = PlanHistory()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="objective_code_unique")]

    def __str__(self) -> str:
        return self.code


class FunnelStage(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("stage"), max_length=10, choices=STAGE_CHOICES)
    rate = models.DecimalField(
        _("rate to next stage"),
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal(1))],
    )
    days = models.PositiveIntegerField(_("days to next stage"), default=0, validators=[MaxValueValidator(3650)])
    position = models.PositiveSmallIntegerField(default=0)

    history = PlanHistory()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["plan", "stage"], name="funnel_stage_unique")]

    def __str__(self) -> str:
        return self.stage


class PlanRole(models.Model):
    """People a plan counts on: headcount and weekly hours of one role, from a start date (none: already
    there) with a ramp-up (their productivity in each month from the start). A role may have several rows."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES)
    headcount = models.PositiveIntegerField(_("headcount"), validators=[MaxValueValidator(10000)])
    hours_per_week = models.DecimalField(
        _("hours per week"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(35),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal(80))],
    )
    start = models.DateField(_("joins on"), null=True, blank=True)
    ramp_up = models.JSONField(_("ramp-up"), default=list, blank=True)  # fractions as text, month by month

    history = PlanHistory()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.role} × {self.headcount}"


class Effort(models.Model):
    """Hours of one role's work for each unit of a stage's volume."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="efforts")
    stage = models.CharField(_("stage"), max_length=10, choices=STAGE_CHOICES)
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES)
    hours = models.DecimalField(
        _("hours per unit"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
    )

    history = PlanHistory()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["plan", "stage", "role"], name="effort_unique")]

    def __str__(self) -> str:
        return f"{self.stage}/{self.role}: {self.hours} h"


ACTION_TYPE_CHOICES = choices(labels.ACTION_TYPE_LABELS)
ACTION_STATUS_CHOICES = choices(labels.ACTION_STATUS_LABELS)
CHANNEL_CHOICES = choices(labels.CHANNEL_LABELS)
EVENT_KIND_CHOICES = choices(labels.EVENT_KIND_LABELS)
BUYING_ROLE_CHOICES = choices(labels.BUYING_ROLE_LABELS)
PARTNER_KIND_CHOICES = choices(labels.PARTNER_KIND_LABELS)
PARTNER_STATUS_CHOICES = choices(labels.PARTNER_STATUS_LABELS)


class Segment(InFileOrder):
    """A target segment (ICP): criteria, value proposition, messages, potential, rates."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="segments")
    code = models.SlugField(_("id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    criteria = models.JSONField(_("criteria"), default=dict, blank=True)  # {industry: [...], size, region, persona}
    value_proposition = models.TextField(_("value proposition"), blank=True)
    messages = models.JSONField(_("messages"), default=list, blank=True)
    potential_accounts = models.PositiveIntegerField(_("potential accounts"), null=True, blank=True)
    potential_value = models.DecimalField(
        _("potential value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    rates = models.JSONField(_("rates"), default=dict, blank=True)  # {stage: rate}
    cycle_days = models.PositiveIntegerField(_("cycle (days)"), null=True, blank=True)
    acquisition_cost = models.DecimalField(
        _("acquisition cost"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )

    history = PlanHistory()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="segment_code_unique")]

    def __str__(self) -> str:
        return self.name


class Account(InFileOrder):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="accounts")
    code = models.SlugField(_("id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    segment = models.ForeignKey(
        Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="accounts", verbose_name=_("segment")
    )
    strategic = models.BooleanField(_("strategic"), default=False)
    potential = models.DecimalField(
        _("potential value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    icp_fit = models.DecimalField(
        _("ICP fit"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    owner = models.CharField(_("owner"), max_length=150, blank=True)
    stage = models.CharField(_("stage"), max_length=10, choices=STAGE_CHOICES, blank=True)

    history = PlanHistory()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="account_code_unique")]

    def __str__(self) -> str:
        return self.name


class Contact(InFileOrder):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    code = models.SlugField(_("id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    persona = models.CharField(_("persona"), max_length=60, blank=True)
    buying_role = models.CharField(_("buying role"), max_length=20, choices=BUYING_ROLE_CHOICES, blank=True)
    email = models.EmailField(_("email"), blank=True)

    history = PlanHistory()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["account", "code"], name="contact_code_unique")]

    def __str__(self) -> str:
        return self.name

    def siblings(self) -> models.QuerySet[Any]:
        """The plan's contacts: the plan file lists them in one list, whatever their account."""
        return Contact.objects.filter(account__plan_id=self.account.plan_id)


class Event(InFileOrder):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="events")
    code = models.SlugField(_("id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=EVENT_KIND_CHOICES, default="other")
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    campaigns = models.JSONField(_("activation campaigns (days before)"), default=list, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)

    history = PlanHistory()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="event_code_unique")]

    def __str__(self) -> str:
        return self.name


class Action(InFileOrder):
    """An action of the plan: what, for whom, by whom, when, for how much, to yield what.
    ``raci`` is {"R": [...], "A": "...", "C": [...], "I": [...]} with usernames."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    code = models.SlugField(_("id"), max_length=64)
    type = models.CharField(_("type"), max_length=30, choices=ACTION_TYPE_CHOICES)
    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES, blank=True)
    segment = models.ForeignKey(
        Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions", verbose_name=_("segment")
    )
    accounts = models.ManyToManyField(Account, blank=True, related_name="actions", verbose_name=_("accounts"))
    persona = models.CharField(_("persona"), max_length=60, blank=True)
    message = models.TextField(_("message"), blank=True)
    expected_volume = models.DecimalField(
        _("expected volume"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    expected_stage = models.CharField(_("expected stage"), max_length=10, choices=STAGE_CHOICES, blank=True)
    expected_metric = models.CharField(_("expected metric"), max_length=60, blank=True)
    expected_objective = models.CharField(_("objective served"), max_length=64, blank=True)
    owner = models.CharField(_("owner"), max_length=150, blank=True)
    role = models.CharField(_("role doing the hours"), max_length=20, choices=ROLE_CHOICES, blank=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(Decimal(0))]
    )
    hours = models.DecimalField(
        _("hours"), max_digits=9, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(Decimal(0))]
    )
    status = models.CharField(_("status"), max_length=12, choices=ACTION_STATUS_CHOICES, default="planned")
    #: How far the owner says the action has got, in percent (the owner keeps it up to date inline).
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    #: Grows at every inline status or progress update, so that two people updating one action at once
    #: are told instead of one silently overwriting the other (the plan's ``version`` does this for forms).
    version = models.PositiveIntegerField(default=0, editable=False)
    kpi = models.CharField(_("KPI"), max_length=200, blank=True)
    value = models.DecimalField(
        _("expected value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions", verbose_name=_("event")
    )
    raci = models.JSONField(_("RACI"), default=dict, blank=True)

    # the version moves with every update (compare-and-set), the accounts targeted are part of the action
    history = PlanHistory(excluded_fields=["version"], m2m_fields=["accounts"])

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="action_code_unique")]

    def __str__(self) -> str:
        return self.name


class Milestone(InFileOrder):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("name"), max_length=200)
    date = models.DateField(_("date"))

    history = PlanHistory()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def siblings(self) -> models.QuerySet[Any]:
        """The action's milestones."""
        return Milestone.objects.filter(action_id=self.action_id)


class Ritual(InFileOrder):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rituals")
    code = models.SlugField(_("id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    rrule = models.CharField(_("recurrence (RRULE)"), max_length=300)
    time = models.TimeField(_("time"))
    minutes = models.PositiveIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(1440)]
    )
    owner = models.CharField(_("owner"), max_length=150, blank=True)
    attendees = models.JSONField(_("attendees"), default=list, blank=True)

    history = PlanHistory()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="ritual_code_unique")]

    def __str__(self) -> str:
        return self.name


class Deadline(InFileOrder):
    """A reporting deadline: one date or a recurrence."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="deadlines")
    code = models.SlugField(_("id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    date = models.DateField(_("date"), null=True, blank=True)
    rrule = models.CharField(_("recurrence (RRULE)"), max_length=300, blank=True)
    owner = models.CharField(_("owner"), max_length=150, blank=True)

    history = PlanHistory()

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="deadline_code_unique")]

    def __str__(self) -> str:
        return self.name


class Partner(InFileOrder):
    """A channel partner the plan recruits and sells through (``engine.model.Partner``): who manages it,
    where it stands in recruitment (the day it signed from « recruited » on), its MDF budget."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="partners")
    code = models.SlugField(_("id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PARTNER_KIND_CHOICES, default="var")
    owner = models.CharField(_("owner"), max_length=150, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=PARTNER_STATUS_CHOICES, default="prospect")
    recruited = models.DateField(_("recruited on"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=200, blank=True)
    segment = models.ForeignKey(
        Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="partners", verbose_name=_("segment")
    )
    mdf_budget = models.DecimalField(
        _("MDF budget"), max_digits=14, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(Decimal(0))]
    )

    history = PlanHistory()

    class Meta(InFileOrder.Meta):
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="partner_code_unique")]

    def __str__(self) -> str:
        return self.name


class GovernanceRaci(models.Model):
    """Who is Responsible, Accountable, Consulted, Informed for a recurring activity of the team."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="governance")
    activity = models.CharField(_("activity"), max_length=200)
    raci = models.JSONField(_("RACI"), default=dict)
    position = models.PositiveIntegerField(default=0)

    history = PlanHistory()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.activity


class Decision(models.Model):
    """A manager's override of the proposed selection: kept, with who, why and when (never edited)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="decisions")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="decisions")
    include = models.BooleanField(_("include"))
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    history = PlanHistory()

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {'+' if self.include else '-'}"


class CalendarFeed(models.Model):
    """A subscribable iCalendar URL. Its secret token is the credential (calendar clients cannot log in), so it
    can be revoked and renewed; only the token's SHA-256 is kept, so the database or a backup gives no working
    URL, and the URL is shown once, when it is created. A fast hash is enough: the token is 256 random bits."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="feeds")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    personal = models.BooleanField(default=False)  # only the user's own items
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"feed {self.plan_id}/{self.user_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        """What is stored for a token, and what a feed URL's token is looked up by."""
        return hashlib.sha256(token.encode("utf-8")).hexdigest()


#: What a decision of the log arbitrates: the kinds of arbitration PAC records (codes; labels in
#: ``decision_log.KIND_LABELS``).
DECISION_KINDS = ("priority", "lever", "alert", "forecast", "meeting", "scenario")


class RitualMeeting(models.Model):
    """One occurrence of a ritual that was held: the agenda frozen from the cockpit when it was opened
    (JSON, worded in each language then: the figures as they stood that day), the minutes the manager
    types, who was there. ``version`` grows at every minutes edit (compare-and-set: two editors typing at
    once are told instead of one losing the other's text)."""

    ritual = models.ForeignKey(Ritual, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("ritual"))
    date = models.DateField(_("date"))
    agenda = models.JSONField(_("agenda"), default=dict, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    minutes = models.TextField(_("minutes"), blank=True)
    present = models.JSONField(_("attendees present"), default=list, blank=True)  # usernames
    version = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    history = PlanHistory(excluded_fields=["version", "updated_at", "agenda"])

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["ritual", "date"], name="ritual_meeting_unique")]

    def __str__(self) -> str:
        return f"{self.ritual} {self.date}"


class DecisionLog(models.Model):
    """One arbitration, kept as it was made (never edited): who decided, when, about what (``kind`` and
    ``subject``: the object's stable reference, ``subject_name`` how it was named then), why, and what it
    changed (``change``: a code and its parameters, worded in the reader's language when shown, see
    ``decision_log``). Decisions taken in a ritual's meeting point to it."""

    KIND_CHOICES = [(kind, kind) for kind in DECISION_KINDS]

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="decision_log")
    kind = models.CharField(_("kind"), max_length=12, choices=KIND_CHOICES)
    subject = models.CharField(max_length=300, blank=True)
    subject_name = models.CharField(max_length=300, blank=True)
    change = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    reason = models.TextField(_("why"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True, db_index=True)
    meeting = models.ForeignKey(
        RitualMeeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["plan", "kind", "decided_at"], name="decision_log_plan_kind")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.change} {self.subject}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValueError("A logged decision is never changed: record a new one.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class PlanVersion(models.Model):
    """The plan as it stood after one saved change: its plan file (``content``, YAML in the normal form),
    numbered like ``Plan.version``. Two versions compare object by object (``engine.plandiff``); the one
    marked ``baseline`` is what the manager measures re-plans against."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("saved on"), auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content = models.TextField()
    baseline = models.BooleanField(_("baseline"), default=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique"),
            models.UniqueConstraint(fields=["plan"], condition=Q(baseline=True), name="plan_one_baseline"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"
