"""The plan file's ``sequences`` and ``touch_capacity`` kept by the web app: imported with their enrolments
(scheduled within each owner's capacity), all or nothing, and exported back unchanged.

Run on SQLite and on PostgreSQL (``DATABASE_URL``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

import pac.engine
from pac.engine import sequences as engine
from pac.engine.planfile import dump_plan, parse_plan_file, to_plan
from pac.web.plans import services as plan_services
from pac.web.plans.applying import plan_apply
from pac.web.plans.filesections import plan_for_file
from pac.web.plans.models import Plan
from pac.web.sequences import services
from pac.web.sequences.models import Enrolment, SequenceTemplate, Touch, TouchCapacity

EXAMPLE = Path(pac.engine.__file__).parent / "examples" / "sequences.yaml"
TODAY = dt.date(2027, 4, 1)


def _file(text: str) -> Any:
    return to_plan(parse_plan_file(text, "plan.yaml"))


def _import(user: Any, team: Any, text: str, today: dt.date = TODAY) -> Plan:
    return plan_services.plan_create_from_file(user=user, team=team, plan=_file(text), today=today)


def _per_day(plan: Plan, owner: str) -> Counter[dt.date]:
    return Counter(Touch.objects.filter(enrolment__plan=plan, owner=owner).values_list("due", flat=True))


def test_the_example_plan_keeps_its_sequences_capacity_and_enrolments(owner: Any, team: Any) -> None:
    plan = _import(owner, team, EXAMPLE.read_text(encoding="utf-8"))

    icp, salon = SequenceTemplate.objects.filter(plan=plan).order_by("pk")
    assert (icp.code, icp.anchor, len(icp.steps)) == ("icp-21", "start", 4)
    assert icp.steps[0]["templates"] == {"CFO": "intro-daf", "COO": "intro-coo"}
    assert [v["id"] for v in icp.variants] == ["A", "B"]
    # the built-in written out: J-60 e-mail, J-30 phone, J-7 e-mail before the event
    assert (salon.anchor, [(s["offset"], s["channel"]) for s in salon.steps]) == (
        "event",
        [(-60, "email"), (-30, "phone"), (-7, "email")],
    )
    capacity = TouchCapacity.objects.get(plan=plan)
    assert (capacity.default, capacity.owners) == (20, {"alex": 2})

    enrolled = {(e.sequence.code, e.contact.code, e.owner) for e in Enrolment.objects.filter(plan=plan)}
    assert enrolled == {
        ("icp-21", "acme-daf", "alex"),
        ("icp-21", "acme-coo", "alex"),
        ("icp-21", "globex-daf", "alex"),
        ("icp-21", "initech-daf", "sami"),
        ("salon", "umbrella-daf", "sami"),  # an account without owner: the sequence's owner does the touches
    }
    assert Touch.objects.filter(enrolment__plan=plan).count() == 4 * 4 + 3
    # alex can do 2 touches a day: three first e-mails on 2027-04-30 would be one too many
    assert max(_per_day(plan, "alex").values()) == 2
    first = Touch.objects.filter(enrolment__plan=plan, owner="alex", step=1).values_list("due", flat=True)
    assert sorted(first) == [dt.date(2027, 4, 30), dt.date(2027, 4, 30), dt.date(2027, 5, 3)]
    # sami's absence (10–12 May) holds no touch
    assert not Touch.objects.filter(
        enrolment__plan=plan, owner="sami", due__range=(dt.date(2027, 5, 10), dt.date(2027, 5, 12))
    ).exists()
    # the event activation: J-60 of 15 June 2027 is Friday 16 April
    umbrella = Touch.objects.filter(enrolment__contact__code="umbrella-daf").order_by("step")
    assert [t.due for t in umbrella] == [dt.date(2027, 4, 16), dt.date(2027, 5, 14), dt.date(2027, 6, 8)]


def test_export_then_import_changes_nothing(owner: Any, team: Any, outsider: Any, other_team: Any) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    source = _file(text)
    plan = _import(owner, team, text)

    exported = dump_plan(plan_for_file(plan))
    again = _file(exported)
    assert again.touch_capacity == source.touch_capacity
    assert again.sequences == source.sequences  # the built-in now as its steps: the same sequence
    assert "sequences:" in exported and "touch_capacity:" in exported

    # into another team (a rep's touches share their capacity across the plans of their team)
    second = _import(outsider, other_team, exported)
    assert dump_plan(plan_for_file(second)) == exported

    def touches(p: Plan) -> set[tuple[Any, ...]]:
        rows = Touch.objects.filter(enrolment__plan=p).values_list(
            "due", "owner", "enrolment__contact__code", "enrolment__sequence__code", "step", "channel"
        )
        return set(rows)

    assert touches(second) == touches(plan)


def _many(contacts: int, capacity: str) -> str:
    accounts = "\n".join(f'  - {{id: a{n}, name: "Compte {n}", segment: icp, owner: lea}}' for n in range(contacts))
    people = "\n".join(
        f'  - {{id: c{n}, account: a{n}, name: "Contact {n}", persona: DAF, email: c{n}@compte{n}.example}}'
        for n in range(contacts)
    )
    return f"""version: 1
plan: {{name: "Capacité", start: 2027-04-01, end: 2027-06-30, country: FR}}
segments: [{{id: icp, name: ICP}}]
accounts:
{accounts}
contacts:
{people}
{capacity}
sequences:
  - {{id: icp, name: "4 touches", builtin: four-touches-21-days, segment: icp, start: 2027-04-05}}
"""


def test_a_rep_never_gets_more_touches_a_day_than_their_capacity(owner: Any, team: Any) -> None:
    plan = _import(owner, team, _many(12, "touch_capacity: {default: 20, owners: {lea: 5}}"))

    per_day = _per_day(plan, "lea")
    assert sum(per_day.values()) == 12 * 4
    assert max(per_day.values()) == 5
    assert per_day[dt.date(2027, 4, 5)] == 5  # twelve first e-mails due on the start: five that day
    assert all(day.weekday() < 5 for day in per_day)


def test_an_absence_moves_only_the_touches_it_covers(owner: Any, team: Any) -> None:
    plan = _import(owner, team, _many(6, "touch_capacity: {default: 20}"), today=dt.date(2027, 4, 1))
    before = dict(Touch.objects.filter(enrolment__plan=plan).values_list("pk", "due"))
    away = dt.date(2027, 4, 8)  # the phone step of everybody (start + 3 business days)
    assert Counter(before.values())[away] == 6

    services.touch_capacity_save(
        owner, plan, default=20, absences=[engine.Absence("lea", away, away)], today=dt.date(2027, 4, 1)
    )

    after = dict(Touch.objects.filter(enrolment__plan=plan).values_list("pk", "due"))
    moved = {pk for pk in before if before[pk] != after[pk]}
    assert away not in after.values()
    assert {before[pk] for pk in moved} >= {away}
    assert all(after[pk] > away for pk in moved)
    assert [before[pk] for pk in before if before[pk] < away] == [after[pk] for pk in before if before[pk] < away]
    assert services.capacity(plan).absences == (engine.Absence("lea", away, away),)


def test_a_dated_pause_of_the_file_holds_the_touches_and_is_written_back(owner: Any, team: Any) -> None:
    text = _many(3, "").replace(
        "start: 2027-04-05}",
        "start: 2027-04-05, pauses: [{start: 2027-04-07, end: 2027-04-09},"
        " {start: 2027-04-12, end: 2027-04-16, contact: c0}]}",
    )
    plan = _import(owner, team, text)

    days = {
        code: sorted(Touch.objects.filter(enrolment__contact__code=code).values_list("due", flat=True))
        for code in ("c0", "c1")
    }
    assert not [d for d in days["c1"] if dt.date(2027, 4, 7) <= d <= dt.date(2027, 4, 9)]
    assert days["c1"][1] == dt.date(2027, 4, 12)  # the phone step (8 April) waits for the day after the pause
    assert not [d for d in days["c0"] if dt.date(2027, 4, 7) <= d <= dt.date(2027, 4, 16)]  # and c0's own one
    assert days["c0"][1] == dt.date(2027, 4, 19)
    assert _file(dump_plan(plan_for_file(plan))).sequences == _file(text).sequences


def test_without_a_capacity_the_setting_applies_to_everybody(owner: Any, team: Any, settings: Any) -> None:
    settings.SEQUENCE_DAILY_CAPACITY = 3
    plan = _import(owner, team, _many(7, ""))

    assert not TouchCapacity.objects.filter(plan=plan).exists()
    assert max(_per_day(plan, "lea").values()) == 3


def test_a_sequence_the_app_refuses_leaves_no_plan_behind(owner: Any, team: Any) -> None:
    text = _many(2, "").replace(
        "builtin: four-touches-21-days,",
        "steps: [{offset: 0, channel: email}, {offset: 400, channel: phone}],",
    )
    with pytest.raises(ValidationError):
        _import(owner, team, text)
    assert not Plan.objects.exists() and not SequenceTemplate.objects.exists()


def test_the_import_page_stores_the_sequences_and_the_export_gives_them_back(
    owner: Any, team: Any, as_owner: Client
) -> None:
    upload = SimpleUploadedFile("plan.yaml", EXAMPLE.read_bytes(), content_type="application/yaml")
    response = as_owner.post(reverse("plans:import"), {"file": upload, "team": team.pk})
    assert response.status_code == 302
    plan = Plan.objects.get()
    assert Enrolment.objects.filter(plan=plan).count() == 5

    exported = as_owner.get(reverse("plans:export", args=[plan.pk])).content.decode()
    assert _file(exported).sequences == _file(EXAMPLE.read_text(encoding="utf-8")).sequences

    refused = _many(2, "").replace("builtin: four-touches-21-days,", "steps: [{offset: 400, channel: phone}],")
    upload = SimpleUploadedFile("refused.yaml", refused.encode(), content_type="application/yaml")
    response = as_owner.post(reverse("plans:import"), {"file": upload, "team": team.pk})
    assert response.status_code == 400
    assert "365" in response.content.decode()  # why: the offset beyond what the app keeps
    assert Plan.objects.count() == 1


def test_pac_plan_import_stores_the_sequences_and_refuses_a_sequence_the_app_refuses(
    owner: Any, team: Any, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from pac.cli import app

    result = CliRunner().invoke(app, ["plan", "import", str(EXAMPLE), "--team", team.name, "--owner", "owner"])
    assert result.exit_code == 0, result.output
    assert Enrolment.objects.filter(plan=Plan.objects.get()).count() == 5

    refused = tmp_path / "refused.yaml"
    refused.write_text(
        _many(2, "").replace("builtin: four-touches-21-days,", "steps: [{offset: 400, channel: phone}],"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["plan", "import", str(refused), "--team", team.name, "--owner", "owner"])
    assert result.exit_code == 1
    assert "365" in result.output
    assert Plan.objects.count() == 1


def test_a_persona_enrols_its_contacts_whatever_the_case(owner: Any, team: Any) -> None:
    text = _many(3, "").replace("segment: icp, start:", "persona: daf, start:")  # the contacts are « DAF »
    plan = _import(owner, team, text)

    assert Enrolment.objects.filter(plan=plan).count() == 3
    assert _file(dump_plan(plan_for_file(plan))).sequences == _file(text).sequences


PEOPLE = """version: 1
plan: {name: "Relances", start: 2027-04-01, end: 2027-06-30, country: FR}
segments: [{id: icp, name: ICP}]
accounts:
  - {id: acme, name: "Acme", segment: icp, owner: lea}
  - {id: globex, name: "Globex", segment: icp, owner: lea}
contacts:
  - {id: acme-daf, account: acme, name: "Claire Martin", persona: CFO, email: claire@acme.example}
  - {id: acme-coo, account: acme, name: "Hugo Petit", persona: COO, email: hugo@acme.example}
  - {id: globex-daf, account: globex, name: "Inès Roux", persona: CFO, email: ines@globex.example}
"""
START = dt.date(2027, 4, 5)


def _web_sequence(user: Any, plan: Plan, code: str) -> SequenceTemplate:
    """A sequence built in the web app (no audience of a file)."""
    steps = [{"offset": 0, "channel": "phone", "instructions": "Appeler"}, {"offset": 3, "channel": "email"}]
    return services.sequence_save(user, plan, code=code, name=code.capitalize(), steps=steps)


def _running(plan: Plan) -> set[tuple[str, str]]:
    rows = Enrolment.objects.filter(plan=plan, status__in=["active", "paused"])
    return set(rows.values_list("sequence__code", "contact__code"))


def _round_trip(plan: Plan, user: Any, team: Any) -> Plan:
    """The plan exported, read as a plan file (valid), imported into ``team``, and exported the same again."""
    exported = dump_plan(plan_for_file(plan))
    source = _file(exported)  # a sequence's audience overlapping another's would be refused here
    plan.refresh_from_db()
    assert plan_apply(user=plan.owner, plan=plan, source=source, base_version=plan.version) == []  # pac plan apply
    again = _import(user, team, exported)
    assert dump_plan(plan_for_file(again)) == exported
    return again


def test_a_contact_that_went_through_two_sequences_exports_under_the_second(
    owner: Any, team: Any, outsider: Any, other_team: Any
) -> None:
    plan = _import(owner, team, PEOPLE)
    first, second = _web_sequence(owner, plan, "premier"), _web_sequence(owner, plan, "relance")
    services.enrol(owner, plan, first, accounts=["acme", "globex"], start=START, today=TODAY)
    Enrolment.objects.filter(sequence=first, contact__code="acme-daf").update(status="finished")
    services.stop(owner, enrolment=Enrolment.objects.get(sequence=first, contact__code="globex-daf"))
    services.enrol(owner, plan, second, persona="CFO", start=START, today=TODAY)
    assert _running(plan) == {("premier", "acme-coo"), ("relance", "acme-daf"), ("relance", "globex-daf")}

    copy = _round_trip(plan, outsider, other_team)

    enrolled = set(Enrolment.objects.filter(plan=copy).values_list("sequence__code", "contact__code"))
    assert enrolled == _running(plan)  # the finished and stopped enrolments are history the file does not carry


def test_a_persona_split_account_exports_each_contact_under_its_sequence(
    owner: Any, team: Any, outsider: Any, other_team: Any
) -> None:
    plan = _import(owner, team, PEOPLE)
    finance, operations = _web_sequence(owner, plan, "daf"), _web_sequence(owner, plan, "operations")
    services.enrol(owner, plan, finance, accounts=["acme"], persona="CFO", start=START, today=TODAY)
    services.enrol(owner, plan, operations, accounts=["acme"], persona="COO", start=START, today=TODAY)

    copy = _round_trip(plan, outsider, other_team)

    enrolled = set(Enrolment.objects.filter(plan=copy).values_list("sequence__code", "contact__code"))
    assert enrolled == {("daf", "acme-daf"), ("operations", "acme-coo")}


def test_a_file_sequence_whose_contact_moved_on_keeps_its_cadence_and_the_others_their_audience(
    owner: Any, team: Any, outsider: Any, other_team: Any
) -> None:
    plan = _import(owner, team, EXAMPLE.read_text(encoding="utf-8"))
    services.stop(owner, enrolment=Enrolment.objects.get(sequence__code="salon", contact__code="umbrella-daf"))
    services.enrol(owner, plan, _web_sequence(owner, plan, "relance"), accounts=["umbrella"], start=START, today=TODAY)

    copy = _round_trip(plan, outsider, other_team)

    assert set(Enrolment.objects.filter(plan=copy).values_list("sequence__code", "contact__code")) == _running(plan)
    written = {p.sequence.id: p for p in plan_for_file(copy).sequences}
    assert written["icp-21"].segment == "icp-saas" and written["icp-21"].contacts is None  # still its segment
    assert written["salon"].contacts == () and written["salon"].event == "salon-daf"  # nobody left, same cadence
    assert written["relance"].contacts == ("umbrella-daf",)


def test_a_contact_added_since_the_import_that_two_file_audiences_match_leaves_both_exact(
    owner: Any, team: Any, outsider: Any, other_team: Any
) -> None:
    from pac.web.plans.models import Account, Contact

    text = PEOPLE.replace("persona: CFO, email: ines", "persona: COO, email: ines") + (
        "sequences:\n"
        '  - {id: daf, name: "DAF", builtin: four-touches-21-days, persona: CFO, start: 2027-04-05}\n'
        '  - {id: globex, name: "Globex", builtin: four-touches-21-days, accounts: [globex], start: 2027-04-05}\n'
    )
    plan = _import(owner, team, text)
    globex = Account.objects.get(plan=plan, code="globex")
    Contact.objects.create(account=globex, code="globex-cfo", name="Paul Vert", persona="CFO", email="p@globex.example")

    copy = _round_trip(plan, outsider, other_team)  # the persona and the account would both take the new CFO

    written = {p.sequence.id: p for p in plan_for_file(copy).sequences}
    assert written["daf"].contacts == ("acme-daf",) and written["globex"].contacts == ("globex-daf",)
    assert set(Enrolment.objects.filter(plan=copy).values_list("sequence__code", "contact__code")) == _running(plan)
