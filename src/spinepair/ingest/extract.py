"""Read a site's whole export as its spec declares: one frame of raw strings per CDM table.

:func:`read_site` finds each source's files by glob, reads them (:mod:`.readers`), maps
and reshapes their columns (:mod:`.reshape`) and collects file-level problems as
failures. Parsing, code maps, units and value checks come later (:mod:`.checks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from spinepair.ingest import layout
from spinepair.ingest.failure import ERROR, Failure
from spinepair.ingest.readers import (
    FOLD,
    FileProblem,
    check_header,
    csv_grid,
    decode,
    fold,
    labelled,
    xlsx_grid,
)
from spinepair.ingest.reshape import map_columns, pivot_long, targets
from spinepair.ingest.statfiles import READERS, apply_labels, read_stat_file


@dataclass
class Extract:
    """What was read from one site's export, before parsing and checks."""

    tables: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    rowmaps: dict[str, pd.Series] = field(default_factory=dict)  # file -> raw row -> _rec
    files: dict[str, dict] = field(default_factory=dict)  # file -> {format, tables}
    headers: dict[str, list[str]] = field(default_factory=dict)  # file -> raw column names
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> raw -> target
    failures: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)

    def add(self, failure: Failure) -> None:
        (self.failures if failure.severity == ERROR else self.warnings).append(failure)


def source_name(rel: str, source: dict) -> str:
    """How failures name a source's file: ``book.xlsx[Sheet]`` for a sheet."""
    return f"{rel}[{source['sheet']}]" if source["format"] == "xlsx" else rel


def _read_file(
    path: Path, rel: str, source: dict, spec: dict, ex: Extract, site: str, collapse: bool
) -> None:
    fmt = source["format"]
    table = source.get("table")
    merges = ()
    if fmt == "xlsx":
        header, grid, nfields, merges = xlsx_grid(path, source["sheet"])
        rel = source_name(rel, source)
    elif fmt in READERS:
        stat = read_stat_file(path, fmt, source.get("encoding", spec.get("encoding")))
        header, grid, nfields = stat.header, stat.grid, stat.nfields
        if source.get("value_labels"):
            grid = apply_labels(grid, header, stat.labels)
        ex.files[rel] = {"format": fmt, "value_labels": stat.labels}
    else:
        text = decode(path.read_bytes(), source.get("encoding", spec.get("encoding", "utf-8")))
        header, grid, nfields = csv_grid(text, source.get("delimiter", ","))
        if not text.endswith(("\n", "\r")):
            row = int(grid.index.max() if len(grid) else 1)
            detail = "file does not end with a line break (truncated?)"
            ex.add(
                Failure(
                    site,
                    rel,
                    row,
                    None,
                    None,
                    table,
                    "no_final_newline",
                    detail,
                    severity="warning",
                )
            )
    header, grid, nfields = layout.locate(header, grid, nfields, source, merges)
    header = [h.translate(FOLD).strip() for h in header]
    ex.headers[rel] = header
    ex.columns[rel] = targets(source, header)
    check_header(header, source.get("delimiter", ",") if fmt in ("csv", "long") else None)
    ex.files[rel] = {"format": fmt, "header_row": source.get("header_row", 1)} | ex.files.get(
        rel, {}
    )
    width = len(header)
    grid = grid.apply(lambda s: fold(s.astype("string[pyarrow]")).str.strip())
    blank = (grid.isna() | grid.eq("")).all(axis=1)
    bad = (nfields != width) & ~blank
    for row, n in nfields[bad].items():
        detail = f"row has {n} fields, the header has {width} (truncated?)"
        ex.add(Failure(site, rel, int(row), None, None, table, "field_count", detail, value=str(n)))
    frame = layout.mask_missing(labelled(grid[~blank & ~bad], header), spec.get("missing_values"))
    kept = layout.keep_rows(frame, source.get("keep_rows", []))
    ex.files[rel]["rows_filtered"] = int((~kept).sum())
    frame = frame[kept]
    rows = grid.index[~blank & ~grid.index.isin(kept[~kept].index)]
    ex.rowmaps[rel] = pd.Series(rows, index=rows)
    if fmt == "long":
        tables, rowmap = pivot_long(frame, source, rel, ex, site, collapse)
        ex.rowmaps[rel].update(rowmap)
        ex.files[rel]["tables"] = sorted(tables)
        for tname, frames in tables.items():
            ex.tables.setdefault(tname, []).extend(
                f.assign(_src=spec["sources"].index(source)) for f in frames
            )
        return
    mapped = map_columns(frame, source, rel, ex, site)
    ex.files[rel]["tables"] = [table]
    if mapped is not None:
        mapped["_src"] = spec["sources"].index(source)
        ex.tables.setdefault("join:" + table if "join" in source else table, []).append(mapped)


def read_site(spec: dict, raw_dir: str | Path, site: str, collapse: bool = False) -> Extract:
    """Read every source of a site's export; file-level problems become failures.

    ``collapse``: an EAV line repeating an earlier one exactly is dropped with a warning
    (quarantine mode) instead of failing its record.
    """
    raw_dir = Path(raw_dir)
    ex = Extract()
    for source in spec["sources"]:
        paths = sorted(p for p in raw_dir.glob(source["path"]) if p.is_file())
        if not paths:
            detail = f"no file matches {source['path']!r}"
            ex.add(
                Failure(
                    site,
                    source["path"],
                    None,
                    None,
                    None,
                    source.get("table"),
                    "file_present",
                    detail,
                )
            )
        for path in paths:
            rel = path.relative_to(raw_dir).as_posix()
            try:
                _read_file(path, rel, source, spec, ex, site, collapse)
            except FileProblem as exc:
                name = source_name(rel, source)
                ex.files.setdefault(name, {"format": source["format"]})
                ex.add(
                    Failure(
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
