"""Ingest one site: read (adapter) -> map -> validate -> pseudonymise -> CDM tables + report.

Validation is lazy: every check runs on every row and all failures are collected (see
:mod:`spinepair.ingest.failure` for what a failure names). Strict mode (default) raises
:class:`IngestError` on any failure; with ``quarantine=True`` invalid records are set aside
whole (:mod:`spinepair.ingest.quarantine`) and the site continues, except for file-level
problems, which always fail the site.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from spinepair.contracts.cdm import RAW_ID_FIELD, TABLE_NAMES, TABLES, UNIQUE, VOCABULARIES
from spinepair.contracts.stages import cdm_schema, column_dtypes
from spinepair.errors import IngestError
from spinepair.ingest.checks import plausibility
from spinepair.ingest.checks.collector import Checks
from spinepair.ingest.checks.date_order import check_date_order
from spinepair.ingest.checks.identity import check_arm, check_same_person
from spinepair.ingest.checks.keys import check_keys
from spinepair.ingest.checks.values import parse_table
from spinepair.ingest.extract import Extract, read_site
from spinepair.ingest.failure import WARNING, Failure, failure_frame, records
from spinepair.ingest.linking import join_source, normalise_ids
from spinepair.ingest.pseudonym import person_keys, pseudonymise
from spinepair.ingest.quarantine import (
    CASCADE,
    collapse_duplicates,
    is_fatal,
    rejected_rows,
    share_failures,
)
from spinepair.ingest.report import FILE_CHECKS, build_report, message
from spinepair.ingest.spec import load_site_spec, validate_site_spec

LOG = logging.getLogger(__name__)
# The study config's ``ingest`` section, with its defaults; ``arms``: the study's arm names
# (without a study, the arms are named after the modalities).
DEFAULTS = {
    "rows_required": ["patients", "treatments"],
    "max_quarantine_share": 0.05,
    "arms": VOCABULARIES["modality"],
}


@dataclass
class IngestResult:
    """CDM tables, the JSON-able validation report and (quarantine mode) rejected rows."""

    tables: dict[str, pd.DataFrame]
    report: dict
    quarantine: pd.DataFrame


def _empty_raw(table: str) -> pd.DataFrame:
    cols = [RAW_ID_FIELD, *[c.name for c in TABLES[table]]]
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
    frame["_file"] = pd.Series(dtype="string")
    frame["_row"] = pd.Series(dtype="int64")
    frame["_rec"] = pd.Series(dtype="int64")
    return frame


def _raw_tables(ex: Extract) -> dict[str, pd.DataFrame]:
    raw = {}
    for t in TABLE_NAMES:
        frames = [f for f in ex.tables.get(t, []) if len(f)]
        raw[t] = pd.concat(frames, ignore_index=True) if frames else _empty_raw(t)
        raw[t] = raw[t].reindex(columns=raw[t].columns.union(_empty_raw(t).columns, sort=False))
    return raw


def _check_rows_present(ex: Extract, raw: dict, site: str, required) -> None:
    """A table with no record, from files that were read: an error or a warning."""
    failed = {f.file for f in ex.failures}
    for t in TABLE_NAMES:
        files = [f for f, info in ex.files.items() if t in info.get("tables", [])]
        if len(raw[t]) or not files or failed & set(files):
            continue  # rows present, or the file itself failed (already reported)
        detail = f"no {t} rows: the file is empty or has only a header"
        severity = "error" if t in required else WARNING
        ex.add(Failure(site, files[0], 2, None, None, t, "rows_present", detail, severity=severity))


@dataclass
class Checked:
    """A site's export read and checked: what ingest and ``check-site`` both report on."""

    spec: dict
    ex: Extract
    raw: dict[str, pd.DataFrame]
    parsed: dict[str, pd.DataFrame]
    chk: Checks
    arms: pd.Series


def check_site(spec, raw_dir, site: str, quarantine: bool = False, settings=None) -> Checked:
    """Read a site's export with its spec and run every check on every row."""
    settings = DEFAULTS | (settings or {})
    arms = settings["arms"]
    spec = (
        validate_site_spec(spec, arms=arms)
        if isinstance(spec, dict)
        else load_site_spec(spec, arms=arms)
    )
    ex = read_site(spec, raw_dir, site, collapse=quarantine)
    raw = _raw_tables(ex)
    if quarantine:
        for t in TABLE_NAMES:
            raw[t], copies = collapse_duplicates(raw[t], t, site)
            ex.warnings.extend(copies)
    limits = plausibility.settings(settings.get("plausibility"))
    chk = Checks(site, limits["severity"])
    for name, desc in FILE_CHECKS.items():
        chk.register(name, None, None, desc)
    joins = {
        t: pd.concat(frames, ignore_index=True)
        for t in TABLE_NAMES
        if (frames := [f for f in ex.tables.get(f"join:{t}", []) if len(f)])
    }
    if "patient_id" in spec:
        normalise_ids(
            chk, raw | {f"join:{t}": f for t, f in joins.items()}, spec["patient_id"]["zero_pad"]
        )
    for t, extra in joins.items():
        join_source(chk, ex, spec, raw, t, extra)
    parsed = {t: parse_table(chk, spec, t, raw[t], limits) for t in TABLE_NAMES}
    check_keys(chk, raw, parsed)
    check_date_order(chk, raw, parsed)
    plausibility.check_doses(chk, raw["treatments"], parsed["treatments"], limits)
    check_same_person(chk, raw["patients"], parsed["patients"])
    arms = check_arm(chk, raw, parsed, spec["arm"], list(settings["arms"]))
    _check_rows_present(ex, raw, site, settings["rows_required"])
    return Checked(spec, ex, raw, parsed, chk, arms)


def ingest_site(
    spec: dict | str | Path,
    raw_dir: str | Path,
    site: str,
    key: bytes,
    quarantine: bool = False,
    settings: dict | None = None,
    full_report: str | None = None,
) -> IngestResult:
    """Ingest one site's raw export into the six CDM tables (see module docstring).

    ``settings`` is the study config's ``ingest`` section (defaults in ``DEFAULTS``);
    ``full_report`` names, in the message of a failed ingest, where every failure is kept.
    """
    settings = DEFAULTS | (settings or {})
    state = check_site(spec, raw_dir, site, quarantine, settings)
    spec, ex, raw, parsed, chk, arms = (
        state.spec,
        state.ex,
        state.raw,
        state.parsed,
        state.chk,
        state.arms,
    )
    read_fails = failure_frame(ex.failures)
    long_files = {f for f, info in ex.files.items() if info["format"] == "long"}
    fatal = read_fails[is_fatal(read_fails, long_files)]
    rejected = rejected_rows(chk, raw, parsed, read_fails)
    if quarantine and not len(fatal):
        shares = share_failures(site, raw, rejected, settings["max_quarantine_share"])
        read_fails = failure_frame(ex.failures + shares)
        fatal = failure_frame(shares)
    cell = chk.error_frame().drop(columns="idx")
    parts = [f.astype(object) for f in (read_fails, cell) if len(f)]
    allf = pd.concat(parts, ignore_index=True) if parts else read_fails
    allf = allf.sort_values(["file", "row", "check"], kind="stable", na_position="first")
    problems = allf[~allf["check"].isin(CASCADE)]
    warnings = pd.concat(
        [failure_frame(ex.warnings), *[w.drop(columns="idx") for w in chk.warnings]],
        ignore_index=True,
    )
    for w in records(warnings):
        LOG.warning("site %s, %s row %s: %s", site, w["file"], w["row"], w["detail"])

    failed = bool(len(fatal)) or (bool(len(problems)) and not quarantine)
    report = build_report(
        site,
        spec,
        quarantine,
        failed,
        ex,
        raw,
        parsed,
        rejected,
        chk.registry,
        allf,
        problems,
        warnings,
    )
    if failed:
        failures = records(problems)
        raise IngestError(message(site, failures, full_report), failures, report=report)
    tables = _cdm_tables(parsed, rejected, key, site, arms, raw["patients"])
    q = allf[["file", "row", "table", "column", "check", "value"]].astype({"row": "Int64"})
    q.insert(0, "site", site)
    return IngestResult(tables=tables, report=report, quarantine=q.reset_index(drop=True))


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
            good["person_key"] = person_keys(key, rrn.reindex(good.index))
        cols = TABLES[t]
        good = good[[c.name for c in cols]].astype(column_dtypes(cols))
        good = good.sort_values(list(UNIQUE[t]), kind="stable").reset_index(drop=True)
        cdm_schema(t).validate(good)
        tables[t] = good
    return tables
