"""The plan's forms take what people type: amounts with grouped thousands, rates in per cent, months by
name, a segment among the plan's, recurrences from a few choices and ids made from titles; and say how to
write what they refuse, in French and in English."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from pac.web.plans.inputs import parse_number

from .helpers import page_text

pytestmark = pytest.mark.django_db

NNBSP, NBSP = "\u202f", "\u00a0"


def plain(text: str) -> str:
    return text.replace(NNBSP, " ").replace(NBSP, " ")


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _plan_data(team: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "T2 2027",
        "team": team.pk,
        "start": "2027-04-01",
        "end": "2027-06-30",
        "currency": "EUR",
        "country": "FR",
        "average_deal": "",
        "budget": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "typed",
    ["1 000 000,50", f"1{NNBSP}000{NNBSP}000,50", f"1{NBSP}000{NBSP}000,50", "1000000,50", "1 000 000,50 €"],
)
def test_a_french_page_takes_an_amount_with_spaces_and_a_decimal_comma(typed: str, as_owner: Client, team: Any) -> None:
    response = as_owner.post(reverse("plans:create"), _plan_data(team, budget=typed, average_deal="25 000"))
    assert response.status_code == 302, page_text(response)
    from pac.web.plans.models import Plan

    plan = Plan.objects.get(name="T2 2027")
    assert (plan.budget, plan.average_deal) == (Decimal("1000000.50"), Decimal("25000"))


def test_an_english_page_takes_commas_between_thousands(as_owner: Client, team: Any) -> None:
    response = english(as_owner).post(reverse("plans:create"), _plan_data(team, budget="1,000,000.50"))
    assert response.status_code == 302, page_text(response)
    from pac.web.plans.models import Plan

    assert Plan.objects.get(name="T2 2027").budget == Decimal("1000000.50")


@pytest.mark.parametrize(
    ("lang", "typed", "example"),
    [
        ("fr", "1,000,000.50", "1 000 000,50"),  # English figures on a French page: a comma is the decimal mark
        ("fr", "un million", "1 000 000"),
        ("fr", "1 00 000", "1 000 000"),
        ("en", "1000,50", "1,000,000.50"),  # no decimal comma in English
        ("en", "1.000.000", "1,000,000.50"),
    ],
)
def test_a_refused_amount_says_how_to_write_it(
    lang: str, typed: str, example: str, as_owner: Client, team: Any
) -> None:
    client = english(as_owner) if lang == "en" else as_owner
    response = client.post(reverse("plans:create"), _plan_data(team, budget=typed))
    assert response.status_code == 200
    (error,) = response.context["form"].errors["budget"]
    assert example in plain(error)


def test_the_plan_form_shows_amounts_and_weights_as_typed(plan: Any, as_owner: Client) -> None:
    plan.budget, plan.average_deal, plan.weight_value = Decimal("1000000"), Decimal("2500.5"), Decimal("0.25")
    plan.save()
    page = plain(as_owner.get(reverse("plans:edit", args=[plan.pk])).content.decode())
    assert 'value="1 000 000"' in page and 'value="2 500,50"' in page and 'value="25 %"' in page
    page = english(as_owner).get(reverse("plans:edit", args=[plan.pk])).content.decode()
    assert 'value="1,000,000"' in page and 'value="2,500.50"' in page and 'value="25%"' in page


@pytest.mark.parametrize(("typed", "weight"), [("25", "0.25"), ("25 %", "0.25"), ("25,5", "0.255"), ("0", "0")])
def test_weights_are_typed_in_per_cent(typed: str, weight: str, plan: Any, as_owner: Client) -> None:
    data = _plan_data(plan.team, name=plan.name, weight_value=typed, version=plan.version)
    data.pop("team")
    response = as_owner.post(reverse("plans:edit", args=[plan.pk]), data)
    assert response.status_code == 302, page_text(response)
    plan.refresh_from_db()
    assert plan.weight_value == Decimal(weight)


@pytest.mark.parametrize(("typed", "shown"), [("150", "100 %"), ("vingt", "25 %"), ("25,55", "1")])
def test_a_refused_weight_says_why_in_per_cent(typed: str, shown: str, plan: Any, as_owner: Client) -> None:
    data = _plan_data(plan.team, name=plan.name, weight_value=typed, version=plan.version)
    data.pop("team")
    response = as_owner.post(reverse("plans:edit", args=[plan.pk]), data)
    assert response.status_code == 200
    (error,) = response.context["form"].errors["weight_value"]
    assert shown in plain(error)


def test_the_fiscal_year_starts_in_a_month_chosen_by_name(plan: Any, as_owner: Client) -> None:
    page = as_owner.get(reverse("plans:edit", args=[plan.pk])).content.decode()
    assert '<option value="4">avril</option>' in page and '<option value="1" selected>janvier</option>' in page
    page = english(as_owner).get(reverse("plans:edit", args=[plan.pk])).content.decode()
    assert '<option value="4">April</option>' in page
    data = _plan_data(plan.team, name=plan.name, fiscal_year_start="4", version=plan.version)
    data.pop("team")
    assert as_owner.post(reverse("plans:edit", args=[plan.pk]), data).status_code == 302
    plan.refresh_from_db()
    assert plan.fiscal_year_start == 4


STAGES = [
    ("lead", "25"),
    ("mql", "40 %"),
    ("sql", "50,5"),
    ("demo", f"30{NNBSP}%"),
    ("proposal", "60"),
    ("won", ""),
]


def _stages_data(plan: Any, rows: list[tuple[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": plan.version,
        "stages-TOTAL_FORMS": str(len(rows)),
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "50",
    }
    for i, (stage, rate) in enumerate(rows):
        data.update({f"stages-{i}-stage": stage, f"stages-{i}-rate": rate, f"stages-{i}-days": "7"})
    return data


def test_funnel_rates_are_typed_and_shown_in_per_cent(plan: Any, as_owner: Client) -> None:
    response = as_owner.post(reverse("plans:section", args=[plan.pk, "stages"]), _stages_data(plan, STAGES))
    assert response.status_code == 302, page_text(response)
    assert [str(s.rate) for s in plan.stages.all()] == ["0.2500", "0.4000", "0.5050", "0.3000", "0.6000", "None"]
    page = plain(as_owner.get(reverse("plans:section", args=[plan.pk, "stages"])).content.decode())
    assert 'value="25 %"' in page and 'value="50,5 %"' in page


@pytest.mark.parametrize(("typed", "hint"), [("0,25,5", "25 %"), ("120", "100 %"), ("0", "0,01 %")])
def test_a_refused_rate_says_how_to_write_it(typed: str, hint: str, plan: Any, as_owner: Client) -> None:
    rows = list(STAGES)
    rows[1] = ("mql", typed)
    response = as_owner.post(reverse("plans:section", args=[plan.pk, "stages"]), _stages_data(plan, rows))
    assert response.status_code == 200
    (error,) = response.context["formset"].forms[1].errors["rate"]
    assert hint in plain(error)


def _objectives_data(plan: Any, rows: list[dict[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": plan.version,
        "objectives-TOTAL_FORMS": str(len(rows)),
        "objectives-INITIAL_FORMS": "0",
        "objectives-MIN_NUM_FORMS": "0",
        "objectives-MAX_NUM_FORMS": "50",
    }
    for i, row in enumerate(rows):
        data.update({f"objectives-{i}-{k}": v for k, v in row.items()})
    return data


def test_an_objectives_segment_is_one_of_the_plans(plan: Any, as_owner: Client) -> None:
    page = as_owner.get(reverse("plans:section", args=[plan.pk, "objectives"])).content.decode()
    assert '<option value="saas-midmarket">SaaS mid-market</option>' in page
    rows = [{"code": "ca", "metric": "revenue", "target": "1 000 000", "segment": "inconnu"}]
    response = as_owner.post(reverse("plans:section", args=[plan.pk, "objectives"]), _objectives_data(plan, rows))
    assert response.status_code == 200 and "segment" in response.context["formset"].forms[0].errors


def test_an_objective_without_an_id_gets_one_from_its_metric_and_segment(plan: Any, as_owner: Client) -> None:
    rows = [
        {"metric": "revenue", "target": "1 000 000", "segment": "saas-midmarket"},
        {"metric": "revenue", "target": "500 000,50"},
        {"code": "revenue", "metric": "wins", "target": "12"},
    ]
    response = as_owner.post(reverse("plans:section", args=[plan.pk, "objectives"]), _objectives_data(plan, rows))
    assert response.status_code == 302, page_text(response)
    assert [(o.code, o.target) for o in plan.objectives.all()] == [
        ("revenue-saas-midmarket", Decimal("1000000")),
        ("revenue-2", Decimal("500000.50")),
        ("revenue", Decimal("12")),
    ]


def _action_data(plan: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "version": plan.version,
        "type": "follow_up",
        "name": "Relance pipeline",
        "status": "planned",
        "owner": "teammate",
        "start": "2027-02-01",
        "end": "2027-02-26",
        "budget": "12 500,50",
        "hours": "20",
        "raci_r": ["teammate"],
        "raci_a": "owner",
        "milestones-TOTAL_FORMS": "0",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "30",
    }
    data.update(overrides)
    return data


def test_an_actions_id_is_made_from_its_name_and_its_role_from_its_owner(
    plan: Any, as_owner: Client, teammate: Any
) -> None:
    url = reverse("plans:entity_new", args=[plan.pk, "actions"])
    for _ in range(2):
        response = as_owner.post(url, _action_data(plan.__class__.objects.get(pk=plan.pk)))
        assert response.status_code == 302, page_text(response)
    first, second = plan.actions.filter(name="Relance pipeline").order_by("id")
    assert (first.code, second.code) == ("relance-pipeline", "relance-pipeline-2")
    assert (first.role, first.budget) == ("ae", Decimal("12500.50"))  # teammate is an account executive


def test_an_actions_role_chosen_by_hand_stays(plan: Any, as_owner: Client, teammate: Any) -> None:
    url = reverse("plans:entity_new", args=[plan.pk, "actions"])
    response = as_owner.post(url, _action_data(plan, role="sdr"))
    assert response.status_code == 302, page_text(response)
    assert plan.actions.get(name="Relance pipeline").role == "sdr"


def test_the_action_form_is_grouped_and_carries_the_owners_roles(plan: Any, as_owner: Client, teammate: Any) -> None:
    response = english(as_owner).get(reverse("plans:entity_new", args=[plan.pk, "actions"]))
    legends = [legend for legend, _fields in response.context["form"].groups()]
    assert [str(legend) for legend in legends] == ["What", "For whom", "Who", "When", "Budget and time", "RACI"]
    page = response.content.decode()
    assert 'value="teammate" data-role="ae"' in page and 'data-role-for="id_role"' in page
    assert "pac/forms.js" in page


def _ritual_data(plan: Any, **overrides: Any) -> dict[str, Any]:
    data = {"version": plan.version, "name": "Comité trimestriel", "time": "09:00", "minutes": "60"}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("choices", "rule", "words"),
    [
        (
            {"frequency": "quarterly", "weekdays": ["TU"], "position": "1"},
            "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU",
            "the first Tuesday of each quarter at 9:00",
        ),
        ({"frequency": "weekly", "weekdays": ["MO", "TH"]}, "FREQ=WEEKLY;BYDAY=MO,TH", "every Monday and Thursday"),
        ({"frequency": "monthly", "month_day": "-1"}, "FREQ=MONTHLY;BYMONTHDAY=-1", "the last day of each month"),
        (
            {"frequency": "weekly", "interval": "2", "weekdays": ["FR"]},
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
            "every 2 weeks",
        ),
    ],
)
def test_a_ritual_is_built_from_choices_and_read_in_words(
    choices: dict[str, Any], rule: str, words: str, plan: Any, as_owner: Client
) -> None:
    response = english(as_owner).post(
        reverse("plans:entity_new", args=[plan.pk, "rituals"]), _ritual_data(plan, **choices)
    )
    assert response.status_code == 302, page_text(response)
    ritual = plan.rituals.get(name="Comité trimestriel")
    assert (ritual.code, ritual.rrule) == ("comite-trimestriel", rule)
    listing = plain(page_text(as_owner.get(reverse("plans:entities", args=[plan.pk, "rituals"]))))
    assert words in listing and "FREQ=" not in listing
    edit = as_owner.get(reverse("plans:entity_edit", args=[plan.pk, "rituals", ritual.pk])).context["form"]
    assert edit["frequency"].value() == choices["frequency"]


def test_the_plans_rituals_and_deadlines_read_in_words_in_french(plan: Any, as_owner: Client) -> None:
    rituals = page_text(as_owner.get(reverse("plans:entities", args=[plan.pk, "rituals"])))
    deadlines = page_text(as_owner.get(reverse("plans:entities", args=[plan.pk, "deadlines"])))
    assert "FREQ=" not in rituals + deadlines
    assert "lundi" in rituals and "mardi" in rituals  # day names come from CLDR, French before any catalogue


def test_a_ritual_needs_to_say_which_day_of_the_month(plan: Any, as_owner: Client) -> None:
    url = reverse("plans:entity_new", args=[plan.pk, "rituals"])
    response = as_owner.post(url, _ritual_data(plan, frequency="monthly", position="1"))
    assert response.status_code == 200 and "position" in response.context["form"].errors
    response = as_owner.post(url, _ritual_data(plan))
    assert response.status_code == 200 and "frequency" in response.context["form"].errors


def test_a_deadline_is_a_date_or_a_recurrence(plan: Any, as_owner: Client) -> None:
    url = reverse("plans:entity_new", args=[plan.pk, "deadlines"])
    data = {"version": plan.version, "name": "Clôture mensuelle", "frequency": "monthly", "month_day": "-1"}
    assert as_owner.post(url, data).status_code == 302
    assert plan.deadlines.get(name="Clôture mensuelle").rrule == "FREQ=MONTHLY;BYMONTHDAY=-1"
    response = as_owner.post(url, {**data, "name": "Double", "date": "2027-02-01"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()


def test_an_imported_rule_the_choices_cannot_show_is_kept(plan: Any, as_owner: Client) -> None:
    ritual = plan.rituals.first()
    ritual.rrule = "FREQ=WEEKLY;BYDAY=MO;BYWEEKNO=1,2"
    ritual.save()
    url = reverse("plans:entity_edit", args=[plan.pk, "rituals", ritual.pk])
    data = {"version": plan.version, "code": ritual.code, "name": "Renamed", "time": "09:00", "minutes": "60"}
    assert as_owner.post(url, data).status_code == 302
    ritual.refresh_from_db()
    assert (ritual.name, ritual.rrule) == ("Renamed", "FREQ=WEEKLY;BYDAY=MO;BYWEEKNO=1,2")


def test_a_segments_rates_are_typed_in_per_cent(plan: Any, as_owner: Client) -> None:
    url = reverse("plans:entity_new", args=[plan.pk, "segments"])
    data = {
        "version": plan.version,
        "name": "PME industrie",
        "rates_text": "sql=50 %, demo=12,5",
        "potential_value": "2 000 000",
        "potential_accounts": "12 000",
    }
    response = as_owner.post(url, data)
    assert response.status_code == 302, page_text(response)
    segment = plan.segments.get(code="pme-industrie")
    assert (segment.rates, segment.potential_value, segment.potential_accounts) == (
        {"sql": "0.5", "demo": "0.125"},
        Decimal("2000000"),
        12000,
    )
    edit = plain(as_owner.get(reverse("plans:entity_edit", args=[plan.pk, "segments", segment.pk])).content.decode())
    assert "sql=50 %, demo=12,5 %" in edit and 'value="2 000 000"' in edit and 'value="12 000"' in edit


@pytest.mark.parametrize(
    ("field", "typed", "hint"),
    [
        ("rates_text", "sql=0,5,demo", "sql=50 %"),
        ("rates_text", "sql=150", "100 %"),
        ("potential_accounts", "1,5", "12 000"),
    ],
)
def test_a_refused_segment_figure_says_how_to_write_it(
    field: str, typed: str, hint: str, plan: Any, as_owner: Client
) -> None:
    url = reverse("plans:entity_new", args=[plan.pk, "segments"])
    response = as_owner.post(url, {"version": plan.version, "name": "PME", field: typed})
    assert response.status_code == 200
    (error,) = response.context["form"].errors[field]
    assert hint in plain(error)


@pytest.mark.parametrize(
    ("text", "lang", "number"),
    [
        ("1 000 000", "fr", "1000000"),
        ("0.25", "fr", "0.25"),
        ("-1 500,5", "fr", "-1500.5"),
        ("1,000", "en", "1000"),
        ("1 000.5", "en", "1000.5"),
    ],
)
def test_it_reads_numbers_the_way_each_language_writes_them(text: str, lang: str, number: str) -> None:
    assert parse_number(text, lang) == Decimal(number)


@pytest.mark.parametrize(
    ("text", "lang"), [("1.000.000", "fr"), ("1,5", "en"), ("12 34", "fr"), ("", "fr"), ("1e6", "en")]
)
def test_it_refuses_what_is_not_a_number_in_that_language(text: str, lang: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text, lang)


def test_a_win_rate_target_is_typed_and_shown_in_per_cent(plan: Any, as_owner: Client) -> None:
    rows = [
        {"code": "taux", "metric": "win_rate", "target": "30 %"},
        {"code": "ca", "metric": "revenue", "target": "1 000 000 €"},
    ]
    response = as_owner.post(reverse("plans:section", args=[plan.pk, "objectives"]), _objectives_data(plan, rows))
    assert response.status_code == 302, page_text(response)
    assert [(o.code, o.target) for o in plan.objectives.all()] == [("taux", Decimal("0.3")), ("ca", Decimal("1000000"))]
    page = plain(as_owner.get(reverse("plans:section", args=[plan.pk, "objectives"])).content.decode())
    assert 'value="30 %"' in page and 'value="1 000 000"' in page
    rows[0]["target"] = "130"
    response = as_owner.post(reverse("plans:section", args=[plan.pk, "objectives"]), _objectives_data(plan, rows))
    assert response.status_code == 200 and "target" in response.context["formset"].forms[0].errors


def test_an_objective_needs_an_id_or_a_metric_to_make_one(plan: Any, as_owner: Client) -> None:
    rows = [{"segment": "saas-midmarket", "target": "10"}]
    response = as_owner.post(reverse("plans:section", args=[plan.pk, "objectives"]), _objectives_data(plan, rows))
    assert response.status_code == 200 and "code" in response.context["formset"].forms[0].errors
