"""Ingest one site: read (adapter) -> map -> pseudonymise -> validate -> CDM tables + report.

Validation is lazy: every check runs on every row and all failures are collected. A
failure names site, file (relative to the raw dir), row (1-based line or sheet row,
header = 1), raw and CDM column, check and offending value (never for identifier
columns). Strict mode (default) raises :class:`IngestError` on any failure; with
``quarantine=True`` invalid records (and the children of rejected patients) are set aside
and the site continues, except for file-level problems, which always fail the site.
Dates before 1901 are rejected as placeholders, and dates after the day of ingest as
impossible (``date_future``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from spinepair.contracts.cdm import (
    ADAPTER_FIELDS,
    CHILD_TABLES,
    IDENTIFIER_FIELDS,
    RAW_ID_FIELD,
    TABLE_NAMES,
    TABLES,
    UNIQUE,
)
from spinepair.contracts.stages import cdm_schema, column_dtypes
from spinepair.errors import ConfigError, IngestError
from spinepair.ingest.adapters import Extract, load_spec, read_site, validate_spec
from spinepair.ingest.pseudonym import pseudonymise

MAX_SHOWN = 20
FAILURE_FIELDS = ("file", "row", "column", "cdm_column", "table", "check", "value", "detail", "rec")
LOG = logging.getLogger(__name__)
HIDDEN = (RAW_ID_FIELD, *IDENTIFIER_FIELDS)
FILE_CHECKS = {
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
    "patients_present": "the export has at least one patient row",
}
# Dates before this are placeholders (Excel's day 0 is 1900-01-00), not clinical dates.
DATE_MIN = pd.Timestamp("1901-01-01")
# A spreadsheet error code or an unevaluated formula where a value should be.
SHEET_JUNK = r"=|#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|ERROR)"
# (name, table, column, left, right, description): left <= right when both are known.
DATE_ORDER = (
    (
        "birth_before_primary",
        "patients",
        "primary_diagnosis_date",
        "birth_date",
        "primary_diagnosis_date",
        "birth date <= primary diagnosis date",
    ),
    (
        "primary_before_spine_met",
        "patients",
        "spine_met_diagnosis_date",
        "primary_diagnosis_date",
        "spine_met_diagnosis_date",
        "primary diagnosis date <= spine metastasis diagnosis date",
    ),
    (
        "spine_met_before_followup",
        "patients",
        "last_followup_date",
        "spine_met_diagnosis_date",
        "last_followup_date",
        "spine metastasis diagnosis date <= last follow-up date",
    ),
    (
        "death_not_after_followup",
        "patients",
        "death_date",
        "death_date",
        "last_followup_date",
        "death date <= last follow-up date (last follow-up is the last known status)",
    ),
    (
        "spine_met_before_start",
        "treatments",
        "start_date",
        "p.spine_met_diagnosis_date",
        "start_date",
        "spine metastasis diagnosis date <= treatment start date",
    ),
    (
        "start_before_end",
        "treatments",
        "end_date",
        "start_date",
        "end_date",
        "treatment start date <= treatment end date",
    ),
    (
        "end_before_followup",
        "treatments",
        "end_date",
        "end_date",
        "p.last_followup_date",
        "treatment end date <= last follow-up date",
    ),
    (
        "death_not_before_start",
        "treatments",
        "start_date",
        "start_date",
        "p.death_date",
        "death date (if any) >= treatment start date",
    ),
    *(
        (
            f"{t}_not_after_followup",
            t,
            "date",
            "date",
            "p.last_followup_date",
            f"{t} date <= last follow-up date",
        )
        for t in ("assessments", "imaging", "toxicities", "further_treatments")
    ),
    *(
        (f"{t}_not_before_birth", t, "date", "p.birth_date", "date", f"{t} date >= birth date")
        for t in ("assessments", "imaging", "toxicities", "further_treatments")
    ),
)


@dataclass
class IngestResult:
    """CDM tables, the JSON-able validation report and (quarantine mode) rejected rows."""

    tables: dict[str, pd.DataFrame]
    report: dict
    quarantine: pd.DataFrame


class _Checker:
    """Runs cell-level checks on one site's raw frames, collecting failures lazily."""

    def __init__(self, site: str, spec: dict):
        self.site, self.spec = site, spec
        self.checks: list[dict] = []
        self.fails: list[pd.DataFrame] = []
        self.warnings: list[dict] = []
        self.today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
        self.formats = list(spec.get("date_formats", ["%Y-%m-%d"]))
        if spec.get("excel_dates"):
            self.formats += ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S"]

    def register(self, name: str, table: str | None, column: str | None, description: str):
        self.checks.append(
            {"name": name, "table": table, "column": column, "description": description}
        )

    def fail(
        self,
        raw: pd.DataFrame,
        table: str,
        mask,
        column: str,
        check: str,
        detail,
        value: pd.Series | None = None,
    ) -> None:
        mask = pd.Series(mask, index=raw.index).fillna(False).astype(bool)
        if not mask.any():
            return
        sub = raw.loc[mask]
        rowcol = f"_row.{column}" if f"_row.{column}" in raw else "_row"
        shown = pd.Series(pd.NA, index=sub.index, dtype="string")
        if column not in HIDDEN and value is not None:
            shown = value[mask].astype("string")
        detail = detail[mask] if isinstance(detail, pd.Series) else detail
        self.fails.append(
            pd.DataFrame(
                {
                    "table": table,
                    "file": sub["_file"],
                    "row": sub[rowcol].astype("int64"),
                    "column": sub.get(f"_col.{column}", column),
                    "cdm_column": column,
                    "check": check,
                    "value": shown,
                    "detail": detail,
                    "rec": sub["_rec"].astype("int64"),
                    "idx": sub.index,
                }
            )
        )

    def parse(self, table: str, raw: pd.DataFrame) -> pd.DataFrame:
        """Typed CDM values of one table (NA where a value failed to parse)."""
        out = pd.DataFrame(index=raw.index)
        codes, units = self.spec.get("codes", {}), self.spec.get("units", {})
        pid = raw[RAW_ID_FIELD]
        self.register("required", table, RAW_ID_FIELD, "patient id present")
        self.fail(raw, table, pid.isna(), RAW_ID_FIELD, "required", "missing patient id")
        out[RAW_ID_FIELD] = pid
        for col in TABLES[table]:
            if col.name in ("patient_key", *ADAPTER_FIELDS):
                continue
            s, name = raw[col.name], col.name
            self.register("spreadsheet_value", table, name, "not a spreadsheet error or formula")
            text = s if isinstance(s.dtype, pd.StringDtype) else s.astype("string")
            junk = text.str.match(SHEET_JUNK, na=False).astype(bool)
            detail = "a spreadsheet error code or formula, not a value (export values only)"
            self.fail(raw, table, junk, name, "spreadsheet_value", detail, s)
            parsed = self._value(
                table,
                raw,
                col,
                s.mask(junk),
                codes.get(f"{table}.{name}"),
                units.get(f"{table}.{name}", "Gy"),
            )
            if not col.nullable:
                self.register("required", table, name, f"{name} present")
                self.fail(raw, table, s.isna(), name, "required", "missing value")
            out[name] = parsed
        return out

    def _value(self, table, raw, col, s, codemap, unit):
        name = col.name
        if col.kind == "cat":
            if codemap:
                orig = s
                s = s.map(codemap, na_action="ignore").astype("string").where(s.notna())
                self.register("vocabulary", table, name, f"code in {sorted(codemap)}")
                self.fail(
                    raw,
                    table,
                    s.isna() & orig.notna(),
                    name,
                    "vocabulary",
                    f"unknown code (known: {', '.join(sorted(codemap))})",
                    orig,
                )
            else:
                self.register("vocabulary", table, name, f"one of {list(col.values)}")
                bad = s.notna() & ~s.isin(list(col.values))
                self.fail(
                    raw,
                    table,
                    bad,
                    name,
                    "vocabulary",
                    f"unknown value (allowed: {', '.join(col.values)})",
                    s,
                )
                s = s.where(~bad)
            return s.astype("string")
        if col.kind == "date":
            out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
            for fmt in self.formats:
                todo = out.isna() & s.notna()
                if not todo.any():
                    break
                out[todo] = pd.to_datetime(s[todo], format=fmt, errors="coerce")
            self.register("date", table, name, f"date in format {' or '.join(self.formats)}")
            self.fail(
                raw,
                table,
                out.isna() & s.notna(),
                name,
                "date",
                f"not a date in format {' or '.join(self.formats)}",
                s,
            )
            self.register("date_range", table, name, f"{DATE_MIN:%Y-%m-%d} <= {name}")
            early = out.notna() & (out < DATE_MIN)
            why = f"before {DATE_MIN:%Y-%m-%d} (a placeholder such as Excel's day 0?)"
            self.fail(raw, table, early, name, "date_range", why, s)
            self.register("date_future", table, name, f"{name} not after the day of ingest")
            future = out.notna() & (out > self.today)
            why = "after the day of ingest (a typing error, or a planned date?)"
            self.fail(raw, table, future, name, "date_future", why, s)
            return out.dt.normalize().where(~early & ~future)
        if col.kind in ("int", "float"):
            num = pd.to_numeric(s, errors="coerce").astype("Float64")
            self.register("number", table, name, "a number")
            bad = num.isna() & s.notna()
            why = pd.Series("not a number", index=s.index)
            if bad.any():
                comma = s.str.contains(",", regex=False, na=False).astype(bool)
                why = why.mask(
                    comma, "not a number (digit grouping or decimal comma? write 1200.5)"
                )
            self.fail(raw, table, bad, name, "number", why, s)
            if unit == "cGy":
                num = num / 100
            if col.kind == "int":
                self.register("integer", table, name, "a whole number")
                frac = num.notna() & (num % 1 != 0)
                self.fail(raw, table, frac, name, "integer", "not a whole number", s)
                num = num.where(~frac)
            if col.lo is not None or col.hi is not None:
                lo = -np.inf if col.lo is None else col.lo
                hi = np.inf if col.hi is None else col.hi
                unit_note = " (Gy)" if name.endswith("_gy") else ""
                self.register("range", table, name, f"{lo} <= {name} <= {hi}{unit_note}")
                bad = num.notna() & ((num < lo) | (num > hi))
                why = pd.Series(f"outside the range {lo}..{hi}", index=s.index)
                if name.endswith("_gy") and unit == "Gy":  # 3000 "Gy": a dose in cGy?
                    hint = " Gy (a dose in cGy where the spec declares Gy?)"
                    why = why.mask((num > hi).fillna(False).astype(bool), why + hint)
                self.fail(raw, table, bad, name, "range", why, s)
                num = num.where(~bad)
            return num.round().astype("Int64") if col.kind == "int" else num
        return s.astype("string")

    def structure(self, raw: dict, parsed: dict) -> None:
        """Uniqueness, referential integrity and date order across tables."""
        pats, praw = parsed["patients"], raw["patients"]
        pid = pats[RAW_ID_FIELD]
        self.register("unique", "patients", RAW_ID_FIELD, "one patients row per patient")
        dup = pid.notna() & pid.duplicated(keep=False)
        first = praw["_row"].groupby(pid).transform("min")
        self.fail(
            praw,
            "patients",
            dup,
            RAW_ID_FIELD,
            "unique",
            "duplicate patient: same patient id as row " + first.astype("Int64").astype("string"),
        )
        known = pd.Index(pid.dropna().unique())
        pinfo = pats.drop_duplicates(RAW_ID_FIELD).set_index(RAW_ID_FIELD).add_prefix("p.")
        for table in CHILD_TABLES:
            df, r = parsed[table], raw[table]
            self.register("orphan", table, RAW_ID_FIELD, "the patient exists in patients")
            self.fail(
                r,
                table,
                df[RAW_ID_FIELD].notna() & ~df[RAW_ID_FIELD].isin(known),
                RAW_ID_FIELD,
                "orphan",
                "no patients row for this patient id",
            )
            keys = [RAW_ID_FIELD if c == "patient_key" else c for c in UNIQUE[table]]
            self.register("unique", table, keys[1], f"one row per {', '.join(keys)}")
            dup = df[keys].notna().all(axis=1) & df.duplicated(keys, keep=False)
            self.fail(
                r,
                table,
                dup,
                keys[1],
                "unique",
                f"duplicate row for {', '.join(keys)}",
                df[keys[1]],
            )
        for name, table, column, left, right, desc in DATE_ORDER:
            df = parsed[table]
            if table != "patients":
                df = df.join(pinfo, on=RAW_ID_FIELD)
            self.register(f"date_order:{name}", table, column, desc)
            bad = (df[left] > df[right]).fillna(False)
            self.fail(
                raw[table],
                table,
                bad,
                column,
                f"date_order:{name}",
                f"violates {desc}",
                raw[table][column],
            )


def _empty_raw(table: str) -> pd.DataFrame:
    cols = [RAW_ID_FIELD, *[c.name for c in TABLES[table]]]
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
    for c in ("_file",):
        frame[c] = pd.Series(dtype="string")
    frame["_row"] = pd.Series(dtype="int64")
    frame["_rec"] = pd.Series(dtype="int64")
    return frame


def _check_spec_covers(spec: dict) -> None:
    """ConfigError if a source maps onto unknown CDM columns or a table lacks a column."""
    mapped: dict[str, set[str]] = {}
    for src in spec["sources"]:
        groups = (
            [(e["table"], e["columns"], e.get("instance_column")) for e in src["entities"].values()]
            if src["format"] == "long"
            else [
                (
                    src["table"],
                    src["columns"] | src.get("melt", {}).get("fields", {}),
                    src.get("melt", {}).get("instance_column"),
                )
            ]
        )
        for table, cols, inst in groups:
            names = set(cols.values()) | ({inst} if inst else set())
            if src["format"] == "long":
                names.add(RAW_ID_FIELD)
            allowed = {c.name for c in TABLES[table]} | {RAW_ID_FIELD}
            if table == "patients":
                allowed |= set(IDENTIFIER_FIELDS)
            unknown = sorted(names - allowed - set(ADAPTER_FIELDS))
            if unknown or names & set(ADAPTER_FIELDS) or "patient_key" in names:
                bad = unknown or sorted(names & {*ADAPTER_FIELDS, "patient_key"})
                raise ConfigError(
                    f"site {spec['site']}: source {src['path']!r} maps onto "
                    f"columns {bad} that {table} cannot take from an export"
                )
            mapped.setdefault(table, set()).update(names)
    for table, names in mapped.items():
        need = {c.name for c in TABLES[table]} - {"patient_key", *ADAPTER_FIELDS}
        missing = sorted((need | {RAW_ID_FIELD}) - names)
        if missing:
            cols = ", ".join(f"{table}.{m}" for m in missing)
            raise ConfigError(f"site {spec['site']}: no raw column is mapped to {cols}")


def _check_patients_present(ex: Extract, patients: pd.DataFrame, site: str) -> None:
    """A file-level failure when the readable export holds no patient row at all."""
    files = [f for f, info in ex.files.items() if "patients" in info.get("tables", [])]
    if len(patients) or not files or any(f["file"] in files for f in ex.failures):
        return  # rows present, or the patients file itself failed (already reported)
    detail = "no patient rows: the export is empty or has only a header"
    ex.failures.append(
        {"site": site, "file": files[0], "row": 2, "column": None, "cdm_column": None}
        | {"table": "patients", "check": "patients_present", "value": None}
        | {"detail": detail, "rec": 2}
    )


def _message(site: str, failures: list[dict]) -> str:
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
        lines.append(f"  ... and {len(failures) - MAX_SHOWN} more (see validation.json)")
    return "\n".join(lines)


def _records(frame: pd.DataFrame, site: str) -> list[dict]:
    out = frame.drop(columns=["rec", "idx"], errors="ignore").astype(object)
    out = out.where(out.notna(), None)
    out.insert(0, "site", site)
    return out.to_dict(orient="records")


def ingest_site(
    spec: dict | str | Path, raw_dir: str | Path, site: str, key: bytes, quarantine: bool = False
) -> IngestResult:
    """Ingest one site's raw export into the six CDM tables (see module docstring)."""
    spec = validate_spec(spec) if isinstance(spec, dict) else load_spec(spec)
    _check_spec_covers(spec)
    ex: Extract = read_site(spec, raw_dir, site)
    for w in ex.warnings:
        LOG.warning("site %s, %s row %s: %s", site, w["file"], w["row"], w["detail"])
    chk = _Checker(site, spec)
    for name, desc in FILE_CHECKS.items():
        chk.register(name, None, None, desc)
    raw = {}
    for t in TABLE_NAMES:
        frames = [f for f in ex.tables.get(t, []) if len(f)]
        raw[t] = pd.concat(frames, ignore_index=True) if frames else _empty_raw(t)
        raw[t] = raw[t].reindex(columns=raw[t].columns.union(_empty_raw(t).columns, sort=False))
    parsed = {t: chk.parse(t, raw[t]) for t in TABLE_NAMES}
    chk.structure(raw, parsed)
    for w in chk.warnings:
        LOG.warning("site %s, %s row %s: %s", site, w["file"], w["row"], w["detail"])
    ex.warnings.extend(chk.warnings)
    _check_patients_present(ex, raw["patients"], site)

    read_fails = pd.DataFrame(ex.failures, columns=["site", *FAILURE_FIELDS]).drop(columns="site")
    no_cell = read_fails.iloc[:0].assign(idx=pd.Series(dtype="int64"))
    cell = pd.concat(chk.fails, ignore_index=True) if chk.fails else no_cell
    fatal = read_fails[~read_fails["check"].isin(["field_count", "unique_attribute"])]

    rejected = {t: pd.Series(False, index=raw[t].index) for t in TABLE_NAMES}
    for t, idx in cell.groupby("table")["idx"] if len(cell) else []:
        rejected[t].loc[idx.astype("int64").unique()] = True
    rec_fails = read_fails[read_fails["check"] == "unique_attribute"]
    for t in TABLE_NAMES:
        hit = pd.MultiIndex.from_frame(rec_fails[["file", "rec"]].astype({"rec": "int64"}))
        own = pd.MultiIndex.from_arrays([raw[t]["_file"], raw[t]["_rec"]])
        rejected[t] |= pd.Series(own.isin(hit), index=raw[t].index)
    bad_ids = pd.Index(parsed["patients"].loc[rejected["patients"], RAW_ID_FIELD].dropna())
    for t in CHILD_TABLES:
        cascade = parsed[t][RAW_ID_FIELD].isin(bad_ids) & ~rejected[t]
        chk.fail(
            raw[t],
            t,
            cascade,
            RAW_ID_FIELD,
            "parent_rejected",
            "the patient's own row was rejected",
        )
        rejected[t] |= cascade
    chk.register(
        "parent_rejected",
        None,
        RAW_ID_FIELD,
        "rows of a rejected patient are rejected too (quarantine mode)",
    )
    cell = pd.concat(chk.fails, ignore_index=True) if chk.fails else cell
    parts = [f for f in (read_fails, cell.drop(columns="idx")) if len(f)]
    allf = pd.concat(parts, ignore_index=True) if parts else read_fails
    allf = allf.sort_values(["file", "row", "check"], kind="stable", na_position="first")
    cascaded = allf["check"] == "parent_rejected"
    problems = allf[~cascaded]

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
            good["site"], good["arm"] = site, spec["arm"]
        cols = TABLES[t]
        good = good[[c.name for c in cols]].astype(column_dtypes(cols))
        good = good.sort_values(list(UNIQUE[t]), kind="stable").reset_index(drop=True)
        tables[t] = good

    failed = bool(len(fatal)) or (bool(len(problems)) and not quarantine)
    report = _report(site, spec, quarantine, failed, ex, raw, rejected, chk, allf, problems)
    if failed:
        failures = _records(problems, site)
        raise IngestError(_message(site, failures), failures, report=report)
    for t in TABLE_NAMES:
        cdm_schema(t).validate(tables[t])
    q = allf[["file", "row", "table", "column", "check", "value"]].copy()
    q.insert(0, "site", site)
    return IngestResult(tables=tables, report=report, quarantine=q.reset_index(drop=True))


def _report(site, spec, quarantine, failed, ex, raw, rejected, chk, allf, problems) -> dict:
    counts = allf.groupby(["check", "table", "cdm_column"], dropna=False).size()
    checks = []
    for c in chk.checks:
        key = (c["name"], c["table"], c["column"])
        hit = [
            n
            for k, n in counts.items()
            if k[0] == key[0] and (key[1] is None or (k[1], k[2]) == key[1:])
        ]
        checks.append({**c, "n_failed": int(sum(hit))})
    rej_recs = pd.concat(
        [raw[t].loc[rejected[t], ["_file", "_rec"]] for t in TABLE_NAMES]
        + [
            allf.loc[allf["check"] == "field_count", ["file", "row"]].set_axis(
                ["_file", "_rec"], axis=1
            )
        ]
    )
    files = {}
    for rel, info in ex.files.items():
        rowmap = ex.rowmaps.get(rel, pd.Series(dtype="int64"))
        bad = rej_recs.loc[rej_recs["_file"] == rel, "_rec"].astype("int64")
        n_bad = int(rowmap.isin(bad).sum())
        files[rel] = {
            **info,
            "rows_read": len(rowmap),
            "rows_ingested": len(rowmap) - n_bad,
            "rows_rejected": n_bad,
        }
    tables = {
        t: {
            "records_read": len(raw[t]),
            "records_ingested": int((~rejected[t]).sum()),
            "records_rejected": int(rejected[t].sum()),
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
        "failures": _records(allf, site),
        "warnings": ex.warnings,
    }
