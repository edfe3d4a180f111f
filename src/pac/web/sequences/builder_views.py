"""The plan's sequences: their list (steps in words, variants, counts, pause/resume/stop) and the builder.

The builder is one form posted whole: « Add a step », « Remove », « Up », « Preview » are submit buttons
whose ``op`` the view applies to the posted rows before showing the form again (htmx swaps the form; without
JavaScript the page comes back). Only « Save » writes, through ``services.sequence_save`` with the version
the form was opened at, so a stale save says so and keeps what the manager typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_htmx.http import HttpResponseClientRedirect

from pac.engine import labels
from pac.engine import sequences as engine
from pac.engine.model import Channel
from pac.engine.sequence_templates import ALLOWED_VARIABLES, MailTemplate, TemplateRefused
from pac.engine.sequence_templates import render as render_mail
from pac.web.accounts.abilities import Ability, requires
from pac.web.language import formatter, language
from pac.web.plans import selectors as plan_selectors
from pac.web.plans.inputs import parse_number, show_number, unique_slug
from pac.web.plans.models import Contact, Plan
from pac.web.plans.selectors import plan_scope
from pac.web.requests import current_user
from pac.web.sequences import selectors, services
from pac.web.sequences.models import SequenceTemplate

#: Exit rules as the builder's checkboxes say them.
EXIT_LABELS: dict[str, str] = {
    engine.ExitRule.REPLY: gettext_noop("the contact replies"),
    engine.ExitRule.MEETING: gettext_noop("a meeting is booked"),
    engine.ExitRule.BOUNCE: gettext_noop("the e-mail bounces"),
    engine.ExitRule.OPT_OUT: gettext_noop("the contact opts out"),
    engine.ExitRule.MANUAL: gettext_noop("a manager stops it by hand"),
}
#: The most rows of each kind a posted form is read for (the service bounds what is saved).
MAX_ROWS = {"steps": services.MAX_STEPS + 5, "variants": services.MAX_VARIANTS + 5, "templates": 60}


def channel_label(code: str) -> str:
    try:
        return _(labels.CHANNEL_LABELS[Channel(code)])
    except ValueError:
        return code


def day_label(offset: int) -> str:
    """« J3 » (business days after the start) or « J-30 » (calendar days before the event)."""
    return _("D%(offset)d") % {"offset": offset}


def steps_line(sequence: SequenceTemplate) -> str:
    """« E-mail J0 · Téléphone J3 · Social selling J8 · E-mail J21 »."""
    return " · ".join(f"{channel_label(s['channel'])} {day_label(int(s['offset']))}" for s in sequence.steps)


# --- the list --------------------------------------------------------------------------------


@requires(get=Ability.READ_PLANS, scope=plan_scope)
def sequence_list(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = current_user(request)
    plan = plan_selectors.plan_for(user, plan_id)
    fmt = formatter(plan.currency)
    rows = [
        {
            "sequence": s,
            "steps": steps_line(s),
            "days_in": _("business days after enrolment")
            if s.anchor == engine.Anchor.START
            else _("calendar days before the event"),
            "variants": [{"id": v["id"], "split": fmt.percent(Decimal(str(v["split"])), 0)} for v in s.variants],
            "enrolled": fmt.number(s.enrolled),
            "running": fmt.number(s.running),
        }
        for s in selectors.sequences_of(plan)
    ]
    return render(
        request,
        "sequences/list.html",
        {
            "plan": plan,
            "rows": rows,
            "title": _("Sequences"),
            "can_change": plan_selectors.can_edit(user, plan),
            "events": plan.events.order_by("start"),
        },
    )


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def sequence_builtin(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A new sequence from a built-in: « 4 touches in 21 days », or the event activation J-60/J-30/J-7
    named after one of the plan's events (its enrolment starts from that event)."""
    user = current_user(request)
    plan = plan_selectors.plan_for(user, plan_id)
    which = request.POST.get("builtin", "")
    if which not in engine.BUILTINS:
        messages.error(request, _("Choose one of the built-in sequences."))
        return redirect("sequences:list", plan_id=plan.pk)
    steps, anchor = engine.builtin(which)
    taken = set(SequenceTemplate.objects.filter(plan=plan).values_list("code", flat=True))
    if which == engine.EVENT_ACTIVATION:
        event = plan.events.filter(pk=_int(request.POST.get("event"))).first()
        if event is None:
            messages.error(request, _("Choose the event this activation sequence leads to."))
            return redirect("sequences:list", plan_id=plan.pk)
        name = _("Activation D-60/D-30/D-7 · %(event)s") % {"event": event.name}
        code = unique_slug(f"{engine.EVENT_ACTIVATION}-{event.code}", taken)
    else:
        name = _("4 touches in 21 days")
        code = unique_slug(which, taken)
    names = set(SequenceTemplate.objects.filter(plan=plan).values_list("name", flat=True))
    if name in names:  # a second copy is told apart: « 4 touches sur 21 jours (2) »
        name = next(f"{name} ({n})" for n in range(2, len(names) + 3) if f"{name} ({n})" not in names)
    sequence = services.sequence_save(
        user,
        plan,
        code=code,
        name=name,
        anchor=anchor.value,
        steps=[{"offset": s.offset, "channel": s.channel.value, "instructions": s.instructions} for s in steps],
    )
    messages.success(request, _("Sequence « %(name)s » created: adjust it, then enrol contacts.") % {"name": name})
    return redirect("sequences:edit", plan_id=plan.pk, sequence_id=sequence.pk)


@requires(post=Ability.CHANGE_PLANS, scope=plan_scope)
def sequence_state(request: HttpRequest, plan_id: int, sequence_id: int) -> HttpResponse:
    """Pause, resume or stop a whole sequence (the list's buttons)."""
    user = current_user(request)
    plan = plan_selectors.plan_for(user, plan_id)
    sequence = selectors.sequence_in(plan, sequence_id)
    what = request.POST.get("do", "")
    if what == "pause":
        services.pause(user, sequence=sequence)
        messages.success(request, _("« %(name)s » is paused: its touches wait.") % {"name": sequence.name})
    elif what == "resume":
        services.resume(user, sequence=sequence)
        messages.success(request, _("« %(name)s » resumed: its touches are scheduled again.") % {"name": sequence.name})
    elif what == "stop":
        stopped = services.stop(user, sequence=sequence)
        messages.success(
            request, _("« %(name)s » stopped for %(count)s contacts.") % {"name": sequence.name, "count": stopped}
        )
    else:
        messages.error(request, _("Unknown request."))
    return redirect("sequences:list", plan_id=plan.pk)


# --- the builder -----------------------------------------------------------------------------


@dataclass
class Builder:
    """The builder's form as posted (texts as typed, so nothing the manager wrote is lost)."""

    name: str = ""
    anchor: str = engine.Anchor.START.value
    version: int | None = None
    steps: list[dict[str, str]] = field(default_factory=list)
    variants: list[dict[str, str]] = field(default_factory=list)
    exits: list[str] = field(default_factory=lambda: [e.value for e in engine.ExitRule])
    templates: list[dict[str, str]] = field(default_factory=list)
    contact: str = ""

    @classmethod
    def of(cls, sequence: SequenceTemplate) -> Builder:
        lang = language()
        return cls(
            name=sequence.name,
            anchor=sequence.anchor,
            version=sequence.version,
            steps=[
                {"offset": str(s["offset"]), "channel": s["channel"], "instructions": s.get("instructions", "")}
                for s in sequence.steps
            ],
            variants=[
                {"id": v["id"], "split": show_number((Decimal(str(v["split"])) * 100).normalize(), lang)}
                for v in sequence.variants
            ],
            exits=list(sequence.exits),
            templates=[
                {"step": str(t.step), "persona": t.persona, "variant": t.variant, "subject": t.subject, "body": t.body}
                for t in sequence.templates.all()
            ],
        )

    @classmethod
    def posted(cls, data: Any) -> Builder:
        def rows(kind: str, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
            count = min(max(_int(data.get(kind)) or 0, 0), MAX_ROWS[kind])
            return [{n: data.get(f"{prefix}-{i}-{n}", "") for n in names} for i in range(count)]

        version = _int(data.get("version"))
        return cls(
            name=data.get("name", ""),
            anchor=data.get("anchor", engine.Anchor.START.value),
            version=version,
            steps=rows("steps", "step", ("offset", "channel", "instructions")),
            variants=rows("variants", "variant", ("id", "split")),
            exits=[e for e in data.getlist("exits") if e in EXIT_LABELS],
            templates=rows("templates", "tpl", ("step", "persona", "variant", "subject", "body")),
            contact=data.get("contact", ""),
        )

    def apply(self, op: str) -> int | None:
        """Apply a button's ``op`` to the rows; returns the template row to preview, if asked."""
        verb, _sep, arg = op.partition(":")
        n = _int(arg)
        if verb == "add_step" and len(self.steps) < services.MAX_STEPS:
            last = _int(self.steps[-1]["offset"]) if self.steps else None
            self.steps.append(
                {"offset": str((last or 0) + 3 if last is not None else 0), "channel": "email", "instructions": ""}
            )
        elif verb == "remove_step" and n is not None and 0 <= n < len(self.steps):
            del self.steps[n]
            kept = []
            for t in self.templates:  # templates follow their step (1-based), the removed step's go
                step = _int(t["step"])
                if step == n + 1:
                    continue
                if step is not None and step > n + 1:
                    t["step"] = str(step - 1)
                kept.append(t)
            self.templates = kept
        elif verb == "up_step" and n is not None and 0 < n < len(self.steps):
            self.steps[n - 1], self.steps[n] = self.steps[n], self.steps[n - 1]
            swap = {str(n): str(n + 1), str(n + 1): str(n)}
            for t in self.templates:
                t["step"] = swap.get(t["step"], t["step"])
        elif verb == "add_variant" and len(self.variants) < services.MAX_VARIANTS:
            self.variants.append({"id": chr(ord("A") + len(self.variants)), "split": ""})
        elif verb == "remove_variant" and n is not None and 0 <= n < len(self.variants):
            gone = self.variants.pop(n)["id"]
            self.templates = [t for t in self.templates if t["variant"] != gone]
        elif verb == "add_template":
            emails = [str(i) for i, s in enumerate(self.steps, start=1) if s["channel"] == Channel.EMAIL]
            self.templates.append(
                {"step": emails[0] if emails else "1", "persona": "", "variant": "", "subject": "", "body": ""}
            )
        elif verb == "remove_template" and n is not None and 0 <= n < len(self.templates):
            del self.templates[n]
        elif verb == "preview" and n is not None and 0 <= n < len(self.templates):
            return n
        return None

    def saved_templates(self) -> list[int]:
        """The template rows that are saved (rows left blank are ignored), in order."""
        return [i for i, t in enumerate(self.templates) if t["subject"].strip() or t["body"].strip()]

    def arguments(self) -> dict[str, Any]:
        """What ``services.sequence_save`` takes; a number that cannot be read is passed as typed, and
        the service refuses it where it stands."""
        lang = language()

        def split(text: str) -> Any:
            try:
                return float(parse_number(text, lang, percent=True) / 100)
            except ValueError:
                return text

        return {
            "name": self.name,
            "anchor": self.anchor,
            "steps": [
                {
                    "offset": _signed(s["offset"]),
                    "channel": s["channel"],
                    "instructions": s["instructions"],
                }
                for s in self.steps
            ],
            "variants": [{"id": v["id"].strip(), "split": split(v["split"])} for v in self.variants],
            "exits": self.exits,
            "templates": [
                {
                    "step": _int(self.templates[i]["step"]),
                    "persona": self.templates[i]["persona"],
                    "variant": self.templates[i]["variant"],
                    "subject": self.templates[i]["subject"],
                    "body": self.templates[i]["body"],
                }
                for i in self.saved_templates()
            ],
        }


def _int(text: Any) -> int | None:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def _signed(text: str) -> Any:
    """An offset as typed (« -30 », « 3 »); a text that is no whole number stays text (refused)."""
    value = _int(text.replace("−", "-"))
    return text if value is None else value


def _located(error: ValidationError, builder: Builder) -> dict[str, Any]:
    """The service's located errors as the form shows them: per step row, per template row (the service
    counts only saved templates), per field, and the rest at the top."""
    found: dict[str, Any] = {
        "top": [],
        "name": [],
        "anchor": [],
        "exits": [],
        "variants": [],
        "steps": {},
        "templates": {},
    }
    if not hasattr(error, "error_dict"):
        found["top"] = list(error.messages)
        return found
    saved = builder.saved_templates()
    for key, errors in error.message_dict.items():
        head, _sep, number = key.partition(".")
        n = _int(number)
        if head == "steps" and n is not None:
            found["steps"][n - 1] = errors
        elif head == "templates" and n is not None and n - 1 < len(saved):
            found["templates"][saved[n - 1]] = errors
        elif head in ("name", "anchor", "exits", "variants"):
            found[head] = errors
        else:
            found["top"] += errors
    return found


def _preview(plan: Plan, builder: Builder, row: int) -> dict[str, Any]:
    """The template of ``row`` rendered in the sandbox for the chosen real contact of the plan."""
    contact = Contact.objects.filter(account__plan=plan, pk=_int(builder.contact)).select_related("account").first()
    if contact is None:
        return {"row": row, "problems": [_("Choose a contact of the plan to preview this e-mail for.")]}
    t = builder.templates[row]
    context = selectors.mail_context(contact, plan, unsubscribe_url=_("[unsubscribe link]"))
    try:
        mail = render_mail(MailTemplate(t["subject"], t["body"]), context)
    except TemplateRefused as refused:
        show = formatter(plan.currency)
        return {"row": row, "contact": contact, "problems": [p.message(show, _) for p in refused.problems]}
    return {"row": row, "contact": contact, "subject": mail.subject, "body": mail.body}


def _builder_page(
    request: HttpRequest,
    plan: Plan,
    sequence: SequenceTemplate | None,
    builder: Builder,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    personas = selectors.personas_of(plan)
    context = {
        "plan": plan,
        "sequence": sequence,
        "b": builder,
        "title": sequence.name if sequence else _("New sequence"),
        "channels": [(c.value, _(text)) for c, text in labels.CHANNEL_LABELS.items()],
        "anchors": [
            (engine.Anchor.START.value, _("business days after the enrolment day")),
            (engine.Anchor.EVENT.value, _("calendar days before an event (negative: -30 for D-30)")),
        ],
        "exit_choices": [(code, _(text)) for code, text in EXIT_LABELS.items()],
        "personas": personas,
        "step_numbers": [str(i) for i in range(1, len(builder.steps) + 1)],
        "contacts": selectors.contacts_of(plan),
        "allowed": [
            f"{name}.{f}" if f else name
            for name, fields in ALLOWED_VARIABLES.items()
            for f in (sorted(fields) if fields else [""])
        ],
        "errors": extra.pop("errors", None) or _located(ValidationError({}), builder),
        "action": reverse("sequences:edit", args=[plan.pk, sequence.pk])
        if sequence
        else reverse("sequences:new", args=[plan.pk]),
        **extra,
    }
    template = "sequences/_builder_form.html" if getattr(request, "htmx", False) else "sequences/builder.html"
    # htmx swaps only 2xx answers: the form with its errors comes back as 200 to it, 400/409 to a plain post
    return render(request, template, context, status=200 if getattr(request, "htmx", False) else status)


def _builder(request: HttpRequest, plan_id: int, sequence_id: int | None) -> HttpResponse:
    user = current_user(request)
    plan = plan_selectors.plan_for(user, plan_id)
    sequence = selectors.sequence_in(plan, sequence_id) if sequence_id is not None else None
    if request.method != "POST":
        builder = (
            Builder.of(sequence)
            if sequence
            else Builder(steps=[{"offset": "0", "channel": "email", "instructions": ""}])
        )
        return _builder_page(request, plan, sequence, builder)
    builder = Builder.posted(request.POST)
    op = request.POST.get("op", "save")
    if op != "save":
        row = builder.apply(op)
        preview = _preview(plan, builder, row) if row is not None else None
        return _builder_page(request, plan, sequence, builder, preview=preview)
    if sequence is None:
        taken = set(SequenceTemplate.objects.filter(plan=plan).values_list("code", flat=True))
        code = unique_slug(builder.name or "sequence", taken)
    else:
        code = sequence.code
    try:
        saved = services.sequence_save(
            user, plan, code=code, version=builder.version if sequence else None, **builder.arguments()
        )
    except ValidationError as error:
        errors = _located(error, builder)
        status = 409 if sequence and not hasattr(error, "error_dict") else 400
        return _builder_page(request, plan, sequence, builder, errors=errors, status=status)
    messages.success(request, _("Sequence « %(name)s » saved.") % {"name": saved.name})
    target = reverse("sequences:list", args=[plan.pk])
    return HttpResponseClientRedirect(target) if getattr(request, "htmx", False) else redirect(target)


@requires(get=Ability.CHANGE_PLANS, post=Ability.CHANGE_PLANS, scope=plan_scope)
def sequence_new(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _builder(request, plan_id, None)


@requires(get=Ability.CHANGE_PLANS, post=Ability.CHANGE_PLANS, scope=plan_scope)
def sequence_edit(request: HttpRequest, plan_id: int, sequence_id: int) -> HttpResponse:
    return _builder(request, plan_id, sequence_id)
