"""A site's ingest settled: each part's failures, counts and accepted rows, merged into the
site's failures, validation report and CDM tables (written whole, or part after part).

A whole site is one part. Failures and warnings of the merged site are ordered by file,
row and check; read problems found in several parts (a header problem) count once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from spinepair.contracts.cdm import RAW_ID_FIELD, TABLE_NAMES, TABLES, UNIQUE
from spinepair.contracts.stages import cdm_schema, column_dtypes
from spinepair.errors import IngestError
from spinepair.ingest.counts import cell_tally
from spinepair.ingest.failure import WARNING, Failure, failure_frame, records
from spinepair.ingest.pseudonym import person_keys, pseudonymise
from spinepair.ingest.quarantine import CASCADE, is_fatal, rejected_rows, share_failures
from spinepair.ingest.redact import rrn_spilled
from spinepair.ingest.report import build_report, message
from spinepair.ingest.reshape import unknown_failures

LOG = logging.getLogger(__name__)
ORDER = ["file", "row", "check"]


@dataclass
class IngestResult:
    """CDM tables (None when written to files), the JSON-able validation report and the
    failures of the records set aside (quarantine mode)."""

    tables: dict[str, pd.DataFrame] | None
    report: dict
    quarantine: pd.DataFrame


def rows_present_failures(files: dict, records: dict, failed: set, site: str, required):
    """A table with no record, from files that were read: an error or a warning."""
    out = []
    for t in TABLE_NAMES:
        names = [f for f, info in files.items() if t in info.get("tables", [])]
        if records[t] or not names or failed & set(names):
            continue  # rows present, or the file itself failed (already reported)
        detail = f"no {t} rows: the file is empty or has only a header"
        severity = "error" if t in required else WARNING
        out.append(
            Failure(site, names[0], 2, None, None, t, "rows_present", detail, severity=severity)
        )
    return out


@dataclass
class PartResult:
    """What the merge needs of one part: its failures, counts and accepted tables."""

    failures: list[Failure]
    warnings: list[Failure]
    eav_unknown: list[pd.DataFrame]
    cells: pd.DataFrame
    cell_warnings: list[pd.DataFrame]
    registry: list[dict]
    file_rows: dict[str, tuple[int, int]]  # file -> (rows read, rows rejected)
    table_counts: dict[str, tuple[int, int, list]]  # table -> (read, rejected, their files)
    tally: pd.DataFrame
    table: Callable[[str], pd.DataFrame]  # the accepted rows of a table, as CDM


def settle_part(state, site_records: list[Failure], key: bytes, site: str, spill=None):
    """Reject a checked part's failing records (whole) and count everything for the report.

    ``site_records``: record failures found while reading the whole site (rows of a
    wrong width). ``spill``: a folder to write the part's accepted tables to at once
    (a site read in parts); without it they are made only when the merge asks.
    """
    ex, raw, parsed, chk = state.ex, state.raw, state.parsed, state.chk
    reads = failure_frame(ex.failures + site_records)
    rejected = rejected_rows(chk, raw, parsed, reads)
    cells = chk.error_frame().drop(columns="idx")
    named = pd.concat(
        [f[ORDER[:2] + ["column"]] for f in (reads, cells[~cells["check"].isin(CASCADE)])]
    )
    bad = pd.concat([raw[t].loc[rejected[t], ["_file", "_rec"]] for t in TABLE_NAMES])
    file_rows = {
        rel: (len(rowmap), int(rowmap.isin(bad.loc[bad["_file"] == rel, "_rec"]).sum()))
        for rel, rowmap in ex.rowmaps.items()
    }
    counts = {
        t: (len(raw[t]), int(rejected[t].sum()), sorted(set(raw[t].loc[rejected[t], "_file"])))
        for t in TABLE_NAMES
    }

    made: dict[str, pd.DataFrame] = {}

    def table(t: str) -> pd.DataFrame:
        if not made:
            made.update(_cdm_tables(parsed, rejected, key, site, state.arms, raw["patients"]))
        return made[t]

    if spill is not None:
        table = _spilled({t: table(t) for t in TABLE_NAMES}, Path(spill))
    return PartResult(
        failures=list(ex.failures),
        warnings=list(ex.warnings),
        eav_unknown=list(ex.eav_unknown),
        cells=cells,
        cell_warnings=[w.drop(columns="idx") for w in chk.warnings],
        registry=chk.registry,
        file_rows=file_rows,
        table_counts=counts,
        tally=cell_tally(state.spec, raw, parsed, named),
        table=table,
    )


def _spilled(tables: dict, folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    for t, frame in tables.items():
        frame.to_pickle(folder / f"{t}.pkl")
    return lambda t: pd.read_pickle(folder / f"{t}.pkl")


def finish(site, spec, quarantine, settings, ex, parts: list[PartResult], full_report, write):
    """Merge the parts: the site's failures, its report, and its tables (or IngestError);
    ``write(table, frames)``, if given, takes each table as its parts' frames in order."""
    reads = [*ex.failures, *(f for p in parts for f in p.failures)]
    reads += unknown_failures([t for p in parts for t in p.eav_unknown], site)
    warns = [*ex.warnings, *(w for p in parts for w in p.warnings)]
    n_records = {t: sum(p.table_counts[t][0] for p in parts) for t in TABLE_NAMES}
    failed_files = {f.file for f in reads}
    for f in rows_present_failures(
        ex.files, n_records, failed_files, site, settings["rows_required"]
    ):
        (warns if f.severity == WARNING else reads).append(f)
    reads = list(dict.fromkeys(reads))
    read_fails = failure_frame(reads)
    long_files = {f for f, info in ex.files.items() if info["format"] == "long"}
    fatal = read_fails[is_fatal(read_fails, long_files)]
    counts = {t: _summed([p.table_counts[t] for p in parts]) for t in TABLE_NAMES}
    if quarantine and not len(fatal):
        shares = share_failures(site, counts, settings["max_quarantine_share"])
        read_fails = failure_frame(reads + shares)
        fatal = failure_frame(shares)
    cell = pd.concat(
        [p.cells for p in parts if len(p.cells)] or [parts[0].cells], ignore_index=True
    )
    pieces = [f.astype(object) for f in (read_fails, cell) if len(f)]
    allf = pd.concat(pieces, ignore_index=True) if pieces else read_fails
    allf = allf.sort_values(ORDER, kind="stable", na_position="first")
    problems = allf[~allf["check"].isin(CASCADE)]
    warnings = pd.concat(
        [failure_frame(list(dict.fromkeys(warns))), *(w for p in parts for w in p.cell_warnings)],
        ignore_index=True,
    ).sort_values(ORDER, kind="stable", na_position="first")
    for w in records(warnings):
        LOG.warning("site %s, %s row %s: %s", site, w["file"], w["row"], w["detail"])
    failed = bool(len(fatal)) or (bool(len(problems)) and not quarantine)
    report = build_report(
        site, spec, quarantine, failed, ex, parts, counts, allf, problems, warnings
    )
    if failed:
        failures = records(problems)
        raise IngestError(message(site, failures, full_report), failures, report=report)
    q = allf[["file", "row", "table", "column", "check", "value"]].astype({"row": "Int64"})
    q.insert(0, "site", site)
    if write is None:
        tables = _joined(parts)
    else:
        tables = None
        for t in TABLE_NAMES:
            write(t, (p.table(t) for p in parts))
    return IngestResult(tables=tables, report=report, quarantine=q.reset_index(drop=True))


def _summed(counts: list[tuple[int, int, list]]) -> tuple[int, int, list]:
    return (
        sum(c[0] for c in counts),
        sum(c[1] for c in counts),
        sorted({f for c in counts for f in c[2]}),
    )


def _joined(parts: list[PartResult]) -> dict[str, pd.DataFrame]:
    """The tables of every part, one after the other (each part is a range of pseudonyms)."""
    if len(parts) == 1:
        return {t: parts[0].table(t) for t in TABLE_NAMES}
    return {t: pd.concat([p.table(t) for p in parts], ignore_index=True) for t in TABLE_NAMES}


def _cdm_tables(
    parsed: dict, rejected: dict, key: bytes, site: str, arms: pd.Series, raw_patients: pd.DataFrame
) -> dict:
    """The accepted rows as CDM tables, raw ids replaced by keyed pseudonyms (and the person
    pseudonym of each patient from the registration number, which is then dropped);
    ``arms`` is the arm of each patients row."""
    tables = {}
    goods = {t: parsed[t][~rejected[t]].copy() for t in TABLE_NAMES}
    ids = np.concatenate([g[RAW_ID_FIELD].to_numpy(dtype=object) for g in goods.values()])
    keys = pseudonymise(key, site, pd.Series(ids, dtype="string"))  # one HMAC per distinct id
    ends = np.cumsum([len(g) for g in goods.values()])
    for t, end in zip(TABLE_NAMES, ends, strict=True):
        good = goods[t]
        good.insert(0, "patient_key", keys.iloc[end - len(good) : end].set_axis(good.index))
        del good[RAW_ID_FIELD]
        if t == "patients":
            good["site"], good["arm"] = site, arms[good.index]
            rrn = (
                raw_patients["rrn"] if "rrn" in raw_patients else pd.Series(pd.NA, index=good.index)
            )
            rrn = rrn.reindex(good.index)
            spilled, _, person = rrn_spilled(rrn)  # a site read in parts: keys made before
            good["person_key"] = person_keys(key, rrn).mask(spilled, person)
        cols = TABLES[t]
        good = good[[c.name for c in cols]].astype(column_dtypes(cols))
        good = good.sort_values(list(UNIQUE[t]), kind="stable").reset_index(drop=True)
        cdm_schema(t).validate(good)
        tables[t] = good
    return tables
