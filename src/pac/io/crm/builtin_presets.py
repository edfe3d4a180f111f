"""The presets PAC ships: the big CRMs' standard exports and the three reference data sets.

Column names are written as the products write them in their exports (English UI). A report with
extra or missing optional columns still imports; only the columns of required fields must be there.
"""

from __future__ import annotations

from pac.io.crm.presets import ANY_VALUE, Preset
from pac.io.crm.unpivot import UNPIVOT_NAME, UNPIVOT_VALUE

#: Stage names that mean the deal is over, as the CRMs name them in English and French.
_CLOSED_STAGES = {
    "Closed Won": "won",
    "Closed Lost": "lost",
    "Won": "won",
    "Lost": "lost",
    "Fermée gagnée": "won",
    "Fermée perdue": "lost",
    "Fermé gagné": "won",
    "Fermé perdu": "lost",
    "Gagnée": "won",
    "Perdue": "lost",
    "Gagné": "won",
    "Perdu": "lost",
    ANY_VALUE: "open",
}

SALESFORCE_OPPORTUNITIES = Preset(
    "salesforce-opportunities",
    "opportunities",
    columns=(
        ("Opportunity ID", "external_id"),
        ("Opportunity Name", "name"),
        ("Account Name", "account"),
        ("Opportunity Owner", "owner"),
        ("Owner Full Name", "owner"),
        ("Lead Source", "channel"),
        ("Product Name", "product"),
        ("Stage", "stage"),
        ("Stage", "outcome"),
        ("Amount", "amount"),
        ("Amount Currency", "currency"),
        ("Opportunity Currency", "currency"),
        ("Created Date", "created"),
        ("Close Date", "closed"),
        ("Close Date", "expected_close"),  # an open deal's close date is when it is expected to close
        ("Forecast Category", "forecast_category"),
        # the channel partner, as a custom field is usually named
        ("Partner", "partner"),
        ("Partner Account", "partner"),
        ("Partenaire", "partner"),
        ("Revendeur", "partner"),
        ("Reseller", "partner"),
    ),
    values={"outcome": _CLOSED_STAGES},
    outcome_flags=("Won", "Closed"),
    description="Salesforce opportunity report (Reports › Opportunities, « Details only » export); "
    "add the « Opportunity ID » column to the report — re-imports match on it",
)

HUBSPOT_DEALS = Preset(
    "hubspot-deals",
    "opportunities",
    columns=(
        ("Record ID", "external_id"),
        ("Deal Name", "name"),
        ("Associated Company", "account"),
        ("Associated Company (Primary)", "account"),
        ("Company name", "account"),
        ("Deal owner", "owner"),
        ("Original Source Type", "channel"),
        ("Original Source", "channel"),
        ("Deal Stage", "stage"),
        ("Deal Stage", "outcome"),
        ("Amount", "amount"),
        ("Currency", "currency"),
        ("Deal Currency", "currency"),
        ("Create Date", "created"),
        ("Close Date", "closed"),
        ("Close Date", "expected_close"),  # an open deal's close date is when it is expected to close
        ("Forecast category", "forecast_category"),
        # the channel partner, as a custom field is usually named
        ("Partner", "partner"),
        ("Partner Account", "partner"),
        ("Partenaire", "partner"),
        ("Revendeur", "partner"),
        ("Reseller", "partner"),
    ),
    values={"outcome": _CLOSED_STAGES},
    description="HubSpot deals export (CRM › Deals › Export, all properties or the current view)",
)

PIPEDRIVE_DEALS = Preset(
    "pipedrive-deals",
    "opportunities",
    columns=(
        ("Deal - ID", "external_id"),
        ("Deal - Title", "name"),
        ("Deal - Organization", "account"),
        ("Deal - Owner", "owner"),
        ("Deal - Source channel", "channel"),
        ("Deal - Stage", "stage"),
        ("Deal - Status", "outcome"),
        ("Deal - Value", "amount"),
        ("Deal - Currency", "currency"),
        ("Deal - Deal created", "created"),
        ("Deal - Add time", "created"),
        ("Deal - Won time", "closed"),
        ("Deal - Lost time", "closed"),
        ("Deal - Deal closed on", "closed"),
        ("Deal - Closed on", "closed"),
        ("Deal - Expected close date", "closed"),
        ("Deal - Expected close date", "expected_close"),
        # the channel partner, as a custom field is usually named
        ("Deal - Partner", "partner"),
        ("Partner", "partner"),
        ("Partner Account", "partner"),
        ("Partenaire", "partner"),
        ("Revendeur", "partner"),
        ("Reseller", "partner"),
    ),
    values={
        "outcome": {"Open": "open", "Won": "won", "Lost": "lost", "Ouverte": "open", "Gagnée": "won", "Perdue": "lost"}
    },
    skip={"outcome": ("Deleted", "Supprimée")},  # a deleted deal was neither won nor lost: left out
    description="Pipedrive deals export (Deals › … › Export filter results)",
)

SALESFORCE_OPPORTUNITY_HISTORY = Preset(
    "salesforce-opportunity-history",
    "opportunity_stages",
    columns=(
        ("Opportunity ID", "opportunity"),
        ("OpportunityId", "opportunity"),
        ("ID de l'opportunité", "opportunity"),
        ("To Stage", "stage"),
        ("Stage", "stage"),
        ("StageName", "stage"),
        ("Étape", "stage"),
        ("Edit Date", "entered"),
        ("Last Modified", "entered"),
        ("Last Modified Date", "entered"),
        ("CreatedDate", "entered"),
        ("Created Date", "entered"),
        ("Date de modification", "entered"),
    ),
    description="Salesforce stage history: the « Opportunity History » report (add the « Opportunity ID » "
    "column) or an export of the OpportunityHistory object (OpportunityId, StageName, CreatedDate); one row "
    "per change — a row that repeats the stage on the same day (an amount or date change) merges",
)

#: HubSpot's « Date entered » columns, English and French exports: the stage, then its pipeline in brackets.
_QUOTED_STAGE = r"""\s*["“«]\s*(?P<name>.+?)(?:\s*\([^()]*\))?\s*["”»]"""
HUBSPOT_STAGE_HISTORY = Preset(
    "hubspot-stage-history",
    "opportunity_stages",
    columns=(
        ("Record ID", "opportunity"),
        ("ID de fiche d'informations", "opportunity"),
        ("ID de la fiche d'informations", "opportunity"),
        (UNPIVOT_NAME, "stage"),
        (UNPIVOT_VALUE, "entered"),
    ),
    unpivot=(
        rf"Date entered{_QUOTED_STAGE}",
        rf"Date d['’]entrée dans l['’]étape{_QUOTED_STAGE}",
        rf"Date d['’]entrée dans la phase{_QUOTED_STAGE}",
    ),
    description='HubSpot deals export with the « Date entered "<stage> (<pipeline>)" » properties (French: '
    "« Date d'entrée dans l'étape … »): one row per stage a deal entered, blank cells skipped",
)

MAVEN_PIPELINE = Preset(
    "maven-pipeline",
    "opportunities",
    columns=(
        ("opportunity_id", "external_id"),
        ("sales_agent", "owner"),
        ("product", "product"),
        ("account", "account"),
        ("deal_stage", "stage"),
        ("deal_stage", "outcome"),
        ("engage_date", "created"),
        ("close_date", "closed"),
        ("close_value", "amount"),
    ),
    values={"outcome": {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}},
    spellings={
        "product": ("GTX Basic", "GTX Pro", "MG Special", "MG Advanced", "GTX Plus Pro", "GTX Plus Basic", "GTK 500")
    },  # the catalogue in products.csv
    description="Maven Analytics CRM Sales Opportunities: sales_pipeline.csv (engage_date is the first date known)",
)

MAVEN_ACCOUNTS = Preset(
    "maven-accounts",
    "accounts",
    columns=(("account", "external_id"), ("account", "name"), ("sector", "segment")),
    description="Maven Analytics CRM Sales Opportunities: accounts.csv (the pipeline names accounts by name)",
)

OLIST_LEADS = Preset(
    "olist-leads",
    "leads",
    columns=(
        ("mql_id", "external_id"),
        ("first_contact_date", "created"),
        ("first_contact_date", "mql_at"),
        ("origin", "channel"),
        ("landing_page_id", "campaign"),
    ),
    description="Olist Marketing Funnel: olist_marketing_qualified_leads_dataset.csv (no SQL stage)",
)

OLIST_CLOSED_DEALS = Preset(
    "olist-closed-deals",
    "opportunities",
    columns=(
        ("mql_id", "external_id"),
        ("mql_id", "lead"),
        ("seller_id", "account"),
        ("sr_id", "owner"),
        ("sdr_id", "owner"),
        ("business_segment", "segment"),
        ("won_date", "closed"),
    ),
    constants={"outcome": "won"},
    description="Olist Marketing Funnel: olist_closed_deals_dataset.csv — every deal is won; its id is the "
    "mql_id of the lead it came from (the seller signed up is the account)",
)

RAVENSTACK_ACCOUNTS = Preset(
    "ravenstack-accounts",
    "accounts",
    columns=(("account_id", "external_id"), ("account_name", "name"), ("industry", "segment")),
    description="RavenStack: ravenstack_accounts.csv",
)

RAVENSTACK_SUBSCRIPTIONS = Preset(
    "ravenstack-subscriptions",
    "subscriptions",
    columns=(
        ("subscription_id", "external_id"),
        ("account_id", "account"),
        ("start_date", "start"),
        ("end_date", "end"),
        ("mrr_amount", "mrr"),
    ),
    description="RavenStack: ravenstack_subscriptions.csv",
)

BUILTIN_PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        SALESFORCE_OPPORTUNITIES,
        HUBSPOT_DEALS,
        PIPEDRIVE_DEALS,
        SALESFORCE_OPPORTUNITY_HISTORY,
        HUBSPOT_STAGE_HISTORY,
        MAVEN_PIPELINE,
        MAVEN_ACCOUNTS,
        OLIST_LEADS,
        OLIST_CLOSED_DEALS,
        RAVENSTACK_ACCOUNTS,
        RAVENSTACK_SUBSCRIPTIONS,
    )
}


def get_preset(name: str, saved: dict[str, Preset] | None = None) -> Preset:
    """A saved preset of that name, else a built-in one; ``KeyError`` listing the names otherwise."""
    known = {**BUILTIN_PRESETS, **(saved or {})}
    if name not in known:
        raise KeyError(f"no preset {name!r}; known: {', '.join(sorted(known))}")
    return known[name]
