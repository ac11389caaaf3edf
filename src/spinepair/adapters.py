"""The generic site adapter: read a hospital's raw export as declared by its YAML spec.

A spec (``config/sites/<site>.yaml``, schema ``schemas/site.schema.yaml``) lists sources:
files found by glob, their format (csv, xlsx sheet, long entity-attribute-value),
encoding, delimiter and how raw columns map onto common-data-model columns, including
wide-to-long (``melt``) and long-to-wide (``entities``) reshapes. :func:`read_site` turns
the export into one frame of raw strings per CDM table with provenance columns:
``_file`` (path relative to the raw dir), ``_row`` (1-based line/sheet row, header = 1),
``_rec`` (the raw row a record is accounted under), ``_col.<c>`` (raw column name of CDM
column ``c``) and, for long exports, ``_row.<c>`` (the line holding that value).
Parsing, code maps, units and checks are done by :mod:`spinepair.ingest`.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import python_calamine
import yaml

from spinepair.errors import ConfigError
from spinepair.model import SCHEMA_DIR

SITE_SCHEMA = SCHEMA_DIR / "site.schema.yaml"


@dataclass
class Extract:
    """What was read from one site's export, before parsing and checks."""

    tables: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    rowmaps: dict[str, pd.Series] = field(default_factory=dict)  # file -> raw row -> _rec
    files: dict[str, dict] = field(default_factory=dict)  # file -> {format, tables}
    failures: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)


class _FileProblem(Exception):
    """A problem that makes a whole file unreadable."""

    def __init__(self, check: str, row: int | None, detail: str, value: str | None = None):
        super().__init__(detail)
        self.check, self.row, self.detail, self.value = check, row, detail, value


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = yaml.safe_load(SITE_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate_spec(spec: dict, origin: str = "site spec") -> dict:
    """Check a spec against the site JSON schema; ConfigError lists every violation by path."""
    errors = sorted(_validator().iter_errors(spec), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        lines = [
            f"  at {'/'.join(str(p) for p in e.absolute_path) or '(top level)'}: {e.message}"
            for e in errors
        ]
        raise ConfigError(f"invalid {origin}:\n" + "\n".join(lines))
    return spec


def load_spec(path: str | Path) -> dict:
    """Read and validate a site spec YAML file."""
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read site spec {path}: {exc}") from None
    return validate_spec(spec if spec is not None else {}, origin=f"site spec {path}")


def _decode(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _FileProblem(
            "encoding",
            line,
            f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid {encoding}",
        ) from None
    return text.removeprefix("\ufeff")


def _csv_grid(text: str, delimiter: str) -> tuple[list[str], pd.DataFrame, pd.Series]:
    """Header, data grid (indexed by line number) and the field count of each data row."""
    if not text.strip():
        raise _FileProblem("not_empty", 1, "the file is empty (no header line)")
    if '"' not in text:  # fast path: one record per line, fields counted by delimiters
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        body = pd.Series(lines[1:], dtype="string[pyarrow]").str.rstrip("\r")
        nfields = body.str.count(re.escape(delimiter)).add(1).astype("int64").to_numpy()
        nfields[(body == "").to_numpy()] = 0
        header = lines[0].rstrip("\r").split(delimiter)
        width = max(len(header), int(nfields.max(initial=0)))
        grid = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            names=range(width),
            skiprows=1,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_NONE,
        )
        grid.index = np.arange(2, len(grid) + 2)
        return [h.strip() for h in header], grid, pd.Series(nfields, index=grid.index)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        detail = f"unreadable CSV (truncated file or unclosed quote?): {exc}"
        raise _FileProblem("csv_syntax", reader.line_num, detail) from None
    header = [h.strip() for h in rows[0]]
    grid = pd.DataFrame(rows[1:], dtype=object)
    nfields = pd.Series(np.fromiter(map(len, rows[1:]), dtype=np.int64, count=len(rows) - 1))
    line = pd.Series(np.arange(2, len(rows) + 1), dtype=np.int64)
    if len(grid):
        # quoted fields may span lines: shift each record by the line breaks before it
        extra = sum(grid[c].fillna("").str.count("\n") for c in grid.columns)
        line += extra.shift(fill_value=0).cumsum().to_numpy() + sum(h.count("\n") for h in rows[0])
    grid.index = line.to_numpy()
    return header, grid, nfields.set_axis(grid.index)


def _xlsx_grid(path: Path, sheet: str) -> tuple[list[str], pd.DataFrame, pd.Series]:
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except (python_calamine.CalamineError, OSError) as exc:
        raise _FileProblem("readable", None, f"not a readable XLSX workbook: {exc}") from None
    if sheet not in book.sheet_names:
        raise _FileProblem("sheet_present", None, f"sheet {sheet!r} not found", sheet)
    rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    if not rows or not any(str(v).strip() for v in rows[0]):
        raise _FileProblem("not_empty", 1, f"sheet {sheet!r} is empty (no header row)")
    header = [str(h).strip() for h in rows[0]]
    grid = pd.DataFrame(rows[1:], dtype=object, columns=range(len(header)))
    grid = grid.astype(str).where(grid.notna(), None)
    grid.index = np.arange(2, len(rows) + 1)
    return header, grid, pd.Series(len(header), index=grid.index)


def _frame(grid: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    """Label the (stripped) grid columns with the header; empty -> NA."""
    out = grid.reindex(columns=range(len(header))).set_axis(header, axis=1)
    return out.apply(lambda s: s.astype("string[pyarrow]").mask(s == ""))


def _finish(frame: pd.DataFrame, rel: str, colnames: dict[str, str]) -> pd.DataFrame:
    frame = frame.copy()
    frame["_file"] = rel
    for cdm, raw in colnames.items():
        frame[f"_col.{cdm}"] = raw
    return frame


def _map_columns(
    df: pd.DataFrame, source: dict, rel: str, ex: Extract, site: str
) -> pd.DataFrame | None:
    """Rename raw columns (optionally melting wide visit/type columns to long rows)."""
    columns: dict[str, str] = source.get("columns", {})
    melt = source.get("melt")
    pattern = re.compile(melt["pattern"]) if melt else None
    table = source["table"]
    known = set(columns)
    if pattern:
        known |= {c for c in df.columns if pattern.fullmatch(c)}
    for raw in sorted(set(columns) - set(df.columns)):
        ex.failures.append(
            _fail(
                site,
                rel,
                1,
                raw,
                columns[raw],
                table,
                "required_column",
                f"required column {raw!r} is missing",
            )
        )
    for raw in [c for c in df.columns if c not in known]:
        ex.warnings.append(
            {
                "site": site,
                "file": rel,
                "row": 1,
                "column": raw,
                "table": table,
                "check": "extra_column",
                "detail": f"unknown column {raw!r} ignored",
            }
        )
    if set(columns) - set(df.columns):
        return None
    base = df[list(columns)].rename(columns=columns)
    base["_row"] = df.index.to_numpy()
    base["_rec"] = base["_row"]
    if not pattern:
        return _finish(base, rel, {v: k for k, v in columns.items()})
    by_instance: dict[str, dict[str, str]] = {}
    for raw in df.columns:
        m = pattern.fullmatch(raw)
        if m and m["field"] in melt["fields"]:
            by_instance.setdefault(m["instance"], {})[melt["fields"][m["field"]]] = raw
    order = sorted(by_instance, key=lambda s: (not s.isdigit(), int(s) if s.isdigit() else 0, s))
    parts = []
    for inst in order:
        raws = by_instance[inst]
        missing = sorted(set(melt["fields"].values()) - set(raws))
        for cdm in missing:
            ex.failures.append(
                _fail(
                    site,
                    rel,
                    1,
                    f"{inst} {cdm}",
                    cdm,
                    table,
                    "required_column",
                    f"wide column for {cdm!r} of group {inst!r} is missing",
                )
            )
        if missing:
            return None
        vals = df[list(raws.values())].set_axis(list(raws), axis=1)
        keep = vals.notna().any(axis=1).to_numpy()
        part = pd.concat([base[keep], vals[keep]], axis=1)
        if melt.get("instance_column"):
            part[melt["instance_column"]] = inst
        part = _finish(part, rel, {v: k for k, v in columns.items()} | raws)
        if melt.get("instance_column"):
            part[f"_col.{melt['instance_column']}"] = f"{inst} (column group)"
        parts.append(part)
    if not parts:
        return _finish(base.iloc[:0], rel, {v: k for k, v in columns.items()})
    return pd.concat(parts, ignore_index=True)


def _pivot_long(
    df: pd.DataFrame, source: dict, rel: str, ex: Extract, site: str
) -> tuple[dict, pd.Series]:
    """Reshape an entity-attribute-value frame into one wide frame per entity."""
    names = source["long"]
    missing = [c for c in names.values() if c not in df.columns]
    for raw in missing:
        ex.failures.append(
            _fail(
                site,
                rel,
                1,
                raw,
                None,
                None,
                "required_column",
                f"required column {raw!r} is missing",
            )
        )
    if missing:
        return {}, pd.Series(dtype=np.int64)
    long = df[list(names.values())].set_axis(list(names), axis=1)
    long["_line"] = df.index.to_numpy()
    entities: dict = source["entities"]
    unknown = long.loc[~long["entity"].isin(list(entities)), ["entity", "_line"]]
    for entity, lines in unknown.groupby("entity", sort=True)["_line"]:
        ex.warnings.append(
            {
                "site": site,
                "file": rel,
                "row": int(lines.min()),
                "column": names["entity"],
                "table": None,
                "check": "extra_entity",
                "detail": f"unknown entity {entity!r} on {len(lines)} lines ignored",
            }
        )
    long["instance"] = long["instance"].fillna("")
    rec = long.groupby(["id", "entity", "instance"], sort=False, dropna=False)["_line"]
    long["_rec"] = rec.transform("min")
    out = {}
    for entity, espec in entities.items():
        sub = long[long["entity"] == entity]
        attrs = espec["columns"]
        extra = sub.loc[~sub["attribute"].isin(list(attrs)), ["attribute", "_line"]]
        for attr, lines in extra.groupby("attribute", sort=True)["_line"]:
            ex.warnings.append(
                {
                    "site": site,
                    "file": rel,
                    "row": int(lines.min()),
                    "column": attr,
                    "table": espec["table"],
                    "check": "extra_column",
                    "detail": f"unknown attribute {attr!r} on {len(lines)} lines",
                }
            )
        sub = sub[sub["attribute"].isin(list(attrs))]
        dup = sub.duplicated(["id", "instance", "attribute"], keep="first")
        for line, attr in sub.loc[dup, ["_line", "attribute"]].itertuples(index=False):
            ex.failures.append(
                _fail(
                    site,
                    rel,
                    int(line),
                    attr,
                    attrs[attr],
                    espec["table"],
                    "unique_attribute",
                    "attribute given twice for one record",
                    rec=int(sub.loc[sub["_line"] == line, "_rec"].iloc[0]),
                )
            )
        sub = sub[~dup]
        keys = ["_rec", "id", "instance"]
        recs = sub[keys].drop_duplicates("_rec").set_index("_rec")
        wide = sub.pivot(index="_rec", columns="attribute", values="value")
        lines = sub.pivot(index="_rec", columns="attribute", values="_line")
        frame = pd.DataFrame(index=recs.index)
        frame["patient_id"] = recs["id"]
        if espec.get("instance_column"):
            frame[espec["instance_column"]] = recs["instance"]
            frame[f"_row.{espec['instance_column']}"] = recs.index
        for attr, cdm in attrs.items():
            frame[cdm] = wide.get(attr)
            if attr in lines:
                frame[f"_row.{cdm}"] = lines[attr].fillna(pd.Series(recs.index, index=recs.index))
            else:
                frame[f"_row.{cdm}"] = recs.index
        frame["_row"] = recs.index
        frame["_rec"] = recs.index
        colnames = {cdm: attr for attr, cdm in attrs.items()} | {"patient_id": names["id"]}
        if espec.get("instance_column"):
            colnames[espec["instance_column"]] = names["instance"]
        out.setdefault(espec["table"], []).append(
            _finish(frame.reset_index(drop=True), rel, colnames)
        )
    return out, long.set_index("_line")["_rec"]


def _fail(site, file, row, column, cdm_column, table, check, detail, value=None, rec=None):
    return {
        "site": site,
        "file": file,
        "row": row,
        "column": column,
        "cdm_column": cdm_column,
        "table": table,
        "check": check,
        "value": value,
        "detail": detail,
        "rec": row if rec is None else rec,
    }


def _read_file(path: Path, rel: str, source: dict, spec: dict, ex: Extract, site: str) -> None:
    fmt = source["format"]
    if fmt == "xlsx":
        header, grid, nfields = _xlsx_grid(path, source["sheet"])
        rel = f"{rel}[{source['sheet']}]"
    else:
        text = _decode(path.read_bytes(), source.get("encoding", spec.get("encoding", "utf-8")))
        header, grid, nfields = _csv_grid(text, source.get("delimiter", ","))
        if not text.endswith(("\n", "\r")):
            ex.warnings.append(
                {
                    "site": site,
                    "file": rel,
                    "row": int(grid.index.max() if len(grid) else 1),
                    "column": None,
                    "table": source.get("table"),
                    "check": "no_final_newline",
                    "detail": "file does not end with a line break (truncated?)",
                }
            )
    ex.files[rel] = {"format": fmt}
    width = len(header)
    grid = grid.apply(lambda s: s.astype("string[pyarrow]").str.strip())
    blank = (grid.isna() | grid.eq("")).all(axis=1)
    bad = (nfields != width) & ~blank
    table = source.get("table")
    for row, n in nfields[bad].items():
        ex.failures.append(
            _fail(
                site,
                rel,
                int(row),
                None,
                None,
                table,
                "field_count",
                f"row has {n} fields, the header has {width} (truncated?)",
                value=str(n),
            )
        )
    rows = grid.index[~blank]
    ex.rowmaps[rel] = pd.Series(rows, index=rows)
    frame = _frame(grid[~blank & ~bad], header)
    if fmt == "long":
        tables, rowmap = _pivot_long(frame, source, rel, ex, site)
        ex.rowmaps[rel].update(rowmap)
        ex.files[rel]["tables"] = sorted(tables)
        for tname, frames in tables.items():
            ex.tables.setdefault(tname, []).extend(frames)
        return
    mapped = _map_columns(frame, source, rel, ex, site)
    ex.files[rel]["tables"] = [table]
    if mapped is not None:
        ex.tables.setdefault(table, []).append(mapped)


def read_site(spec: dict, raw_dir: str | Path, site: str) -> Extract:
    """Read every source of a site's export; file-level problems become failures."""
    raw_dir = Path(raw_dir)
    ex = Extract()
    for source in spec["sources"]:
        paths = sorted(p for p in raw_dir.glob(source["path"]) if p.is_file())
        if not paths:
            ex.failures.append(
                _fail(
                    site,
                    source["path"],
                    None,
                    None,
                    None,
                    source.get("table"),
                    "file_present",
                    f"no file matches {source['path']!r}",
                )
            )
        for path in paths:
            rel = path.relative_to(raw_dir).as_posix()
            try:
                _read_file(path, rel, source, spec, ex, site)
            except _FileProblem as exc:
                name = f"{rel}[{source['sheet']}]" if source["format"] == "xlsx" else rel
                ex.files.setdefault(name, {"format": source["format"]})
                ex.failures.append(
                    _fail(
                        site,
                        name,
                        exc.row,
                        None,
                        None,
                        source.get("table"),
                        exc.check,
                        exc.detail,
                        value=exc.value,
                    )
                )
    return ex
