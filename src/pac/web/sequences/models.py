"""Sequences as stored: the cadences of a plan, who is enrolled, the dated touches, and the opt-outs.

The dates come from the pure scheduler (``pac.engine.sequences``); these rows keep its output and the
state a worker needs (a touch is claimed once, done once), so a restarted worker neither repeats nor skips.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pac.engine import labels
from pac.engine.sequences import Anchor
from pac.web.accounts.models import Team
from pac.web.language import choices
from pac.web.plans.models import Account, Action, Contact, Plan

CHANNEL_CHOICES = choices(labels.CHANNEL_LABELS)
ANCHOR_CHOICES = [(Anchor.START.value, _("enrolment day")), (Anchor.EVENT.value, _("event date"))]


class SequenceTemplate(models.Model):
    """A cadence of one plan: ``steps`` in the engine's shape (offset, channel, instructions), its A/B
    ``variants`` ({id, split}) and exit rules. ``version`` grows at every save (compare-and-set)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sequences")
    #: The plan's action the sequence serves: its meetings booked (and replies, when the action expects
    #: MQLs or SQLs) count against that action's expected volume.
    action = models.ForeignKey(
        Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="sequences", verbose_name=_("action")
    )
    code = models.SlugField(_("id"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    anchor = models.CharField(_("counted from"), max_length=10, choices=ANCHOR_CHOICES, default=Anchor.START.value)
    steps = models.JSONField(_("steps"), default=list)
    variants = models.JSONField(_("variants"), default=list, blank=True)
    exits = models.JSONField(_("exit rules"), default=list, blank=True)
    paused = models.BooleanField(_("paused"), default=False)
    paused_on = models.DateField(_("paused on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    #: Whom the plan file's entry enrols, kept to write the file back: ``segment``, ``accounts``, ``persona``,
    #: ``start``, ``event`` (codes, ISO date) and ``owner`` (who does the touches of accounts without one).
    audience = models.JSONField(_("whom it enrols"), default=dict, blank=True)
    #: Dated pauses from the plan file: [{start, end, contact (a contact's code, or absent: everyone)}].
    pauses = models.JSONField(_("pauses"), default=list, blank=True)

    class Meta:
        ordering = ["plan", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="sequence_code_unique")]

    def __str__(self) -> str:
        return self.name


class StepTemplate(models.Model):
    """The e-mail of one step for one persona (blank: any other persona) and one variant (blank: all)."""

    sequence = models.ForeignKey(SequenceTemplate, on_delete=models.CASCADE, related_name="templates")
    step = models.PositiveSmallIntegerField(_("step"))  # 1-based, as a user counts them
    persona = models.CharField(_("persona"), max_length=60, blank=True)
    variant = models.CharField(_("variant"), max_length=20, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"), max_length=20_000)

    class Meta:
        ordering = ["sequence", "step", "persona", "variant"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "step", "persona", "variant"], name="step_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.sequence} #{self.step} {self.persona} {self.variant}".strip()


class TouchCapacity(models.Model):
    """How many touches each owner of a plan can do in a business day (``owners`` {username: n} overrides
    ``default``), and when they are away (``absences`` [{owner, start, end}], ISO dates, both ends included).
    Without a row, the setting ``SEQUENCE_DAILY_CAPACITY`` applies to everybody."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="touch_capacity")
    default = models.PositiveSmallIntegerField(_("touches per day"), default=20)
    owners = models.JSONField(_("touches per day by owner"), default=dict, blank=True)
    absences = models.JSONField(_("absences"), default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.plan}: {self.default}"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    PAUSED = "paused", _("paused")
    STOPPED = "stopped", _("stopped")
    FINISHED = "finished", _("finished")


#: An enrolment still in its sequence: a contact has at most one of these per plan.
RUNNING = (EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED)


class Enrolment(models.Model):
    """A contact in a sequence. ``plan`` repeats the sequence's plan so that the database itself keeps a
    contact out of two running sequences of one plan (a partial unique index)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="enrolments")
    sequence = models.ForeignKey(SequenceTemplate, on_delete=models.CASCADE, related_name="enrolments")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="enrolments")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="enrolments")
    owner = models.CharField(_("owner"), max_length=150)
    variant = models.CharField(_("variant"), max_length=20, blank=True)
    start = models.DateField(_("start"))
    status = models.CharField(
        _("status"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    stop_reason = models.CharField(_("stop reason"), max_length=20, blank=True)  # an engine ExitRule code
    paused_on = models.DateField(_("paused on"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "contact"],
                condition=Q(status__in=["active", "paused"]),
                name="enrolment_one_running_per_plan",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.sequence})"


class TouchStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    CLAIMED = "claimed", _("claimed")
    SENDING = "sending", _("sending")  # committed just before the SMTP transaction of its message
    DONE = "done", _("done")
    SKIPPED = "skipped", _("skipped")
    FAILED = "failed", _("failed")  # the SMTP server refused it for a while: tried SEQUENCE_SEND_ATTEMPTS times


class TouchOutcome(models.TextChoices):
    """What came of a touch: an e-mail sent, or what the rep logged. Reply, meeting and bounce are exits."""

    SENT = "sent", _("e-mail sent")
    NO_ANSWER = "no_answer", _("no answer")
    REPLIED = "replied", _("replied")
    BOOKED = "booked", _("meeting booked")
    BOUNCED = "bounced", _("bounced")


class Touch(models.Model):
    """One step of one enrolment on its day. ``claim`` is the token of the worker run that took it: a
    touch leaves ``scheduled`` once, so it is sent once. An e-mail touch goes scheduled → claimed (a lease:
    ``claimed_at``, renewed while its worker lives) → sending → done (``sequences.sender``, docs/sequences.md
    « Sending »); ``attempts``, ``retry_at`` and ``reason`` say what went wrong on the way."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="touches")
    step = models.PositiveSmallIntegerField(_("step"))  # 1-based
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES)
    due = models.DateField(_("due"))
    owner = models.CharField(_("owner"), max_length=150)
    status = models.CharField(_("status"), max_length=10, choices=TouchStatus.choices, default=TouchStatus.SCHEDULED)
    claim = models.CharField(max_length=32, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome of the touch"), max_length=20, choices=TouchOutcome.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)  # SMTP transactions begun
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)  # after a temporary failure
    reason = models.CharField(_("reason"), max_length=20, blank=True)  # why skipped or failed: sender.REASONS
    error = models.CharField(_("error"), max_length=300, blank=True)  # the SMTP server's last answer

    class Meta:
        ordering = ["due", "id"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "step"], name="touch_step_unique")]
        indexes = [models.Index(fields=["status", "due"], name="touch_status_due")]

    def __str__(self) -> str:
        return f"{self.enrolment} #{self.step} {self.due}"


class OptOutSource(models.TextChoices):
    LINK = "link", _("unsubscribe link")
    MANUAL = "manual", _("manual")
    IMPORT = "import", _("import")


class OptOut(models.Model):
    """An e-mail address (lowercased) that the team may no longer write to, with when and how it came."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="opt_outs")
    email = models.EmailField(_("email"))
    date = models.DateTimeField(_("date"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=10, choices=OptOutSource.choices)

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["team", "email"], name="opt_out_unique")]

    def __str__(self) -> str:
        return self.email


class LegalBasis(models.TextChoices):
    LEGITIMATE_INTEREST = "legitimate_interest", _("legitimate interest")
    CONSENT = "consent", _("consent")
    CONTRACT = "contract", _("contract")


class ContactConsent(models.Model):
    """Why the team may prospect a contact (by default legitimate interest, per the CNIL's B2B guidance)
    and where their data came from; kept beside ``plans.Contact`` rather than on it."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="consent")
    legal_basis = models.CharField(
        _("legal basis"), max_length=20, choices=LegalBasis.choices, default=LegalBasis.LEGITIMATE_INTEREST
    )
    data_source = models.CharField(_("source of the data"), max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.contact}: {self.get_legal_basis_display()}"
