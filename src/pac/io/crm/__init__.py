"""CRM import: CSV/XLSX exports → checked, typed canonical records (framework-free: no Django here).

Usage — check the file, then take its records (pass 2), or receive them while it is checked (a sink)::

    from pac.io.crm import read_import

    read = read_import(Path("export.csv"), "opportunities", preset="salesforce-opportunities",
                       mapping={"Opportunity Number": "external_id"},       # --map, on top of the preset
                       values={"outcome": {"Won": "won", "Loss": "lost"}},  # --values
                       on_duplicate="error",                                # or "last"
                       progress=lambda rows: ...)                           # rows read so far
    read.report            # Report: rows_read, rows_rejected, rows_merged, problems/errors/warnings, ok
    if read.ok:
        for chunk in read.chunks(1000):   # pass 2: OpportunityRecord…, file order, one per external_id
            upsert(chunk)                 # the caller's job (all or nothing, by external_id)
    write_report_csv(read.report, stream) # the downloadable report (formula-like cells neutralised)

    read = read_import(path, "opportunities", sink=staging)  # staging.fields(names), staging.add(line, record)
    if read.ok and read.streamed: ...     # the sink holds the records: no second read (see ``reader``)

``read_import(source: Path | BinaryIO, kind, *, preset=None, mapping=(), values=None,
on_duplicate="error", date_order=None, saved_presets=None, name=None, progress=None, sink=None,
limits=None, max_rows=None) -> ImportRead``
reads the whole file once (bounded memory: rows are streamed, only the id index grows, ≈100 B/id)
and never raises for a bad file: an unreadable one gives a report with one error (encoding, missing
required column — on the header line, naming the columns found —, no data rows…). ``ImportRead.records()``
reads it again and yields the records; it raises ``ImportRejected`` if the report has any error.

Kinds (``KINDS``) and their records (hashable dataclasses in ``kinds``; ``None`` for an empty cell):
``opportunities`` → ``OpportunityRecord`` (external_id, outcome won|lost|open, name, account, owner,
segment, channel, product, stage, amount: Decimal, currency, created/closed/expected_close: date|datetime,
forecast_category); ``accounts``, ``contacts``, ``leads``, ``activities``, ``subscriptions``, ``costs``
likewise with DESIGN.md's canonical field names (a cost's external_id is derived from period_start,
period_end, channel and category); ``opportunity_stages`` → ``OpportunityStageRecord`` (opportunity,
stage, entered: a stage history, its id derived from the three, the day entered counting).
``OTHER_KINDS`` are read the same way but are no CRM table (kept out of the CRM import page, the CLI and
the KPIs): ``target_accounts`` → ``TargetAccountRecord``, a plan's
target accounts (``pac.io.accounts_import``).

Presets (``BUILTIN_PRESETS``): ``salesforce-opportunities``, ``hubspot-deals``, ``pipedrive-deals``,
``salesforce-opportunity-history``, ``hubspot-stage-history`` (wide: ``Preset.unpivot``), ``maven-pipeline``,
``maven-accounts``, ``olist-leads``, ``olist-closed-deals``, ``ravenstack-accounts``,
``ravenstack-subscriptions``. A ``Preset`` is plain data; ``parse_map``/``parse_values`` read the CLI's
``--map``/``--values``, ``customise`` lays them over a preset, ``save_presets``/``load_presets`` keep
named presets in a JSON or YAML file. Values: ``values.parse_decimal``/``parse_moment``/``parse_bool``.
"""

from pac.io.crm.builtin_presets import BUILTIN_PRESETS, get_preset
from pac.io.crm.kinds import (
    KINDS,
    OTHER_KINDS,
    AccountRecord,
    ActivityRecord,
    ContactRecord,
    CostRecord,
    LeadRecord,
    OpportunityRecord,
    OpportunityStageRecord,
    Record,
    SubscriptionRecord,
    TargetAccountRecord,
)
from pac.io.crm.presets import Preset, customise, load_presets, parse_map, parse_values, save_presets
from pac.io.crm.problems import ImportFailed, Problem, Report
from pac.io.crm.reader import ImportRead, ImportRejected, Sink, read_import
from pac.io.crm.report_csv import write_report_csv

__all__ = [
    "BUILTIN_PRESETS",
    "KINDS",
    "OTHER_KINDS",
    "AccountRecord",
    "ActivityRecord",
    "ContactRecord",
    "CostRecord",
    "ImportFailed",
    "ImportRead",
    "ImportRejected",
    "LeadRecord",
    "OpportunityRecord",
    "OpportunityStageRecord",
    "Preset",
    "Problem",
    "Record",
    "Report",
    "Sink",
    "SubscriptionRecord",
    "TargetAccountRecord",
    "customise",
    "get_preset",
    "load_presets",
    "parse_map",
    "parse_values",
    "read_import",
    "save_presets",
    "write_report_csv",
]
