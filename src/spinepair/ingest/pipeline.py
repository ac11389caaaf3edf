"""Ingest one site: read (adapter) -> map -> validate -> pseudonymise -> CDM tables + report.

Validation is lazy: every check runs on every row and all failures are collected (see
:mod:`spinepair.ingest.failure` for what a failure names). Strict mode (default) raises
:class:`IngestError` on any failure; with ``quarantine=True`` invalid records are set aside
whole (:mod:`spinepair.ingest.quarantine`) and the site continues, except for file-level
problems, which always fail the site.

A site whose export is larger than ``ingest.part_mb`` is read in blocks and checked in
parts of whole patients (:mod:`.partition`, :mod:`.checks.sitewide`), with the same
failures, report and tables as read whole (:mod:`.outcome` merges the parts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from spinepair.contracts.cdm import RAW_ID_FIELD, TABLE_NAMES, TABLES, VOCABULARIES
from spinepair.ingest.checks import plausibility
from spinepair.ingest.checks.collector import Checks
from spinepair.ingest.checks.date_order import check_date_order
from spinepair.ingest.checks.identity import check_arm, check_same_person
from spinepair.ingest.checks.keys import check_keys
from spinepair.ingest.checks.sitewide import Sitewide
from spinepair.ingest.checks.values import parse_table
from spinepair.ingest.extract import Extract, read_export, read_site, shape
from spinepair.ingest.linking import join_source, normalise_ids
from spinepair.ingest.outcome import (
    IngestResult,
    PartResult,
    finish,
    rows_present_failures,
    settle_part,
)
from spinepair.ingest.partition import PART_MB, PartStore, part_count
from spinepair.ingest.quarantine import RECORD_CHECKS, collapse_duplicates
from spinepair.ingest.report import FILE_CHECKS
from spinepair.ingest.reshape import unknown_failures
from spinepair.ingest.spec import load_site_spec, validate_site_spec

__all__ = ["Checked", "IngestResult", "check_part", "check_site", "ingest_site"]
# The study config's ``ingest`` section, with its defaults; ``arms``: the study's arm names
# (without a study, the arms are named after the modalities).
DEFAULTS = {
    "rows_required": ["patients", "treatments"],
    "max_quarantine_share": 0.05,
    "arms": VOCABULARIES["modality"],
    "part_mb": PART_MB,
}


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


@dataclass
class Checked:
    """A site's export (or one part of it) read and checked: what ingest and ``check-site``
    both report on."""

    spec: dict
    ex: Extract
    raw: dict[str, pd.DataFrame]
    parsed: dict[str, pd.DataFrame]
    chk: Checks
    arms: pd.Series


def _prepared(spec, settings) -> tuple[dict, dict]:
    settings = DEFAULTS | (settings or {})
    arms = settings["arms"]
    spec = (
        validate_site_spec(spec, arms=arms)
        if isinstance(spec, dict)
        else load_site_spec(spec, arms=arms)
    )
    return spec, settings


def check_part(spec, ex: Extract, site: str, quarantine, settings, sitewide=None) -> Checked:
    """Run every check on every row read into ``ex`` (a whole site, or one part of it with
    the site-wide checks through ``sitewide``)."""
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
    parsed = {t: parse_table(chk, spec, t, raw[t], limits, sitewide) for t in TABLE_NAMES}
    check_keys(chk, raw, parsed)
    check_date_order(chk, raw, parsed)
    plausibility.check_doses(chk, raw["treatments"], parsed["treatments"], limits, sitewide)
    check_same_person(chk, raw["patients"], parsed["patients"], sitewide)
    arms = check_arm(chk, raw, parsed, spec["arm"], list(settings["arms"]))
    return Checked(spec, ex, raw, parsed, chk, arms)


def check_site(spec, raw_dir, site: str, quarantine: bool = False, settings=None) -> Checked:
    """Read a site's export whole with its spec and run every check on every row."""
    spec, settings = _prepared(spec, settings)
    ex = read_site(spec, raw_dir, site, collapse=quarantine, limits=settings.get("limits"))
    ex.failures.extend(unknown_failures(ex.eav_unknown, site))
    state = check_part(spec, ex, site, quarantine, settings)
    failed = {f.file for f in ex.failures}
    records = {t: len(state.raw[t]) for t in TABLE_NAMES}
    for f in rows_present_failures(ex.files, records, failed, site, settings["rows_required"]):
        ex.add(f)
    return state


def ingest_site(
    spec: dict | str | Path,
    raw_dir: str | Path,
    site: str,
    key: bytes,
    quarantine: bool = False,
    settings: dict | None = None,
    full_report: str | None = None,
    write: Callable[[str, Iterator[pd.DataFrame]], None] | None = None,
    spill_dir: str | Path | None = None,
) -> IngestResult:
    """Ingest one site's raw export into the six CDM tables (see module docstring).

    ``settings`` is the study config's ``ingest`` section (defaults in ``DEFAULTS``;
    ``part_mb``: a larger export is read in parts of about this many raw megabytes;
    ``limits``: the size limits of a raw file, :mod:`.limits`);
    ``full_report`` names, in the message of a failed ingest, where every failure is kept;
    ``write(table, frames)``: hand each table over as frames (one per part, in order, each
    held in memory only while written) instead of returning the tables; ``spill_dir``:
    where a site read in parts keeps them meanwhile (:class:`.partition.PartStore`).
    """
    spec, settings = _prepared(spec, settings)
    k = part_count(spec, raw_dir, settings["part_mb"])
    if k > 1:
        return _ingest_in_parts(
            k, spec, raw_dir, site, key, quarantine, settings, full_report, write, spill_dir
        )
    ex = read_site(spec, raw_dir, site, collapse=quarantine, limits=settings.get("limits"))
    state = check_part(spec, ex, site, quarantine, settings)
    parts = [settle_part(state, [], key, site)]
    return finish(site, spec, quarantine, settings, ex, parts, full_report, write)


def _ingest_in_parts(
    k, spec, raw_dir, site, key, quarantine, settings, full_report, write, spill_dir=None
):
    """Read the export in blocks into ``k`` parts of whole patients, check each part (and
    again those failing a site-wide check once the whole site is known), then merge."""
    store = PartStore(k, spec, site, key, spill_dir)
    try:
        ex = Extract()
        block = max(1, int(settings["part_mb"] * 2**20 / 4))
        read_export(
            spec,
            raw_dir,
            site,
            ex,
            store.add,
            store.discard,
            block_bytes=block,
            limits=settings.get("limits"),
        )
        store.close()
        sitewide = Sitewide(plausibility.settings(settings.get("plausibility")))
        site_records = [f for f in ex.failures if f.check in RECORD_CHECKS]

        def run(part: int) -> PartResult:
            sitewide.part = part
            pex = Extract(files=ex.files, headers=ex.headers, columns=ex.columns)
            for rel, source, frame in store.frames(part):
                shape(frame, rel, source, spec, pex, site, quarantine)
            state = check_part(spec, pex, site, quarantine, settings, sitewide)
            return settle_part(state, site_records, key, site, store.dir / f"{part}")

        parts = [run(p) for p in range(k)]
        for p in sorted(sitewide.settle()):
            parts[p] = run(p)
        return finish(site, spec, quarantine, settings, ex, parts, full_report, write)
    finally:
        store.cleanup()
