"""The reference CRM data sets shipped with PAC (see README.md here for each one's credit and licence).

``dataset_path("maven_crm_sales_opportunities", "sales_pipeline.csv")`` is the path of one file; tests and
the demo read the data sets from here, never from a copy elsewhere.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pac.engine.labels import gettext_noop

#: The data sets and their files, as shipped.
DATASETS: dict[str, tuple[str, ...]] = {
    "maven_crm_sales_opportunities": (
        "accounts.csv",
        "data_dictionary.csv",
        "products.csv",
        "sales_pipeline.csv",
        "sales_teams.csv",
    ),
    "olist_marketing_funnel": ("olist_closed_deals_dataset.csv", "olist_marketing_qualified_leads_dataset.csv"),
    "ravenstack_saas_subscriptions": (
        "ravenstack_accounts.csv",
        "ravenstack_churn_events.csv",
        "ravenstack_subscriptions.csv",
        "ravenstack_support_tickets.csv",
    ),
}

#: The credit line to show wherever a data set's figures appear (the demo, the KPI page), in English and
#: translated where it is shown.
CREDITS: dict[str, str] = {
    "maven_crm_sales_opportunities": gettext_noop(
        "CRM Sales Opportunities — Maven Analytics (Data Playground), public domain"
    ),
    "olist_marketing_funnel": gettext_noop("Marketing Funnel — Olist, on Kaggle (CC BY-NC-SA 4.0)"),
    "ravenstack_saas_subscriptions": gettext_noop("RavenStack (synthetic SaaS data, MIT-like) — River @ Rivalytics"),
}


def dataset_path(name: str, file: str) -> Path:
    """The path of ``file`` in the data set ``name``; ``KeyError`` (naming what exists) for anything else."""
    if file not in DATASETS.get(name, ()):
        known = "; ".join(f"{set_name}: {', '.join(files)}" for set_name, files in DATASETS.items())
        raise KeyError(f"no data set file {name}/{file}; known: {known}")
    path = Path(str(resources.files(__name__).joinpath(name, file)))
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed package")
    return path
