"""The canonical tables (DESIGN.md): one row per CRM record of a team, keyed by its external id so
that importing the same export again updates instead of duplicating. References between records
(an opportunity's account, an activity's opportunity) stay external ids: exports arrive in any order."""

from __future__ import annotations

from django.db import models

from pac.engine import labels
from pac.web.accounts.models import Team
from pac.web.language import choices

OUTCOME_CHOICES = choices(labels.OUTCOME_LABELS)


class CanonicalRow(models.Model):
    # no index of its own: the unique (team, external_id) index starts with the team and serves its
    # lookups, and one index less makes a large import's inserts faster
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    external_id = models.CharField(max_length=200)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.external_id


def _unique(name: str) -> list[models.UniqueConstraint]:
    return [models.UniqueConstraint(fields=["team", "external_id"], name=f"{name}_external_id_unique")]


class CrmAccount(CanonicalRow):
    name = models.CharField(max_length=300, blank=True)
    segment = models.CharField(max_length=200, blank=True)
    business_unit = models.CharField(max_length=200, blank=True)
    strategic = models.BooleanField(null=True)
    potential = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    owner = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = _unique("crmaccount")


class CrmContact(CanonicalRow):
    account = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=300, blank=True)
    email = models.CharField(max_length=300, blank=True)
    persona = models.CharField(max_length=100, blank=True)
    opted_out = models.BooleanField(null=True)

    class Meta:
        constraints = _unique("crmcontact")


class Lead(CanonicalRow):
    created = models.DateField(null=True)
    mql_at = models.DateField(null=True)
    sql_at = models.DateField(null=True)
    channel = models.CharField(max_length=200, blank=True)
    campaign = models.CharField(max_length=200, blank=True)
    account = models.CharField(max_length=200, blank=True)
    owner = models.CharField(max_length=200, blank=True)
    opportunity = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = _unique("lead")


class Opportunity(CanonicalRow):
    name = models.CharField(max_length=300, blank=True)
    account = models.CharField(max_length=200, blank=True)
    owner = models.CharField(max_length=200, blank=True)
    segment = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=200, blank=True)
    product = models.CharField(max_length=200, blank=True)
    stage = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=4, choices=OUTCOME_CHOICES)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    currency = models.CharField(max_length=3, blank=True)
    created = models.DateField(null=True)
    closed = models.DateField(null=True)
    forecast_category = models.CharField(max_length=100, blank=True)
    expected_close = models.DateField(null=True)
    lead = models.CharField(max_length=200, blank=True)  # the lead it came from: links the lead to it
    partner = models.CharField(max_length=200, blank=True)  # the channel partner: deals by partner

    class Meta:
        # no index but the unique one: the KPIs scan a team's deals whole (aggregates over every period),
        # and each index more slowed every imported row
        constraints = _unique("opportunity")


class Activity(CanonicalRow):
    kind = models.CharField(max_length=20, blank=True)
    owner = models.CharField(max_length=200, blank=True)
    account = models.CharField(max_length=200, blank=True)
    opportunity = models.CharField(max_length=200, blank=True)
    scheduled = models.DateField(null=True)
    held = models.BooleanField(null=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = _unique("activity")


class Subscription(CanonicalRow):
    account = models.CharField(max_length=200, blank=True)
    start = models.DateField(null=True)
    end = models.DateField(null=True)
    mrr = models.DecimalField(max_digits=18, decimal_places=2, null=True)

    class Meta:
        constraints = _unique("subscription")


class Cost(CanonicalRow):
    period_start = models.DateField(null=True)
    period_end = models.DateField(null=True)
    channel = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True)

    class Meta:
        constraints = _unique("cost")


class OpportunityStage(CanonicalRow):
    """An opportunity entered a stage on a day; the id is derived from the three (``io.crm.kinds``)."""

    opportunity = models.CharField(max_length=200)
    stage = models.CharField(max_length=200)
    entered = models.DateField(null=True)

    class Meta:
        constraints = _unique("opportunitystage")


#: KIND of `pac import` → model; the field names are the canonical ones.
KINDS: dict[str, type[CanonicalRow]] = {
    "opportunities": Opportunity,
    "accounts": CrmAccount,
    "contacts": CrmContact,
    "leads": Lead,
    "activities": Activity,
    "subscriptions": Subscription,
    "costs": Cost,
    "opportunity_stages": OpportunityStage,
}


def canonical_fields(kind: str) -> list[str]:
    """The canonical columns of a kind, in model order (external_id first)."""
    model = KINDS[kind]
    return ["external_id"] + [
        f.name for f in model._meta.concrete_fields if f.name not in ("id", "team", "external_id", "imported_at")
    ]


class ImportJob(models.Model):
    """One upload being imported in the background. Progress goes to a small file next to the
    upload (the import itself runs in one transaction, whose writes nobody sees until it ends)."""

    QUEUED, CHECKING, WRITING, DONE, REFUSED, FAILED = "queued", "checking", "writing", "done", "refused", "failed"
    HELD = "held"  # checked and counted, nothing written: it would change many rows, and waits for a yes
    # its worker stopped answering (killed, the machine restarted): nothing was written, its file is kept
    # for « Retry » until the job is retried or pruned
    INTERRUPTED = "interrupted"
    STATUS_CHOICES = [(s, s) for s in (QUEUED, CHECKING, WRITING, DONE, REFUSED, FAILED, HELD, INTERRUPTED)]
    FINISHED = (DONE, REFUSED, FAILED, HELD, INTERRUPTED)
    RUNNING = (CHECKING, WRITING)

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    preset = models.CharField(max_length=100, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    values = models.JSONField(default=dict, blank=True)
    on_duplicate = models.CharField(max_length=10, default="error")
    dry_run = models.BooleanField(default=False)
    file_name = models.CharField(max_length=300)
    stored_path = models.CharField(max_length=500)
    status = models.CharField(max_length=12, choices=STATUS_CHOICES, default=QUEUED)
    rows_read = models.PositiveIntegerField(default=0)
    counts = models.JSONField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True)  # the first ones, for the page
    problem_total = models.PositiveIntegerField(default=0)
    problem_codes = models.JSONField(default=dict, blank=True)  # "severity:code" → how many, all of them
    # what the import changes (or a dry run or a held import would change) in rows already there:
    # field → {"changed": n, "zero": n, "cleared": n} (opportunities), and "rows": rows updated
    changes = models.JSONField(default=dict, blank=True)
    confirmed = models.BooleanField(default=False)  # its changes were seen and accepted: never held
    error = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)  # the uploader's: the report is written in it
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # the worker running it says it is alive every few seconds (``jobs.Heartbeat``): a running job whose
    # heartbeat is older than ``jobs.STALE_AFTER`` lost its worker
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


class OpportunityChange(models.Model):
    """One field of one opportunity changed by an import (or set by the import that brought it): the
    history that reads the pipeline back as it stood on a past day. Written by the import's merge, in its
    transaction (``changes``): a refused or dry-run import leaves none; an unchanged deal adds none."""

    # one index, the team's (the FK's): the engines read a team's history whole, and each index more slows
    # the import that writes it
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    opportunity = models.CharField(max_length=200)
    field = models.CharField(max_length=20)
    old = models.CharField(max_length=200, blank=True)
    new = models.CharField(max_length=200, blank=True)
    recorded = models.DateTimeField()
    # the background job's id, kept as a reference (like a CRM's ids): old jobs are pruned, their history
    # stays, and no index or foreign key slows the import that writes a row per changed field
    job = models.PositiveBigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.opportunity}.{self.field}: {self.old} → {self.new}"


#: Tables PAC records itself (``pac.engine.canonical.RECORDED``) → model.
RECORDED: dict[str, type[models.Model]] = {"opportunity_changes": OpportunityChange}
