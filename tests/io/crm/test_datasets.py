"""The three reference data sets import with the counts the files themselves give (counted here with csv)."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from pac.datasets import dataset_path
from pac.io.crm import ImportRead, LeadRecord, OpportunityRecord, SubscriptionRecord, read_import

MAVEN = "maven_crm_sales_opportunities"
OLIST = "olist_marketing_funnel"
RAVENSTACK = "ravenstack_saas_subscriptions"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def maven() -> ImportRead:
    return read_import(dataset_path(MAVEN, "sales_pipeline.csv"), "opportunities", preset="maven-pipeline")


def test_it_ships_the_data_sets_byte_identical_with_crlf_line_endings() -> None:
    data = dataset_path(MAVEN, "sales_pipeline.csv").read_bytes()

    assert data.count(b"\r\n") == data.count(b"\n") == 8801
    assert (dataset_path(MAVEN, "sales_pipeline.csv").parent.parent / "README.md").read_text(encoding="utf-8").count(
        "credit"
    ) >= 3


def test_it_names_the_known_files_when_asked_for_another() -> None:
    with pytest.raises(KeyError, match=r"sales_pipeline\.csv"):
        dataset_path(MAVEN, "nope.csv")


def test_it_imports_the_maven_pipeline_with_its_outcomes(maven: ImportRead) -> None:
    source = rows(dataset_path(MAVEN, "sales_pipeline.csv"))
    stages = Counter(row["deal_stage"] for row in source)
    engaged = sorted(row["engage_date"] for row in source if row["engage_date"])

    records = list(maven.records())

    assert maven.ok and maven.report.rows_read == len(source) == len(records)
    outcomes = Counter(r.outcome for r in records if isinstance(r, OpportunityRecord))
    assert outcomes == {
        "won": stages["Won"],
        "lost": stages["Lost"],
        "open": stages["Engaging"] + stages["Prospecting"],
    }
    assert outcomes == {"won": 4238, "lost": 2473, "open": 2089}
    created = sorted(r.created for r in records if isinstance(r, OpportunityRecord) and r.created)
    assert (created[0], created[-1]) == (dt.date.fromisoformat(engaged[0]), dt.date.fromisoformat(engaged[-1]))
    assert (created[0], created[-1]) == (dt.date(2016, 10, 20), dt.date(2017, 12, 27))
    won_value = sum(Decimal(row["close_value"]) for row in source if row["deal_stage"] == "Won")
    assert sum(r.amount or 0 for r in records if isinstance(r, OpportunityRecord) and r.outcome == "won") == won_value


def test_it_reports_the_maven_quirks_as_warnings(maven: ImportRead) -> None:
    source = rows(dataset_path(MAVEN, "sales_pipeline.csv"))
    no_account = [row for row in source if not row["account"]]
    gtxpro = [row for row in source if row["product"] == "GTXPro"]

    codes = maven.report.codes("warning")

    assert maven.report.error_count == 0
    assert codes["missing_account"] == len(no_account) == 1425
    assert all(row["deal_stage"] in ("Engaging", "Prospecting") for row in no_account)
    assert codes["spelling"] == len(gtxpro)
    assert {r.product for r in maven.records() if isinstance(r, OpportunityRecord)} >= {"GTX Pro"}
    [lost] = [p for p in maven.report.warnings if p.code == "lost_amounts_missing"]
    assert "win rate by value cannot be computed" in lost.reason and lost.line is None
    first = next(p for p in maven.report.warnings if p.code == "spelling")
    assert (first.file, first.column, first.value) == ("sales_pipeline.csv", "product", "GTXPro")
    assert first.line == 2 + next(i for i, row in enumerate(source) if row["product"] == "GTXPro")


def test_it_imports_the_maven_accounts_with_their_sector_as_segment() -> None:
    source = rows(dataset_path(MAVEN, "accounts.csv"))

    read = read_import(dataset_path(MAVEN, "accounts.csv"), "accounts", preset="maven-accounts")

    records = list(read.records())
    assert len(records) == len(source) == 85
    assert Counter(r.segment for r in records) == Counter(row["sector"] for row in source)  # type: ignore[union-attr]


def test_it_imports_the_olist_leads_and_links_every_closed_deal_to_one() -> None:
    leads_file = dataset_path(OLIST, "olist_marketing_qualified_leads_dataset.csv")
    deals_file = dataset_path(OLIST, "olist_closed_deals_dataset.csv")
    source_leads, source_deals = rows(leads_file), rows(deals_file)

    leads = list(read_import(leads_file, "leads", preset="olist-leads").records())
    deals_read = read_import(deals_file, "opportunities", preset="olist-closed-deals")
    deals = list(deals_read.records())

    assert len(leads) == len(source_leads) == 8000 and len(deals) == len(source_deals) == 842
    assert all(isinstance(lead, LeadRecord) and lead.mql_at == lead.created for lead in leads)
    assert Counter(lead.channel or "" for lead in leads) == Counter(row["origin"] for row in source_leads)  # type: ignore[union-attr]
    lead_ids = {lead.external_id for lead in leads}
    assert all(deal.external_id in lead_ids for deal in deals)
    assert all(isinstance(deal, OpportunityRecord) and deal.lead == deal.external_id for deal in deals)  # its lead
    assert {deal.outcome for deal in deals if isinstance(deal, OpportunityRecord)} == {"won"}
    first = deals[0]
    assert isinstance(first, OpportunityRecord)
    assert first.closed == dt.datetime.fromisoformat(source_deals[0]["won_date"])
    assert first.owner == source_deals[0]["sr_id"] and first.segment == source_deals[0]["business_segment"]


def test_it_imports_the_ravenstack_accounts_and_subscriptions() -> None:
    subscriptions_file = dataset_path(RAVENSTACK, "ravenstack_subscriptions.csv")
    source = rows(subscriptions_file)

    accounts = list(
        read_import(
            dataset_path(RAVENSTACK, "ravenstack_accounts.csv"), "accounts", preset="ravenstack-accounts"
        ).records()
    )
    subscriptions = [
        r
        for r in read_import(subscriptions_file, "subscriptions", preset="ravenstack-subscriptions").records()
        if isinstance(r, SubscriptionRecord)
    ]

    assert len(accounts) == len(rows(dataset_path(RAVENSTACK, "ravenstack_accounts.csv"))) == 500
    assert len(subscriptions) == len(source) == 5000
    assert sum(s.mrr or 0 for s in subscriptions) == sum(Decimal(row["mrr_amount"]) for row in source)
    assert sum(1 for s in subscriptions if s.end is None) == sum(1 for row in source if not row["end_date"])
    assert {s.account for s in subscriptions} <= {a.external_id for a in accounts}


def test_it_says_which_fields_a_file_sets_constants_included() -> None:
    read = read_import(
        dataset_path(OLIST, "olist_closed_deals_dataset.csv"), "opportunities", preset="olist-closed-deals"
    )

    assert read.columns["outcome"] == "" and read.columns["closed"] == "won_date"
    assert read.fields == {"external_id", "lead", "outcome", "account", "owner", "segment", "closed"}
