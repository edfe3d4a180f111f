"""Sequence e-mail templates: refused at save time when they reach outside the sandbox, rendered for a contact."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from jinja2 import TemplateError

from pac.engine.formatting import Formatter
from pac.engine.sequence_templates import (
    ALLOWED_VARIABLES,
    MAX_BODY_CHARS,
    MAX_OUTPUT_CHARS,
    MAX_SUBJECT_CHARS,
    Account,
    Contact,
    MailContext,
    MailTemplate,
    Part,
    PersonaTemplates,
    PlanInfo,
    Sender,
    TemplateRefused,
    check_mail,
    check_template,
    environment,
    render,
)

HELENE = MailContext(
    contact=Contact(first_name="Hélène", last_name="Durand", title="DAF", email="helene@exemple.fr"),
    account=Account(name="Acme Industrie", segment="ETI", city="Lyon"),
    sender=Sender(first_name="Marc", last_name="Petit", title="Account executive", signature="Marc Petit\nPAC"),
    plan=PlanInfo(name="Plan T1 2027"),
    unsubscribe_url="https://pac.exemple.fr/u/abc",
    meeting_url="https://pac.exemple.fr/rdv/marc",
)

ESCAPES = [
    "{{ contact.__class__.__mro__ }}",
    "{{ ''.__class__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ self }}",
    "{% for i in range(10**9) %}x{% endfor %}",
    "{{ contact._meta }}",
    "{{ contact['__class__'] }}",
    "{{ contact.first_name.__class__ }}",
    "{{ 'a' * 1000000000 }}",
    "{{ contact.first_name|attr('__class__') }}",
    "{% set x = 1 %}",
    "{% include 'base.txt' %}",
    "{% import 'm.txt' as m %}",
    "{% extends 'base.txt' %}",
    "{% macro m() %}x{% endmacro %}",
    "{{ lipsum(10**6) }}",
    "{{ contact.first_name.upper() }}",
]


@pytest.mark.parametrize("text", ESCAPES)
def test_escapes_are_refused_when_saved_with_their_line(text: str) -> None:
    problems = check_template("Bonjour,\n" + text)
    assert problems, text
    assert all(p.line == 2 for p in problems)
    assert problems[0].code in {"forbidden_construct", "unknown_variable", "unknown_field", "forbidden_filter"}


@pytest.mark.parametrize("text", ESCAPES)
def test_escapes_are_refused_by_render_with_a_message_never_a_traceback(text: str) -> None:
    with pytest.raises(TemplateRefused) as refused:
        render(MailTemplate("Objet", text), HELENE)
    assert refused.value.problems[0].part is Part.BODY
    assert "Traceback" not in str(refused.value)


@pytest.mark.parametrize(
    "text",
    [
        "{{ contact.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{% for i in range(10**9) %}x{% endfor %}",
        "{{ contact.update({'a': 1}) }}",
        "{{ self.__init__ }}",
    ],
)
def test_the_sandbox_alone_still_stops_them_if_the_check_were_bypassed(text: str) -> None:
    """Second wall: the environment has no globals (no range, cycler, self's internals reachable), strict
    undefined and immutable values, so the same escapes fail at render even unchecked."""
    with pytest.raises(TemplateError):
        environment().from_string(text).render(HELENE.variables())


def test_unknown_variable_is_refused_listing_the_allowed_ones() -> None:
    [problem] = check_template("Bonjour {{ prenom }},")
    assert problem.code == "unknown_variable"
    message = problem.message()
    assert "“prenom”" in message and "line 1" in message
    for name in ALLOWED_VARIABLES:
        assert name in message


def test_unknown_field_lists_the_fields_and_translates() -> None:
    [problem] = check_template("\n\n{{ account.revenue }}")
    assert (problem.code, problem.line) == ("unknown_field", 3)
    french = {
        "{part} reads “{field}” of “{variable}”, line {line}, which it does not have. Its fields: {fields}.": (
            "{part} lit « {field} » de « {variable} », ligne {line}, qui n'existe pas. Ses champs : {fields}."
        ),
        "The body": "Le corps",
    }
    worded = problem.message(Formatter("fr"), lambda s: french.get(s, s))
    assert worded == (
        "Le corps lit « revenue » de « account », ligne 3, qui n'existe pas. Ses champs : city, name, segment."
    )


def test_a_good_template_renders_a_french_personalised_mail() -> None:
    template = MailTemplate(
        subject="{{ account.name }} : votre plan {{ plan.name }}",
        body=(
            "Bonjour {{ contact.first_name }},\n\n"
            "{% if account.city %}Je serai à {{ account.city }} la semaine prochaine. {% endif %}"
            "Un échange de 20 minutes ? {{ meeting_url }}\n\n"
            "{{ sender.signature }}\n"
            "Se désinscrire : {{ unsubscribe_url }}\n"
        ),
    )
    assert check_mail(template) == []
    mail = render(template, HELENE)
    assert mail.subject == "Acme Industrie : votre plan Plan T1 2027"
    assert mail.body == (
        "Bonjour Hélène,\n\nJe serai à Lyon la semaine prochaine. Un échange de 20 minutes ? "
        "https://pac.exemple.fr/rdv/marc\n\nMarc Petit\nPAC\nSe désinscrire : https://pac.exemple.fr/u/abc\n"
    )


def test_the_documented_examples_are_accepted() -> None:
    """The French and English examples of docs/sequences-templates.md, as written there."""
    doc = (Path(__file__).parents[2] / "docs" / "sequences-templates.md").read_text(encoding="utf-8")
    blocks = doc.split("```")[1::2]
    assert len(blocks) == 3
    for block in blocks:
        assert check_template(block.strip("\n")) == []
    english = render(MailTemplate(blocks[0].strip(), blocks[2]), HELENE)
    assert english.subject == "Acme Industrie : un échange sur Plan T1 2027 ?"
    assert english.body.startswith("\nHello Hélène,\n\nMarc from ACME INDUSTRIE's account team here.")


def test_text_mail_is_not_html_escaped() -> None:
    obrien = MailContext(contact=Contact(last_name="O'Brien & Fils"))
    mail = render(MailTemplate("x", "Bonjour {{ contact.last_name }}"), obrien)
    assert mail.body == "Bonjour O'Brien & Fils"


def test_a_line_break_in_a_value_never_reaches_the_subject_header() -> None:
    evil = MailContext(contact=Contact(first_name="Eve\r\nBcc: everyone@exemple.fr"))
    mail = render(MailTemplate("Bonjour {{ contact.first_name }}", "x"), evil)
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.subject == "Bonjour Eve Bcc: everyone@exemple.fr"


def test_filters_and_conditions_on_the_allow_list_work() -> None:
    template = MailTemplate(
        "{{ contact.first_name|upper }}",
        "{{ contact.title|default('Madame, Monsieur', true) }} {{ 'oui' if account.segment == 'ETI' else 'non' }}"
        " {{ contact['last_name']|lower ~ '!' }}",
    )
    mail = render(template, HELENE)
    assert (mail.subject, mail.body) == ("HÉLÈNE", "DAF oui durand!")


def test_lengths_are_bounded_when_saved() -> None:
    assert check_template("x" * MAX_BODY_CHARS) == []
    [too_long] = check_template("x" * (MAX_BODY_CHARS + 1))
    assert too_long.code == "template_too_long"
    worded = too_long.message(Formatter("fr"))
    assert "20\u202f001" in worded and "20\u202f000" in worded
    [subject] = check_template("x" * (MAX_SUBJECT_CHARS + 1), part=Part.SUBJECT)
    assert subject.code == "template_too_long" and subject.part is Part.SUBJECT


def test_rendered_output_is_bounded() -> None:
    """A long value repeated by a short template: the rendering stops past the output bound."""
    body = "{{ contact.title }}" * 1_000
    long_title = MailContext(contact=Contact(title="t" * 200))
    with pytest.raises(TemplateRefused) as refused:
        render(MailTemplate("x", body), long_title)
    assert refused.value.problems[0].code == "render_too_long"
    assert refused.value.problems[0].params["limit"] == MAX_OUTPUT_CHARS


def test_syntax_error_is_located() -> None:
    [problem] = check_template("Bonjour\n\n{{ contact.first_name }\nCordialement")
    assert problem.code == "template_syntax"
    assert problem.line == 3


def test_a_persona_gets_its_template_and_others_the_default() -> None:
    daf = MailTemplate("Pour la finance", "x")
    default = MailTemplate("Pour tous", "y")
    templates = PersonaTemplates(default=default, by_persona={"DAF": daf})
    assert templates.for_persona("DAF") is daf
    assert templates.for_persona("DSI") is default
    assert templates.for_persona(None) is default


@pytest.mark.parametrize(
    "text",
    [
        "{{ " + "(" * 5_000 + "plan.name" + ")" * 5_000 + " }}",
        "{%if plan.name%}" * 790 + "x" + "{%endif%}" * 790,
        "{{ plan.name" + "|upper" * 2_000 + " }}",
    ],
)
def test_deep_nesting_is_refused_not_a_recursion_error(text: str) -> None:
    assert len(text) <= MAX_BODY_CHARS
    [problem] = check_template(text)
    assert problem.code == "too_deep"
    with pytest.raises(TemplateRefused):
        render(MailTemplate("x", text), HELENE)


def test_in_a_chain_the_first_wrong_step_is_reported() -> None:
    [problem] = check_template("{{ contact.__class__.__mro__ }}")
    assert (problem.code, problem.params["field"]) == ("unknown_field", "__class__")
    [problem] = check_template("{{ contact.first_name.__class__ }}")
    assert (problem.code, problem.params["construct"]) == ("forbidden_construct", ".__class__")


def test_a_narrower_set_of_variables_refuses_the_others() -> None:
    """A step without a booking link: ``meeting_url`` is then refused, and the message lists what remains."""
    allowed = {k: v for k, v in ALLOWED_VARIABLES.items() if k != "meeting_url"}
    [problem] = check_template("Réservez : {{ meeting_url }}", allowed)
    assert problem.code == "unknown_variable"
    assert "meeting_url" not in problem.params["allowed"]  # type: ignore[operator]
    assert check_mail(MailTemplate("{{ plan.name }}", "{{ meeting_url }}"), allowed)[0].part is Part.BODY


def test_a_sequence_renders_one_template_for_many_contacts_quickly() -> None:
    """Checked and compiled once per text: 2 000 personalised bodies well within the worker's pace."""
    template = MailTemplate("{{ account.name }}", "Bonjour {{ contact.first_name }},\n{{ sender.signature }}\n" * 20)
    start = time.perf_counter()
    bodies = {render(template, MailContext(contact=Contact(first_name=f"C{i}"))).body for i in range(2_000)}
    assert len(bodies) == 2_000
    assert time.perf_counter() - start < 5.0
