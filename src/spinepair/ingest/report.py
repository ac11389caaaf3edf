"""The validation report of one site's ingest and the message of a failed one."""

from __future__ import annotations

import pandas as pd

from spinepair.contracts.cdm import TABLE_NAMES
from spinepair.ingest.counts import column_entries
from spinepair.ingest.failure import records
from spinepair.ingest.limits import DESCRIPTIONS as LIMIT_CHECKS
from spinepair.ingest.sources import CHECKS as SOURCE_CHECKS

MAX_SHOWN = 20
FILE_CHECKS = (
    {
        "file_present": "every source's glob matches at least one file",
        "readable": "the workbook can be opened",
        "sheet_present": "the declared sheet exists",
        "encoding": "the file decodes in the declared encoding",
        "not_empty": "the file has a header line",
        "csv_syntax": "the CSV is well formed (no unterminated quote)",
        "field_count": "every row has as many fields as the header",
        "required_column": "every mapped raw column is present",
        "unique_attribute": "an EAV record gives each attribute once",
        "delimiter": "the file uses the declared delimiter",
        "unique_column": "no column name appears twice in a header",
        "date_cells": "no sheet column mixes real date cells with text",
        "reshape_column": "every column matching a reshape pattern is mapped",
        "entity_present": "every EAV line names its entity",
        "attribute_present": "every EAV line names its attribute",
        "known_entity": "every EAV entity is mapped or declared ignored",
        "known_attribute": "every EAV attribute is mapped or declared ignored",
        "rows_present": "the file has data rows (an error for the tables in ingest.rows_required)",
        "quarantine_share": "quarantine removes at most ingest.max_quarantine_share of a table",
        "header_row": "the declared header row exists",
        "footer": "the last rows are the declared footer",
        "extract": "every value of an extract column matches its pattern",
        "join_date": "every row of a joined source has a date",
    }
    | SOURCE_CHECKS
    | LIMIT_CHECKS
)  # where a file lies, whether it changed, its size limits


def message(site: str, failures: list[dict], full_report: str | None = None) -> str:
    """The failures, whole-file problems first, at most MAX_SHOWN of them."""
    files = {f["file"] for f in failures}
    n, k = len(failures), len(files)
    lines = [
        f"ingest of site {site} failed: {n} problem{'s' * (n != 1)} in {k} file{'s' * (k != 1)}"
    ]
    # problems with a whole file first: they usually explain the rest (e.g. orphans)
    failures = sorted(failures, key=lambda f: f["check"] not in FILE_CHECKS)
    for f in failures[:MAX_SHOWN]:
        where = f"{f['file']} row {f['row'] if f['row'] is not None else '-'}"
        if f["column"] is not None:
            cdm = f" ({f['table']}.{f['cdm_column']})" if f["cdm_column"] else ""
            where += f", column {f['column']!r}{cdm}"
        value = f": value {f['value']!r}" if f["value"] is not None else ""
        lines.append(f"  {where}: check {f['check']}: {f['detail']}{value}")
    if len(failures) > MAX_SHOWN:
        lines.append(f"  ... and {len(failures) - MAX_SHOWN} more")
    lines.append(f"  every failure is listed in {full_report or 'the validation report'}")
    return "\n".join(lines)


def build_report(site, spec, quarantine, failed, ex, parts, counts, allf, problems, warnings):
    """The JSON-able validation report (see docs: validation.json) of a site's parts
    (:class:`~spinepair.ingest.outcome.PartResult`); ``counts``: table -> (records read,
    rejected, their files)."""
    found = allf.groupby(["check", "table", "cdm_column"], dropna=False).size()
    registry = list({_key(c): c for p in parts for c in p.registry}.values())
    checks = []
    for c in registry:
        key = (c["name"], c["table"], c["column"])
        hit = [
            n
            for k, n in found.items()
            if k[0] == key[0] and (key[1] is None or (k[1], k[2]) == key[1:])
        ]
        checks.append({**c, "n_failed": int(sum(hit))})
    rows = {
        rel: [
            sum(p.file_rows.get(rel, (0, 0))[i] for p in parts) + ex.malformed.get(rel, 0)
            for i in (0, 1)
        ]
        for rel in ex.files
    }
    tally = pd.concat([p.tally for p in parts], ignore_index=True)
    columns = column_entries(ex.columns, ex.headers, tally, {r: n[0] for r, n in rows.items()})
    files = {
        rel: {
            **info,
            "rows_read": rows[rel][0],
            "rows_ingested": rows[rel][0] - rows[rel][1],
            "rows_rejected": rows[rel][1],
            "columns": columns.get(rel, []),
        }
        for rel, info in ex.files.items()
    }
    tables = {
        t: {
            "records_read": counts[t][0],
            "records_ingested": counts[t][0] - counts[t][1],
            "records_rejected": counts[t][1],
        }
        for t in TABLE_NAMES
    }
    return {
        "site": site,
        "arm": spec["arm"],
        "mode": "quarantine" if quarantine else "strict",
        "status": "failed" if failed else "ok",
        "n_failures": len(problems),
        "n_rejected_by_cascade": int(len(allf) - len(problems)),
        "files": files,
        "tables": tables,
        "checks": checks,
        "failures": records(allf),
        "warnings": records(warnings),
    }


def _key(check: dict) -> tuple:
    return (check["name"], check["table"], check["column"], check["description"])
