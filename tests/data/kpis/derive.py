"""Derive the canonical KPI fixtures from the shared reference data sets (run once; the output is committed).

    python tests/data/kpis/derive.py /path/to/shared/data

Writes ``maven/``, ``olist/`` and ``ravenstack/`` here, one canonical CSV per table (DESIGN.md
"Canonical tables"), CRLF line endings kept. See README.md for the mapping and the credits.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).parent
OUTCOME = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)  # default line terminator: CRLF, as the sources
        writer.writeheader()
        writer.writerows(rows)


def maven(source: Path) -> None:
    sectors = {a["account"]: a["sector"] for a in read(source / "accounts.csv")}
    write(
        HERE / "maven" / "accounts.csv",
        ["external_id", "segment"],
        [{"external_id": k, "segment": v} for k, v in sectors.items()],
    )
    write(
        HERE / "maven" / "opportunities.csv",
        ["external_id", "account", "owner", "segment", "product", "stage", "outcome", "amount", "created", "closed"],
        [
            {
                "external_id": o["opportunity_id"],
                "account": o["account"],
                "owner": o["sales_agent"],
                "segment": sectors.get(o["account"], ""),
                "product": o["product"],
                "stage": o["deal_stage"].lower(),
                "outcome": OUTCOME[o["deal_stage"]],
                "amount": o["close_value"],
                "created": o["engage_date"],
                "closed": o["close_date"],
            }
            for o in read(source / "sales_pipeline.csv")
        ],
    )


def olist(source: Path) -> None:
    leads = read(source / "olist_marketing_qualified_leads_dataset.csv")
    deals = read(source / "olist_closed_deals_dataset.csv")
    short = {lead["mql_id"]: lead["mql_id"][:10] for lead in leads}  # 10 hex digits stay unique on 8 000
    assert len(set(short.values())) == len(short)
    won = {d["mql_id"] for d in deals}
    origin = {lead["mql_id"]: lead["origin"] for lead in leads}
    created = {lead["mql_id"]: lead["first_contact_date"] for lead in leads}
    write(
        HERE / "olist" / "leads.csv",
        ["external_id", "created", "mql_at", "sql_at", "channel", "opportunity"],
        [
            {
                "external_id": short[x["mql_id"]],
                "created": x["first_contact_date"],
                "mql_at": x["first_contact_date"],
                "sql_at": "",
                "channel": x["origin"],
                "opportunity": short[x["mql_id"]] if x["mql_id"] in won else "",
            }
            for x in leads
        ],
    )
    write(
        HERE / "olist" / "opportunities.csv",
        ["external_id", "owner", "segment", "channel", "stage", "outcome", "amount", "created", "closed"],
        [
            {
                "external_id": short[d["mql_id"]],
                "owner": d["sr_id"][:10],
                "segment": d["business_segment"],
                "channel": origin[d["mql_id"]],
                "stage": "won",
                "outcome": "won",
                "amount": d["declared_monthly_revenue"],
                "created": created[d["mql_id"]],
                "closed": d["won_date"],
            }
            for d in deals
        ],
    )


def ravenstack(source: Path) -> None:
    write(
        HERE / "ravenstack" / "accounts.csv",
        ["external_id", "name", "segment"],
        [
            {"external_id": a["account_id"], "name": a["account_name"], "segment": a["industry"]}
            for a in read(source / "ravenstack_accounts.csv")
        ],
    )
    write(
        HERE / "ravenstack" / "subscriptions.csv",
        ["external_id", "account", "start", "end", "mrr"],
        [
            {
                "external_id": s["subscription_id"],
                "account": s["account_id"],
                "start": s["start_date"],
                "end": s["end_date"],
                "mrr": s["mrr_amount"],
            }
            for s in read(source / "ravenstack_subscriptions.csv")
        ],
    )


if __name__ == "__main__":
    shared = Path(sys.argv[1])
    maven(shared / "maven_crm_sales_opportunities")
    olist(shared / "olist_marketing_funnel")
    ravenstack(shared / "ravenstack_saas_subscriptions")
