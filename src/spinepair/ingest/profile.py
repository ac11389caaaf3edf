"""``spinepair check-site``: one site's export profiled with its spec, without the workflow.

What a data manager runs until a site is clean: the files and sheets found, the header row
used, every raw column with its CDM target (or ``unmapped``) and its values read = mapped +
missing + rejected (:mod:`.counts`), the same summed per CDM column, unknown codes with
counts, date parse counts per format, numeric min / median / max after units, and every failure with its row (the JSON keeps them all).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from spinepair.contracts.cdm import RAW_ID_FIELD, TABLES
from spinepair.ingest.checks.values import EXCEL_SERIAL, date_formats
from spinepair.ingest.counts import STATUSES, column_counts
from spinepair.ingest.dates import format_regex
from spinepair.ingest.extract import source_name
from spinepair.ingest.failure import failure_frame, records
from spinepair.ingest.limits import sheet_names
from spinepair.ingest.pipeline import Checked, check_site
from spinepair.ingest.quarantine import CASCADE
from spinepair.ingest.report import FILE_CHECKS
from spinepair.ingest.sources import matched


def _files(state: Checked, raw_dir: Path) -> list[dict]:
    out = []
    for source in state.spec["sources"]:
        for path in matched(raw_dir, source["path"])[0]:  # (refused files are failures)
            rel = path.relative_to(raw_dir).as_posix()
            name = source_name(rel, source)
            entry = {"file": name, "format": source["format"], "table": source.get("table")}
            if source["format"] == "xlsx":
                entry["sheets_in_workbook"] = sheet_names(path)
            info = state.ex.files.get(name, {})
            entry |= {k: v for k, v in info.items() if k != "format"}
            entry["columns"] = state.ex.columns.get(name, {})
            out.append(entry)
    return out


def _date_counts(state: Checked, table: str, name: str, text: pd.Series) -> dict[str, int]:
    sources = state.raw[table].get("_src", pd.Series(-1, index=text.index)).fillna(-1)
    counts: dict[str, int] = {}
    for src in sorted(set(sources)):
        sub = text[sources == src]
        for fmt in date_formats(state.spec, table, name, None if src < 0 else int(src)):
            hit = int(sub.str.fullmatch(format_regex(fmt), na=False).sum())
            counts[fmt] = counts.get(fmt, 0) + hit
    if state.spec.get("dates", {}).get(f"{table}.{name}", {}).get("excel_serial"):
        counts["Excel serial day"] = int(text.str.fullmatch(EXCEL_SERIAL, na=False).sum())
    return counts


def _columns(state: Checked, errors: pd.DataFrame, counts: dict) -> list[dict]:
    """Per mapped CDM column: values read, mapped, missing, rejected; codes, dates, numbers."""
    out = []
    for table, cols in TABLES.items():
        raw, parsed = state.raw[table], state.parsed[table]
        if not len(raw):
            continue
        for col in [c for c in cols if c.name in parsed]:
            target = f"{table}.{col.name}"
            mine = [e for entries in counts.values() for e in entries if e["target"] == target]
            entry = {"column": target} | {k: sum(e[k] for e in mine) for k in ("read", *STATUSES)}
            failed = errors[(errors["table"] == table) & (errors["cdm_column"] == col.name)]
            unknown = failed[failed["check"] == "vocabulary"]["value"].value_counts()
            if len(unknown):
                entry["unknown_codes"] = {str(k): int(v) for k, v in unknown.items()}
            if col.kind == "date":
                text = raw[col.name].astype("string")
                entry["date_formats"] = _date_counts(state, table, col.name, text)
            if col.kind in ("int", "float") and parsed[col.name].notna().any():
                num = parsed[col.name].astype("float64")
                entry |= {"min": num.min(), "median": num.median(), "max": num.max()}
            out.append(entry)
    return out


def profile_site(spec, raw_dir: str | Path, site: str, settings: dict | None = None) -> dict:
    """The profile of one site's export (see module docstring); JSON-able."""
    raw_dir = Path(raw_dir)
    state = check_site(spec, raw_dir, site, settings=settings)
    cell = state.chk.error_frame().drop(columns="idx")
    errors = pd.concat(
        [f.astype(object) for f in (failure_frame(state.ex.failures), cell) if len(f)]
        or [failure_frame([])],
        ignore_index=True,
    )
    errors = errors[~errors["check"].isin(CASCADE)]
    errors = errors.assign(_later=~errors["check"].isin(list(FILE_CHECKS)))  # they explain the rest
    errors = errors.sort_values(
        ["_later", "file", "row", "check"], kind="stable", na_position="first"
    ).drop(columns="_later")
    warns = pd.concat(
        [failure_frame(state.ex.warnings), *[w.drop(columns="idx") for w in state.chk.warnings]],
        ignore_index=True,
    )
    counts = column_counts(state.spec, state.ex, state.raw, state.parsed, errors)
    files = _files(state, raw_dir)
    for f in files:
        f["values"] = counts.get(f["file"], [])
    return {
        "site": site,
        "status": "failed" if len(errors) else "clean",
        "n_failures": len(errors),
        "files": files,
        "records": {t: len(state.raw[t]) for t in TABLES},
        "patients": int(state.parsed["patients"][RAW_ID_FIELD].nunique()),
        "columns": _columns(state, errors, counts),
        "failures": records(errors),
        "warnings": records(warns),
    }


def _where(f: dict) -> str:
    col = f" column {f['column']!r}" if f["column"] is not None else ""
    value = f" value {f['value']!r}" if f["value"] is not None else ""
    row = f["row"] if f["row"] is not None else "-"
    return f"{f['file']} row {row}{col}: {f['check']}: {f['detail']}{value}"


def render_text(profile: dict, shown: int = 20) -> str:
    """The profile for a terminal: every section, the first ``shown`` failures."""
    lines = [f"site {profile['site']}: {profile['status']}, {profile['n_failures']} failures"]
    for f in profile["files"]:
        sheets = f.get("sheets_in_workbook")
        lines.append(f"file {f['file']} ({f['format']}, header row {f.get('header_row', 1)})")
        if sheets:
            lines.append(f"  sheets in the workbook: {', '.join(sheets)}")
        if f.get("rows_filtered"):
            lines.append(f"  rows left out by keep_rows: {f['rows_filtered']}")
        lines += [f"  {raw!r} -> {target}" for raw, target in f["columns"].items()]
    lines.append("columns (read = mapped + missing + rejected):")
    for c in profile["columns"]:
        extra = ""
        if "min" in c:
            extra += f"  min {c['min']:g} median {c['median']:g} max {c['max']:g}"
        if c.get("date_formats"):
            extra += "  " + ", ".join(f"{k}: {v}" for k, v in c["date_formats"].items() if v)
        if c.get("unknown_codes"):
            extra += "  unknown codes " + ", ".join(
                f"{k!r} x{v}" for k, v in c["unknown_codes"].items()
            )
        counts = " + ".join(str(c[k]) for k in STATUSES)
        lines.append(f"  {c['column']}: {c['read']} = {counts}{extra}")
    fails = profile["failures"]
    if fails:
        lines.append(f"failures (first {min(shown, len(fails))} of {len(fails)}):")
        lines += ["  " + _where(f) for f in fails[:shown]]
    return "\n".join(lines)


def render_html(profile: dict) -> str:
    """The profile as one small self-contained HTML page."""

    def table(rows: list[dict]) -> str:
        if not rows:
            return "<p>none</p>"
        heads = list(dict.fromkeys(k for r in rows for k in r))
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(r.get(k, '')))}</td>" for k in heads) + "</tr>"
            for r in rows
        )
        head = "".join(f"<th>{html.escape(k)}</th>" for k in heads)
        return f"<table><tr>{head}</tr>{cells}</table>"

    files = [
        {k: v for k, v in f.items() if k not in ("columns", "values")} for f in profile["files"]
    ]
    mapping = [
        {"file": f["file"], "raw column": raw, "read as": target}
        for f in profile["files"]
        for raw, target in f["columns"].items()
    ]
    title = f"check-site {profile['site']}: {profile['status']}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 6px}"
        "table{border-collapse:collapse}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{profile['n_failures']} failures</p>"
        f"<h2>Files</h2>{table(files)}<h2>Columns</h2>{table(mapping)}"
        f"<h2>Values</h2>{table(profile['columns'])}"
        f"<h2>Failures</h2>{table(profile['failures'])}"
        f"<h2>Warnings</h2>{table(profile['warnings'])}</body></html>\n"
    )


def write_profile(profile: dict, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``<site>.profile.json`` and ``<site>.profile.html`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    site = profile["site"]
    js, page = out / f"{site}.profile.json", out / f"{site}.profile.html"
    js.write_text(json.dumps(profile, indent=1, ensure_ascii=False, default=str), "utf-8")
    page.write_text(render_html(profile), encoding="utf-8")
    return js, page
