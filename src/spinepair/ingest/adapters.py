"""The generic site adapter: read a hospital's raw export as declared by its YAML spec.

A spec (``config/sites/<site>.yaml``, schema ``schemas/site.schema.yaml``) lists sources:
files found by glob, their format (csv, xlsx sheet, long entity-attribute-value),
encoding, delimiter and how raw columns map onto common-data-model columns, including
wide-to-long (``melt``) and long-to-wide (``entities``) reshapes. :func:`read_site` turns
the export into one frame of raw strings per CDM table with provenance columns:
``_file`` (path relative to the raw dir), ``_row`` (1-based line/sheet row, header = 1),
``_rec`` (the raw row a record is accounted under), ``_col.<c>`` (raw column name of CDM
column ``c``) and, for long exports, ``_row.<c>`` (the line holding that value).
Parsing, code maps, units and checks are done by :mod:`spinepair.ingest.pipeline`.

Normalised, not rejected: a UTF-8 BOM (in a UTF-8 file), CRLF/LF/CR line breaks, spaces
around cells and headers, full-width ASCII forms (``ＭＲＩ``, ``７``). Rejected, file
level: a BOM in a non-UTF-8 file, another delimiter than declared, duplicated header
names. XLSX error cells and uncomputed formulas are read as their text (``#N/A``,
``=...``) so that ingest rejects the cell.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree
from xml.sax.saxutils import unescape

import jsonschema
import numpy as np
import pandas as pd
import python_calamine
import yaml

from spinepair.contracts.cdm import SCHEMA_DIR
from spinepair.errors import ConfigError

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

    def __init__(self, check, row, detail, value=None, column=None):
        super().__init__(detail)
        self.check, self.row, self.detail, self.value = check, row, detail, value
        self.column = column


# Normalised in every cell and header: full-width ASCII forms (U+FF01-FF5E, typed by East
# Asian input methods) fold to ASCII and the ideographic space to a space; nothing else
# (no NFKC: it would turn "10²" into "102").
_WIDE = "[\uff01-\uff5e\u3000]"
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DELIMITERS = (",", ";", "\t", "|")
_XL = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_XL_CELL = re.compile(r'<c r="([A-Z]+)([0-9]+)"([^>]*?)(?:/>|>(.*?)</c>)', re.DOTALL)


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = yaml.safe_load(SITE_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _semantic_errors(spec: dict) -> list[tuple[tuple, str]]:
    """Problems the JSON schema cannot see: unknown codecs, bad regexes."""
    out = []
    for path, enc in [(("encoding",), spec.get("encoding"))] + [
        (("sources", i, "encoding"), s.get("encoding")) for i, s in enumerate(spec["sources"])
    ]:
        try:
            if enc is not None:
                codecs.lookup(enc)
        except LookupError:
            out.append((path, f"unknown text encoding {enc!r}"))
    for i, src in enumerate(spec["sources"]):
        if "melt" not in src:
            continue
        try:
            groups = set(re.compile(src["melt"]["pattern"]).groupindex)
        except re.error as exc:
            out.append((("sources", i, "melt", "pattern"), f"not a valid regex: {exc}"))
            continue
        if not {"instance", "field"} <= groups:
            msg = "the regex needs named groups (?P<instance>...) and (?P<field>...)"
            out.append((("sources", i, "melt", "pattern"), msg))
    return out


def validate_spec(spec: dict, origin: str = "site spec", lines: dict | None = None) -> dict:
    """Check a spec against the site JSON schema; ConfigError lists every violation by path.

    ``lines`` (YAML path -> line number) adds the line of each problem to the message.
    """
    errors = []  # (path, message, path of the line to show)
    for e in _validator().iter_errors(spec):
        path = where = tuple(e.absolute_path)
        if e.validator == "additionalProperties" and isinstance(e.instance, dict):
            extra = sorted(set(e.instance) - set(e.schema.get("properties", {})))
            where = path + (extra[0],) if extra else path
        errors.append((path, e.message, where))
    if not errors:
        errors = [(p, m, p) for p, m in _semantic_errors(spec)]
    if errors:
        site = spec.get("site") if isinstance(spec.get("site"), str) else None
        head = f"invalid {origin}" + (f" (site {site})" if site else "") + ":"
        lines = lines or {}
        out = [
            f"  {'line ' + str(lines[w]) + ', ' if w in lines else ''}"
            f"at {'/'.join(str(x) for x in p) or '(top level)'}: {msg}"
            for p, msg, w in sorted(errors, key=lambda e: [str(x) for x in e[0]])
        ]
        raise ConfigError(head + "\n" + "\n".join(out))
    return spec


def _yaml_lines(node, path=()) -> dict[tuple, int]:
    """YAML path (keys and list indices) -> 1-based line where that value's key starts."""
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            out.update(_yaml_lines(v, (*path, k.value)))
            out[(*path, k.value)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out.update(_yaml_lines(v, (*path, i)))
    return out


def load_spec(path: str | Path) -> dict:
    """Read and validate a site spec YAML file."""
    path = Path(path)
    try:
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()  # one parse: the node has the line numbers
            spec = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read site spec {path}: {exc}") from None
    if spec is not None and not isinstance(spec, dict):
        raise ConfigError(f"invalid site spec {path}: line 1: a mapping of keys is expected")
    lines = _yaml_lines(node) if node is not None else {}
    return validate_spec(spec or {}, origin=f"site spec {path}", lines=lines)


def _decode(data: bytes, encoding: str) -> str:
    """Decoded text without a BOM, with every line break (CRLF, CR, LF) as LF."""
    utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    if data.startswith(codecs.BOM_UTF8) and not utf8:
        detail = f"the file starts with a UTF-8 byte-order mark but the spec declares {encoding}"
        raise _FileProblem("encoding", 1, detail + " (re-saved as UTF-8?)")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _FileProblem(
            "encoding",
            line,
            f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid {encoding}",
        ) from None
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


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
    for (row, col), text in _xlsx_marks(path, sheet).items():
        keep = row not in grid.index or col >= len(header)
        if not keep and (text.startswith("#") or grid.at[row, col] in (None, "")):
            grid.at[row, col] = text
    return header, grid, pd.Series(len(header), index=grid.index)


def _xlsx_marks(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column index) -> error code (``#N/A``) or ``=formula`` of such cells of a sheet.

    Calamine reads error cells as empty and formulas as their stored result (empty when
    never computed); these marks let the cell checks reject them instead.
    """
    with zipfile.ZipFile(path) as zf:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        rid = next(
            s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
            for s in book.iter(f"{_XL}sheet")
            if s.get("name") == sheet
        )
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        xml = zf.read(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    text = xml.decode("utf-8")
    if 't="e"' not in text and "<f" not in text:
        return {}
    marks = {}
    for letters, row, attrs, body in _XL_CELL.findall(text):
        body = body or ""
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        if 't="e"' in attrs:
            value = re.search(r"<v>(.*?)</v>", body)
            marks[(int(row), col - 1)] = value[1] if value else "#ERROR"
        elif "<f" in body:
            formula = re.search(r"<f[^>]*>(.*?)</f>", body, re.DOTALL)
            marks[(int(row), col - 1)] = "=" + (formula[1] if formula else "(shared formula)")
    return {k: unescape(v) for k, v in marks.items()}


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
            _warning(site, rel, 1, raw, table, "extra_column", f"unknown column {raw!r} ignored")
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
    for raw in [c for c in df.columns if c not in names.values()]:
        ex.warnings.append(
            _warning(site, rel, 1, raw, None, "extra_column", f"unknown column {raw!r} ignored")
        )
    long = df[list(names.values())].set_axis(list(names), axis=1)
    long["_line"] = df.index.to_numpy()
    entities: dict = source["entities"]
    unknown = long.loc[~long["entity"].isin(list(entities)), ["entity", "_line"]]
    for entity, lines in unknown.groupby("entity", sort=True)["_line"]:
        ex.warnings.append(
            _warning(
                site,
                rel,
                int(lines.min()),
                names["entity"],
                None,
                "extra_entity",
                f"unknown entity {entity!r} on {len(lines)} lines ignored",
            )
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
                _warning(
                    site,
                    rel,
                    int(lines.min()),
                    attr,
                    espec["table"],
                    "extra_column",
                    f"unknown attribute {attr!r} on {len(lines)} lines",
                )
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


def _warning(site, file, row, column, table, check, detail) -> dict:
    return {
        "site": site,
        "file": file,
        "row": row,
        "column": column,
        "table": table,
        "check": check,
        "detail": detail,
    }


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


def _fold(s: pd.Series) -> pd.Series:
    """Fold full-width ASCII forms to ASCII (see ``_WIDE``), only where present."""
    hit = s.str.contains(_WIDE, regex=True, na=False)
    if not hit.any():
        return s
    return s.where(~hit, s[hit].map(lambda v: v.translate(_FOLD))).astype("string[pyarrow]")


def _check_header(header: list[str], delimiter: str | None) -> None:
    """File-level header problems: another delimiter than declared, duplicated names."""
    if delimiter is not None and len(header) == 1:
        found = [d for d in _DELIMITERS if d != delimiter and d in header[0]]
        if found:
            raise _FileProblem(
                "delimiter",
                1,
                f"the header has no {delimiter!r} but contains {found[0]!r}: the file seems "
                f"delimited by {found[0]!r}, the spec declares {delimiter!r}",
            )
    seen: dict[str, int] = {}
    for name in header:
        seen[name] = seen.get(name, 0) + 1
    dups = [n for n, k in seen.items() if k > 1 and n]
    if dups:
        detail = f"column {dups[0]!r} appears {seen[dups[0]]} times in the header"
        raise _FileProblem("unique_column", 1, detail, column=dups[0])


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
                _warning(
                    site,
                    rel,
                    int(grid.index.max() if len(grid) else 1),
                    None,
                    source.get("table"),
                    "no_final_newline",
                    "file does not end with a line break (truncated?)",
                )
            )
    header = [h.translate(_FOLD).strip() for h in header]
    _check_header(header, None if fmt == "xlsx" else source.get("delimiter", ","))
    ex.files[rel] = {"format": fmt}
    width = len(header)
    grid = grid.apply(lambda s: _fold(s.astype("string[pyarrow]")).str.strip())
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
                        exc.column,
                        None,
                        source.get("table"),
                        exc.check,
                        exc.detail,
                        value=exc.value,
                    )
                )
    return ex
