"""Erasure on request (GDPR, article 17): the one write path that erases a person or a contact, and logs it.

A **person** (a PAC user) keeps their rows — the deals they won, the actions they own, their forecasts —
under a pseudonym (« Personne effacée n°12 », the number being the erasure's in the log): the account is
deactivated, its names and e-mail replaced, the username stored in plan objects (owners, RACI, attendees)
replaced by the pseudonymous one, the CRM rows they own (by username, full name or e-mail) given the
pseudonym, and the texts typed about them (a decision's reason, an action's message…) have the names
replaced. A **contact** (a CRM contact or a plan's contact) has its name and e-mail blanked.

The log (``Erasure``) says who did it, when, what kind, how many rows of which table, and a keyed hash of
the name: never the erased data. Other apps that keep personal data (the audit trail, login attempts) add
their scrubber to ``PERSON_SCRUBBERS``; each runs first, in the same transaction, while the account still
has its old username."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from pac.web.accounts.abilities import Ability, can
from pac.web.accounts.models import Team, User
from pac.web.cockpit.models import AlertChannel, ForecastAdjustment
from pac.web.crm.freshness import data_changed
from pac.web.crm.models import Activity, CrmAccount, CrmContact, ImportJob, Lead, Opportunity, OpportunityChange
from pac.web.plans import history
from pac.web.plans import models as plans
from pac.web.playbooks.models import TeamPlaybook
from pac.web.privacy.models import Erasure
from pac.web.sequences import models as sequences

#: Another app's scrubber: given the username of the person being erased (the account still has it), it
#: removes what that app keeps of them and says how many rows it touched. Registered by name, e.g.
#: ``PERSON_SCRUBBERS["history"] = pac.web.plans.history.scrub_person``. A scrubber writes to the database
#: only: the confirmation page runs the whole erasure and rolls it back to count what it would change.
PersonScrubber = Callable[[str], int | None]


def _scrub_login_attempts(username: str) -> int:
    """django-axes keeps each login attempt with its username and address: the person's are deleted."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return sum(
        model.objects.filter(username=username).delete()[0] for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )


def _revoke_api_tokens(username: str) -> int:
    """The person's API tokens stop working (revoked, kept with their date like any revoked token)."""
    from pac.web.api.models import ApiToken

    return ApiToken.objects.filter(user__username=username, revoked_at__isnull=True).update(revoked_at=timezone.now())


PERSON_SCRUBBERS: dict[str, PersonScrubber] = {
    "history": history.scrub_person,
    "login_attempts": _scrub_login_attempts,
    "api_tokens": _revoke_api_tokens,
}

#: Plan objects whose ``owner`` holds a username.
OWNED = {
    "target_accounts": plans.Account,
    "actions": plans.Action,
    "rituals": plans.Ritual,
    "deadlines": plans.Deadline,
    "partners": plans.Partner,
    "sequence_enrolments": sequences.Enrolment,
    "sequence_touches": sequences.Touch,
}
#: CRM tables whose ``owner`` holds a name as the CRM writes it (a login, a full name, an e-mail).
CRM_OWNED = {
    "crm_accounts": CrmAccount,
    "crm_leads": Lead,
    "crm_opportunities": Opportunity,
    "crm_activities": Activity,
}
#: Free text typed in PAC that may name a person: model, field, how its rows are reached from a team.
FREE_TEXT: tuple[tuple[str, type[models.Model], str, str], ...] = (
    ("actions", plans.Action, "message", "plan__team"),
    ("actions", plans.Action, "name", "plan__team"),
    ("decisions", plans.Decision, "reason", "plan__team"),
    ("decision_log", plans.DecisionLog, "reason", "plan__team"),
    ("decision_log", plans.DecisionLog, "subject_name", "plan__team"),
    ("ritual_meetings", plans.RitualMeeting, "minutes", "ritual__plan__team"),
    ("segments", plans.Segment, "value_proposition", "plan__team"),
    ("forecast_adjustments", ForecastAdjustment, "reason", "plan__team"),
    # a saved version is the plan file as it stood: owners, contacts, texts (a pseudonym is a valid name there)
    ("plan_versions", plans.PlanVersion, "content", "plan__team"),
)
#: The username an erased person is left with.
ERASED = re.compile(r"erased-\d+")
#: A name shorter than this is not searched in free text (« Al » would match too much).
MIN_NAME = 3


@dataclass(frozen=True)
class Person:
    """The person being erased: how the data may name them, and what replaces it."""

    username: str
    names: tuple[str, ...]  # username, full name, e-mail: every way a row may name them
    new_username: str
    pseudonym: str


def reference(identifier: str) -> str:
    """A keyed hash of the name: the same name always gives the same reference (so « was X erased? » can be
    answered), and the name cannot be read back from it."""
    return salted_hmac("pac.privacy.erasure", identifier.strip().casefold(), algorithm="sha256").hexdigest()


def can_erase(user: User, team: Team) -> bool:
    """Erasing is an administrator's act: an administrator of the team."""
    return user.is_active and can(user, Ability.ERASE_PERSONAL_DATA, team)


def _pseudonym(number: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # stored, so in the site's language
        return _("Erased person no. %(number)s") % {"number": number}


def _contact_pseudonym(number: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Erased contact no. %(number)s") % {"number": number}


@transaction.atomic
def erase_person(
    *,
    username: str,
    done_by: User | None,
    requested_by: str = Erasure.SUBJECT,
    request_ref: str = "",
    team: Team | None = None,
    via: str = Erasure.WEB,
) -> Erasure:
    """Erase the user ``username`` (see the module); ``team``: the team page it was asked from, if any."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationError(_("No user named %(name)s.") % {"name": username})
    if ERASED.fullmatch(user.username) and not user.is_active:
        raise ValidationError(_("%(name)s has already been erased.") % {"name": username})
    if done_by is not None and done_by.pk == user.pk:
        raise ValidationError(_("You cannot erase yourself: ask another administrator."))
    _check_request(requested_by, request_ref)
    erasure = Erasure.objects.create(
        kind=Erasure.PERSON,
        reference=reference(username),
        team=team,
        requested_by=requested_by,
        request_ref=request_ref,
        done_by=done_by,
        via=via,
    )
    names = {user.username, user.get_full_name(), f"{user.last_name} {user.first_name}".strip(), user.email}
    person = Person(
        username=user.username,
        names=tuple(sorted(n for n in names if n.strip())),
        new_username=f"erased-{erasure.pk}",
        pseudonym=_pseudonym(erasure.pk),
    )
    counts: Counter[str] = Counter()
    for name, scrubber in PERSON_SCRUBBERS.items():  # while the account still has its username
        counts[name] += scrubber(person.username) or 0
    teams = {t.pk for t in user.teams.all()} | ({team.pk} if team else set())
    counts.update(_scrub_plans(person))
    counts.update(_scrub_crm(person, teams))
    counts.update(_scrub_import_problems(person, teams))
    counts.update(_scrub_free_text(person.names, person.pseudonym))
    counts.update(_scrub_alert_recipients(person))
    counts.update(_scrub_playbooks(person))
    counts["calendar_feeds"] += plans.CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    user.username, user.first_name, user.last_name, user.email = person.new_username, person.pseudonym, "", ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    counts["members"] += 1
    erasure.counts = {k: v for k, v in sorted(counts.items()) if v}
    erasure.save(update_fields=["counts"])
    return erasure


@transaction.atomic
def erase_contact(
    *,
    team: Team,
    contact: str,
    done_by: User | None,
    requested_by: str = Erasure.SUBJECT,
    request_ref: str = "",
    via: str = Erasure.WEB,
) -> Erasure:
    """Blank the name and e-mail of a team's contact, given by its e-mail or its id (a CRM contact's
    external id, a plan contact's id): in the CRM table and in every plan of the team, all of its rows."""
    wanted = contact.strip()
    if not wanted or len(wanted) > 300:
        raise ValidationError(_("Give the contact's e-mail address or id."))
    _check_request(requested_by, request_ref)
    crm, in_plans = _contact_rows(wanted, team)
    if not crm.exists() and not in_plans.exists():
        raise ValidationError(_("The team %(team)s has no contact %(contact)s.") % {"team": team, "contact": wanted})
    erasure = Erasure.objects.create(
        kind=Erasure.CONTACT,
        reference=reference(wanted),
        team=team,
        requested_by=requested_by,
        request_ref=request_ref,
        done_by=done_by,
        via=via,
    )
    pseudonym = _contact_pseudonym(erasure.pk)
    names = [n for row in (*crm.values_list("name", "email"), *in_plans.values_list("name", "email")) for n in row]
    planned = list(in_plans.values_list("pk", flat=True))
    counts: Counter[str] = Counter(
        crm_contacts=crm.update(name="", email=""),
        target_contacts=in_plans.update(name=pseudonym, email=""),
        # the plan's history keeps each version of the contact: none of them keeps the person
        target_contacts_history=plans.Contact.history.filter(id__in=planned).update(name=pseudonym, email=""),
    )
    counts.update(_scrub_free_text(names, pseudonym, team))
    if counts["crm_contacts"]:
        data_changed(team.pk)
    erasure.counts = {k: v for k, v in sorted(counts.items()) if v}
    erasure.save(update_fields=["counts"])
    return erasure


def _contact_rows(wanted: str, team: Team | None) -> tuple[QuerySet[CrmContact], QuerySet[plans.Contact]]:
    """A contact's CRM rows and plan rows (``team``'s, or every team's): by id or e-mail, and the plan
    contacts with the e-mail of its CRM rows."""
    crm = CrmContact.objects.filter(Q(external_id=wanted) | Q(email__iexact=wanted))
    in_plans = plans.Contact.objects.all()
    if team is not None:
        crm, in_plans = crm.filter(team=team), in_plans.filter(account__plan__team=team)
    same = Q(code=wanted) | Q(email__iexact=wanted)
    for email in {e for e in crm.values_list("email", flat=True) if "@" in e}:
        same |= Q(email__iexact=email)
    return crm, in_plans.filter(same)


def contact_teams(contact: str) -> list[Team]:
    """The teams that have this contact (the command line may leave the team out when there is one)."""
    crm, in_plans = _contact_rows(contact.strip(), None)
    ids = {*crm.values_list("team_id", flat=True), *in_plans.values_list("account__plan__team_id", flat=True)}
    return list(Team.objects.filter(pk__in=ids).order_by("name"))


def _check_request(requested_by: str, request_ref: str) -> None:
    if requested_by not in dict(Erasure.REQUESTED_BY_CHOICES):
        raise ValidationError(_("Say who asked for the erasure."))
    if len(request_ref) > 100:
        raise ValidationError(_("The request reference is at most 100 characters."))


def _scrub_plans(person: Person) -> Counter[str]:
    """Usernames in plan objects: owners, RACI letters, ritual attendees (every team's: a username is one
    person across PAC)."""
    counts: Counter[str] = Counter()
    for table, model in OWNED.items():
        counts[table] += model._default_manager.filter(owner=person.username).update(owner=person.new_username)
    for table, model, field in (
        ("actions", plans.Action, "raci"),
        ("governance_raci", plans.GovernanceRaci, "raci"),
        ("rituals", plans.Ritual, "attendees"),
        ("sequences", sequences.SequenceTemplate, "audience"),
        ("touch_capacities", sequences.TouchCapacity, "absences"),
    ):
        for pk, value in model._default_manager.values_list("pk", field).iterator(chunk_size=500):
            renamed = _renamed(value, person.username, person.new_username)
            if renamed != value:
                model._default_manager.filter(pk=pk).update(**{field: renamed})
                counts[table] += 1
    for row in sequences.TouchCapacity.objects.filter(owners__has_key=person.username):  # keyed by username
        row.owners = {person.new_username if k == person.username else k: v for k, v in row.owners.items()}
        row.save(update_fields=["owners"])
        counts["touch_capacities"] += 1
    return counts


def _renamed(value: Any, old: str, new: str) -> Any:
    """A JSON value with the string ``old`` replaced by ``new`` wherever it stands alone."""
    if value == old:
        return new
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _renamed(v, old, new) for k, v in value.items()}
    return value


def _crm_names(person: Person) -> Q:
    query = Q()
    for name in person.names:
        query |= Q(owner__iexact=name)
    return query


def _scrub_crm(person: Person, teams: Iterable[int]) -> Counter[str]:
    """The CRM rows the person owns in their teams keep their figures, under the pseudonym; so do the
    recorded owner changes of the deals."""
    counts: Counter[str] = Counter()
    teams = list(teams)
    for table, model in CRM_OWNED.items():
        counts[table] += (
            model._default_manager.filter(team__in=teams).filter(_crm_names(person)).update(owner=person.pseudonym)
        )
    changes = OpportunityChange.objects.filter(team__in=teams, field="owner")
    for column in ("old", "new"):
        named = Q()
        for name in person.names:
            named |= Q(**{f"{column}__iexact": name})
        counts["crm_opportunity_changes"] += changes.filter(named).update(**{column: person.pseudonym})
    for team_id in teams:
        if counts.total():
            data_changed(team_id)  # cached figures showed the owner's name
    return counts


def _scrub_free_text(names: Iterable[str], replacement: str, team: Team | None = None) -> Counter[str]:
    """Texts typed in PAC (every team's, or ``team``'s): each whole-word occurrence of the names becomes the
    pseudonym."""
    counts: Counter[str] = Counter()
    names = [n for n in set(names) if len(n) >= MIN_NAME]
    if not names:
        return counts
    pattern = _names_pattern(names)
    for table, model, field, team_path in FREE_TEXT:
        found = Q()
        for name in names:
            found |= Q(**{f"{field}__icontains": name})
        # the plan's history keeps the texts as they were: scrubbed there too
        past = getattr(model, "history", None)
        for label, kept in ((table, model), (f"{table}_history", past.model if past is not None else None)):
            if kept is None:
                continue
            rows = kept._default_manager.filter(found)
            if team is not None:
                rows = rows.filter(**{team_path: team})
            for pk, text in rows.values_list("pk", field).iterator(chunk_size=500):
                scrubbed = pattern.sub(replacement, text)
                if scrubbed != text:
                    kept._default_manager.filter(pk=pk).update(**{field: scrubbed})
                    counts[label] += 1
    return counts


def _scrub_playbooks(person: Person) -> Counter[str]:
    """A team playbook's YAML names people as a plan does (owners, RACI: the username, which becomes the
    erased account's) and may quote their names (which become the pseudonym)."""
    counts: Counter[str] = Counter()
    login = re.compile(rf"(?<![\w.@+-]){re.escape(person.username)}(?![\w.@+-])")
    names = [n for n in person.names if n != person.username and len(n) >= MIN_NAME]
    pattern = _names_pattern(names) if names else None
    for row in TeamPlaybook.objects.all().iterator(chunk_size=100):
        text, title = login.sub(person.new_username, row.text), row.title
        if pattern is not None:
            text, title = pattern.sub(person.pseudonym, text), pattern.sub(person.pseudonym, title)
        if (text, title) != (row.text, row.title):
            TeamPlaybook.objects.filter(pk=row.pk).update(text=text, title=title[:200])
            counts["playbooks"] += 1
    return counts


def _names_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """Any of the names as a whole word, whatever the case (the longest first: « Alex Martin » before « Alex »)."""
    ordered = sorted(set(names), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in ordered) + r")(?!\w)", re.IGNORECASE)


def _scrub_import_problems(person: Person, teams: Iterable[int]) -> Counter[str]:
    """The problems an import job kept for its page quote the file's cells (an owner among them)."""
    counts: Counter[str] = Counter()
    names = [n for n in person.names if len(n) >= MIN_NAME]
    if not names:
        return counts
    pattern = _names_pattern(names)
    jobs = ImportJob.objects.filter(team__in=list(teams)).exclude(problems=[])
    for pk, problems in jobs.values_list("pk", "problems").iterator(chunk_size=200):
        scrubbed = _substituted(problems, pattern, person.pseudonym)
        if scrubbed != problems:
            ImportJob.objects.filter(pk=pk).update(problems=scrubbed)
            counts["import_jobs"] += 1
    return counts


def _substituted(value: Any, pattern: re.Pattern[str], replacement: str) -> Any:
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [_substituted(v, pattern, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _substituted(v, pattern, replacement) for k, v in value.items()}
    return value


def _scrub_alert_recipients(person: Person) -> Counter[str]:
    """The person's e-mail address among a plan's digest recipients is taken off the list."""
    counts: Counter[str] = Counter()
    emails = {n.casefold() for n in person.names if "@" in n}
    if not emails:
        return counts
    found = Q()
    for email in emails:
        found |= Q(emails__icontains=email)
    for channel in AlertChannel.objects.filter(found):
        kept = [line for line in channel.emails.splitlines() if line.strip().casefold() not in emails]
        if len(kept) != len(channel.emails.splitlines()):
            AlertChannel.objects.filter(pk=channel.pk).update(emails="\n".join(kept))
            counts["alert_channels"] += 1
    return counts
