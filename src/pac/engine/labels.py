"""The one vocabulary: every code of the engine with its label, in English, marked for translation.

Stages, metrics, roles, channels, action types and statuses, event kinds, buying roles, calendar item
kinds, severities and deal outcomes each have one label here. The web's choice lists, the iCalendar and
Excel exports and the CLI read them and translate at display time with the project's catalogue, so a code
reads the same everywhere. ``gettext_noop`` only marks a text for extraction (``make messages-update``);
nothing here translates, so the engine stays free of any translation machinery.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any

from pac.engine.model import (
    ActionStatus,
    ActionType,
    BuyingRole,
    Channel,
    EventKind,
    Metric,
    PartnerKind,
    PartnerStatus,
    Period,
    Role,
    Severity,
    Stage,
)

Translate = Callable[[str], str]


def gettext_noop(message: str) -> str:
    """Marks a text for extraction into the message catalogue; it is translated where it is shown."""
    return message


class Message(str):
    """An English text that keeps the template and values it was made from, to be translated where it
    is shown (``explained``); it compares and prints as the English text."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, **values: object) -> Message:
        message = super().__new__(cls, template.format(**values))
        message.template, message.values = template, values
        return message

    def explained(self, translate: Translate) -> str:
        """The text in the language of ``translate`` (the English text when it has no translation)."""
        try:
            return translate(self.template).format(**self.values)
        except (KeyError, IndexError, ValueError):  # a translation that names other values: keep English
            return str(self)


#: The languages PAC speaks; French is the default.
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def language_code(tag: str | None) -> str:
    """The PAC language of a language tag or locale name: ``en`` for any English one (``en-GB``,
    ``en_US.UTF-8``), French otherwise (``fr-FR``, ``C``, nothing)."""
    return "en" if tag and tag.strip().lower().startswith("en") else DEFAULT_LANGUAGE


#: A stage as a choice or a column header ("Demo").
STAGE_NAMES: dict[Stage, str] = {
    Stage.LEAD: gettext_noop("Lead"),
    Stage.MQL: gettext_noop("MQL"),
    Stage.SQL: gettext_noop("SQL"),
    Stage.MEETING: gettext_noop("Meeting"),
    Stage.DEMO: gettext_noop("Demo"),
    Stage.PROPOSAL: gettext_noop("Proposal"),
    Stage.WON: gettext_noop("Won"),
}

#: A stage's volume in a sentence or a table ("20 proposals", "12 wins").
STAGE_PLURALS: dict[Stage, str] = {
    Stage.LEAD: gettext_noop("leads"),
    Stage.MQL: gettext_noop("MQLs"),
    Stage.SQL: gettext_noop("SQLs"),
    Stage.MEETING: gettext_noop("meetings"),
    Stage.DEMO: gettext_noop("demos"),
    Stage.PROPOSAL: gettext_noop("proposals"),
    Stage.WON: gettext_noop("wins"),
}

#: One of a stage's volume ("1 win"): French and English both put the plural from 2 on.
STAGE_ONE: dict[Stage, str] = {
    Stage.LEAD: gettext_noop("lead"),
    Stage.MQL: gettext_noop("MQL"),
    Stage.SQL: gettext_noop("SQL"),
    Stage.MEETING: gettext_noop("meeting"),
    Stage.DEMO: gettext_noop("demo"),
    Stage.PROPOSAL: gettext_noop("proposal"),
    Stage.WON: gettext_noop("win"),
}

METRIC_LABELS: dict[Metric, str] = {
    Metric.REVENUE: gettext_noop("Revenue"),
    Metric.LEADS: gettext_noop("Leads"),
    Metric.MQLS: gettext_noop("MQLs"),
    Metric.SQLS: gettext_noop("SQLs"),
    Metric.MEETINGS: gettext_noop("Meetings"),
    Metric.DEMOS: gettext_noop("Demos"),
    Metric.PROPOSALS: gettext_noop("Proposals"),
    Metric.WINS: gettext_noop("Wins (signatures)"),
    Metric.ACCOUNTS: gettext_noop("Target accounts"),
    Metric.WIN_RATE: gettext_noop("Win rate"),
    Metric.CYCLE_DAYS: gettext_noop("Sales cycle (days)"),
    Metric.AVERAGE_DEAL: gettext_noop("Average deal"),
    Metric.PARTNERS: gettext_noop("Recruited partners"),
    Metric.NRR: gettext_noop("Net revenue retention"),
    Metric.ADOPTION: gettext_noop("Adoption after 60 days"),
}

PERIOD_LABELS: dict[Period, str] = {
    Period.WEEK: gettext_noop("per week"),
    Period.MONTH: gettext_noop("per month"),
    Period.QUARTER: gettext_noop("per quarter"),
}

ROLE_LABELS: dict[Role, str] = {
    Role.MANAGER: gettext_noop("Sales manager"),
    Role.SDR: gettext_noop("SDR"),
    Role.AE: gettext_noop("Account executive"),
    Role.CSM: gettext_noop("Customer success"),
    Role.MARKETING: gettext_noop("Marketing"),
    Role.EXECUTIVE: gettext_noop("Executive"),
    Role.ADMIN: gettext_noop("Administrator"),
}

CHANNEL_LABELS: dict[Channel, str] = {
    Channel.EMAIL: gettext_noop("Email"),
    Channel.PHONE: gettext_noop("Phone"),
    Channel.SOCIAL: gettext_noop("Social selling"),
    Channel.EVENT: gettext_noop("Event"),
    Channel.PARTNER: gettext_noop("Partner"),
    Channel.WEBINAR: gettext_noop("Webinar"),
    Channel.FIELD: gettext_noop("Field sales"),
}

ACTION_TYPE_LABELS: dict[ActionType, str] = {
    ActionType.PROSPECTING_SEQUENCE: gettext_noop("Prospecting sequence"),
    ActionType.ABM_CAMPAIGN: gettext_noop("ABM campaign"),
    ActionType.FOLLOW_UP: gettext_noop("Follow-up"),
    ActionType.DEMO: gettext_noop("Demo"),
    ActionType.PROPOSAL: gettext_noop("Proposal"),
    ActionType.RENEWAL: gettext_noop("Renewal"),
    ActionType.CROSS_SELL: gettext_noop("Cross-sell"),
    ActionType.UPSELL: gettext_noop("Upsell"),
    ActionType.EVENT: gettext_noop("Event"),
    ActionType.WEBINAR: gettext_noop("Webinar"),
    ActionType.PARTNER_RECRUITMENT: gettext_noop("Partner recruitment"),
    ActionType.QBR: gettext_noop("QBR"),
    ActionType.FIELD_TRIAL: gettext_noop("Field trial"),
    ActionType.MDF_KIT: gettext_noop("Co-marketing (MDF) kit"),
    ActionType.ACTIVATION_CAMPAIGN: gettext_noop("Activation campaign"),
}

ACTION_STATUS_LABELS: dict[ActionStatus, str] = {
    ActionStatus.PROPOSED: gettext_noop("Proposed"),
    ActionStatus.PLANNED: gettext_noop("Planned"),
    ActionStatus.IN_PROGRESS: gettext_noop("In progress"),
    ActionStatus.DONE: gettext_noop("Done"),
    ActionStatus.CANCELLED: gettext_noop("Cancelled"),
}

EVENT_KIND_LABELS: dict[EventKind, str] = {
    EventKind.TRADE_SHOW: gettext_noop("Trade show"),
    EventKind.CONFERENCE: gettext_noop("Conference"),
    EventKind.WEBINAR: gettext_noop("Webinar"),
    EventKind.PRODUCT_LAUNCH: gettext_noop("Product launch"),
    EventKind.BUDGET_SEASON: gettext_noop("Budget season"),
    EventKind.OTHER: gettext_noop("Other"),
}

BUYING_ROLE_LABELS: dict[BuyingRole, str] = {
    BuyingRole.DECISION_MAKER: gettext_noop("Decision maker"),
    BuyingRole.ECONOMIC_BUYER: gettext_noop("Economic buyer"),
    BuyingRole.CHAMPION: gettext_noop("Champion"),
    BuyingRole.INFLUENCER: gettext_noop("Influencer"),
    BuyingRole.USER: gettext_noop("User"),
    BuyingRole.GATEKEEPER: gettext_noop("Gatekeeper"),
}

PARTNER_KIND_LABELS: dict[PartnerKind, str] = {
    PartnerKind.VAR: gettext_noop("Value-added reseller (VAR)"),
    PartnerKind.DISTRIBUTOR: gettext_noop("Distributor"),
    PartnerKind.INTEGRATOR: gettext_noop("Integrator"),
    PartnerKind.REFERRAL: gettext_noop("Referral partner"),
}

PARTNER_STATUS_LABELS: dict[PartnerStatus, str] = {
    PartnerStatus.PROSPECT: gettext_noop("Prospect"),
    PartnerStatus.RECRUITED: gettext_noop("Recruited"),
    PartnerStatus.ACTIVE: gettext_noop("Active partner"),  # « Active » alone is the sequences’ « Actifs »
    PartnerStatus.DROPPED: gettext_noop("Dropped"),
}

SEVERITY_LABELS: dict[Severity, str] = {
    Severity.ERROR: gettext_noop("error"),
    Severity.WARNING: gettext_noop("warning"),
    Severity.INFO: gettext_noop("info"),
}

#: A deal's outcome in the canonical opportunities table.
OUTCOME_LABELS: dict[str, str] = {
    "won": gettext_noop("won"),
    "lost": gettext_noop("lost"),
    "open": gettext_noop("open"),
}

#: Calendar item kinds, by their code (``calendar.ItemKind`` values).
ITEM_KIND_LABELS: dict[str, str] = {
    "event": gettext_noop("Event"),
    "campaign": gettext_noop("Campaign"),
    "ritual": gettext_noop("Ritual"),
    "milestone": gettext_noop("Milestone"),
    "deadline": gettext_noop("Deadline"),
    "action": gettext_noop("Action"),
}

#: How long before its event an activation campaign runs: one spelling everywhere (« J-30 » in French).
CAMPAIGN_OFFSET = gettext_noop("D-{days}")
#: The title of a weekly funnel milestone (« Semaine 2027-W05 : 105 leads, 26 MQL »).
WEEK_TITLE = gettext_noop("Week {week}: {volumes}")


_TABLES: dict[type, Mapping[Any, str]] = {
    Stage: STAGE_NAMES,
    Metric: METRIC_LABELS,
    Period: PERIOD_LABELS,
    Role: ROLE_LABELS,
    Channel: CHANNEL_LABELS,
    ActionType: ACTION_TYPE_LABELS,
    ActionStatus: ACTION_STATUS_LABELS,
    EventKind: EVENT_KIND_LABELS,
    BuyingRole: BUYING_ROLE_LABELS,
    PartnerKind: PARTNER_KIND_LABELS,
    PartnerStatus: PARTNER_STATUS_LABELS,
    Severity: SEVERITY_LABELS,
}


def label(code: StrEnum) -> str:
    """The English label of one of the engine's codes (its value when it has none)."""
    table = _TABLES.get(type(code), {})
    return table.get(code, str(code.value))


def choices(labels: Mapping[StrEnum, str] | Mapping[str, str], translate: Translate) -> list[tuple[str, str]]:
    """(code, translated label) pairs in the table's order: a form's or a model's choice list."""
    return [(str(code), translate(text)) for code, text in labels.items()]


def campaign_offset(days: int, translate: Translate) -> str:
    return translate(CAMPAIGN_OFFSET).format(days=days)


def campaign_title(event: str, days: int, translate: Translate) -> str:
    """« J-30 · Salon »: the campaign's offset, then its event."""
    return f"{campaign_offset(days, translate)} · {event}"


def volume_label(volume: Any, stage: str, number: Callable[[Any], str], translate: Translate) -> str:
    """« 125 signatures », « 1 signature », « 98 SQL »: a volume with its stage, as the number reads."""
    return f"{number(volume)} {translate((STAGE_ONE if volume == 1 else STAGE_PLURALS)[Stage(stage)])}"


def week_title(
    week: str, volumes: Iterable[tuple[str, int]], number: Callable[[int], str], translate: Translate
) -> str:
    """A weekly milestone's title from its (stage code, volume) pairs; stages without volume are left out."""
    shown = ", ".join(volume_label(volume, stage, number, translate) for stage, volume in volumes if volume)
    return translate(WEEK_TITLE).format(week=week, volumes=shown)
