from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from pac.engine.model import Metric, Period, Stage
from pac.web.accounts.models import ROLE_CHOICES, Team

STAGE_CHOICES = [
    (Stage.LEAD.value, _("Lead")), (Stage.MQL.value, _("MQL")), (Stage.SQL.value, _("SQL")),
    (Stage.MEETING.value, _("Meeting")), (Stage.DEMO.value, _("Demo")),
    (Stage.PROPOSAL.value, _("Proposal")), (Stage.WON.value, _("Won")),
]
METRIC_CHOICES = [
    (Metric.REVENUE.value, _("Revenue")), (Metric.LEADS.value, _("Leads")), (Metric.MQLS.value, _("MQLs")),
    (Metric.SQLS.value, _("SQLs")), (Metric.MEETINGS.value, _("Meetings")), (Metric.DEMOS.value, _("Demos")),
    (Metric.PROPOSALS.value, _("Proposals")), (Metric.WINS.value, _("Wins (signatures)")),
    (Metric.ACCOUNTS.value, _("Target accounts")), (Metric.WIN_RATE.value, _("Win rate")),
    (Metric.CYCLE_DAYS.value, _("Sales cycle (days)")), (Metric.AVERAGE_DEAL.value, _("Average deal")),
]
PERIOD_CHOICES = [(Period.WEEK.value, _("per week")), (Period.MONTH.value, _("per month")),
                  (Period.QUARTER.value, _("per quarter"))]


class Plan(models.Model):
    """A plan d'action commercial of one team. ``version`` grows at every change so that two
    people editing at once cannot silently overwrite each other."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="plans", verbose_name=_("team"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plans",
                              verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=200)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    country = models.CharField(_("country"), max_length=2, default="FR")
    average_deal = models.DecimalField(_("average deal"), max_digits=14, decimal_places=2, null=True,
                                       blank=True, validators=[MinValueValidator(Decimal("0.01"))])
    weekly_weights = models.JSONField(_("weekly weights"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "name"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name


class Objective(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    code = models.SlugField(_("id"), max_length=64)
    metric = models.CharField(_("metric"), max_length=20, choices=METRIC_CHOICES, blank=True)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    per = models.CharField(_("recurrence"), max_length=10, choices=PERIOD_CHOICES, blank=True)
    segment = models.CharField(_("segment"), max_length=64, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="objective_code_unique")]

    def __str__(self) -> str:
        return self.code


class FunnelStage(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("stage"), max_length=10, choices=STAGE_CHOICES)
    rate = models.DecimalField(_("rate to next stage"), max_digits=6, decimal_places=4, null=True,
                               blank=True, validators=[MinValueValidator(Decimal("0.0001")),
                                                       MaxValueValidator(Decimal(1))])
    days = models.PositiveIntegerField(_("days to next stage"), default=0,
                                       validators=[MaxValueValidator(3650)])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["plan", "stage"], name="funnel_stage_unique")]

    def __str__(self) -> str:
        return self.stage


class PlanRole(models.Model):
    """The people a plan counts on: headcount and weekly hours of one role."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES)
    headcount = models.PositiveIntegerField(_("headcount"), validators=[MaxValueValidator(10000)])
    hours_per_week = models.DecimalField(_("hours per week"), max_digits=5, decimal_places=2,
                                         default=Decimal(35),
                                         validators=[MinValueValidator(Decimal("0.5")),
                                                     MaxValueValidator(Decimal(80))])

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["plan", "role"], name="plan_role_unique")]

    def __str__(self) -> str:
        return f"{self.role} × {self.headcount}"


class Effort(models.Model):
    """Hours of one role's work for each unit of a stage's volume."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="efforts")
    stage = models.CharField(_("stage"), max_length=10, choices=STAGE_CHOICES)
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES)
    hours = models.DecimalField(_("hours per unit"), max_digits=8, decimal_places=2,
                                validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))])

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["plan", "stage", "role"], name="effort_unique")]

    def __str__(self) -> str:
        return f"{self.stage}/{self.role}: {self.hours} h"
