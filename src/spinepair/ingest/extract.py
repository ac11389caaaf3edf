"""Read a site's whole export as its spec declares: one frame of raw strings per CDM table.

:func:`read_site` finds each source's files by glob, reads them (:mod:`.readers`), maps
and reshapes their columns (:mod:`.reshape`) and collects file-level problems as
failures. Parsing, code maps, units and value checks come later (:mod:`.checks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from spinepair.ingest import layout, textstream
from spinepair.ingest.failure import ERROR, WARNING, Failure
from spinepair.ingest.limits import TextScan, check_text
from spinepair.ingest.limits import settings as limit_settings
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
from spinepair.ingest.reshape import header_names, map_columns, pivot_long, targets
from spinepair.ingest.sources import Watch, matched, unreadable
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
    malformed: dict[str, int] = field(default_factory=dict)  # file -> rows of a wrong width
    # tallies of unknown EAV entities and attributes (failures once the whole file is known)
    eav_unknown: list[pd.DataFrame] = field(default_factory=list)
    # file -> raw header cell -> as shown (identifier-free: :func:`.reshape.header_names`)
    shown_headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, failure: Failure) -> None:
        (self.failures if failure.severity == ERROR else self.warnings).append(failure)

    def shown_header(self, rel: str, name: str) -> str:
        """A raw header cell of file ``rel`` as it may be shown (see
        :func:`.reshape.header_names`)."""
        shown = self.shown_headers.get(rel, {})
        return shown.get(name, name)

    def forget(self, rel: str) -> None:
        """Drop what was recorded of a file that then failed as a whole."""
        for record in (self.headers, self.columns, self.files, self.shown_headers):
            record.pop(rel, None)

    def rows_read(self, rel: str) -> int:
        """Rows of a file read (blank rows and rows left out by ``keep_rows`` are not)."""
        return len(self.rowmaps.get(rel, ())) + self.malformed.get(rel, 0)


def source_name(rel: str, source: dict) -> str:
    """How failures name a source's file: ``book.xlsx[Sheet]`` for a sheet."""
    return f"{rel}[{source['sheet']}]" if source["format"] == "xlsx" else rel


def _encoding(source: dict, spec: dict) -> str:
    """A text source's encoding: its own, else the site's, else UTF-8."""
    return source.get("encoding", spec.get("encoding", "utf-8"))


def streamable(source: dict, spec: dict) -> bool:
    """Whether a source's files can be read in blocks (delimited text, plain layout)."""
    plain = source.get("header_row", 1) == 1 and source.get("header_rows", 1) == 1
    return (
        source["format"] in ("csv", "long")
        and plain
        and "footer" not in source
        and textstream.streams(_encoding(source, spec))
    )


def _grids(
    watch: Watch, rel: str, source: dict, spec: dict, ex: Extract, site, block_bytes, limits
):
    """The file's name in failures, its header and its (grid, field counts) chunks; the
    file is read through ``watch`` and checked against the size ``limits`` first."""
    fmt = source["format"]
    table = source.get("table")
    path = watch.path
    if fmt == "xlsx":
        watch.hash_before()
        header, grid, nfields, merges = xlsx_grid(path, source["sheet"], limits)
        header, grid, nfields = layout.locate(header, grid, nfields, source, merges)
        return source_name(rel, source), header, iter([(grid, nfields)])
    if fmt in READERS:
        watch.hash_before()
        stat = read_stat_file(path, fmt, source.get("encoding", spec.get("encoding")))
        header, grid, nfields = stat.header, stat.grid, stat.nfields
        if source.get("value_labels"):
            grid = apply_labels(grid, header, stat.labels)
        ex.files[rel] = {"format": fmt, "value_labels": stat.labels}
        header, grid, nfields = layout.locate(header, grid, nfields, source)
        return rel, header, iter([(grid, nfields)])
    encoding = _encoding(source, spec)
    delimiter = source.get("delimiter", ",")
    if block_bytes and streamable(source, spec):
        ends: list = []
        scan = TextScan(limits, delimiter)
        header, chunks = textstream.csv_chunks(
            path, encoding, delimiter, block_bytes, ends, watch=watch, scan=scan
        )

        def with_end():
            yield from chunks
            for _, row in ends:
                _no_final_newline(ex, site, rel, table, row)

        return rel, header, with_end()
    data = watch.read_bytes()
    check_text(data, limits, delimiter)
    text = decode(data, encoding)
    del data
    header, grid, nfields = csv_grid(text, delimiter)
    if not text.endswith(("\n", "\r")):
        _no_final_newline(ex, site, rel, table, int(grid.index.max() if len(grid) else 1))
    header, grid, nfields = layout.locate(header, grid, nfields, source)
    return rel, header, iter([(grid, nfields)])


def _no_final_newline(ex: Extract, site, rel, table, row: int) -> None:
    detail = "file does not end with a line break (truncated?)"
    ex.add(Failure(site, rel, row, None, None, table, "no_final_newline", detail, severity=WARNING))


def _clean(grid, nfields, header, rel, source, spec, ex: Extract, site) -> pd.DataFrame:
    """A chunk's rows as a labelled frame of stripped text: blank rows dropped, rows of a
    wrong width failed, missing-value markers emptied, ``keep_rows`` applied (counted)."""
    table = source.get("table")
    width = len(header)
    grid = grid.apply(lambda s: fold(s.astype("string[pyarrow]")).str.strip())
    blank = (grid.isna() | grid.eq("")).all(axis=1)
    bad = (nfields != width) & ~blank
    for row, n in nfields[bad].items():
        detail = f"row has {n} fields, the header has {width} (truncated?)"
        ex.add(Failure(site, rel, int(row), None, None, table, "field_count", detail, value=str(n)))
    ex.malformed[rel] = ex.malformed.get(rel, 0) + int(bad.sum())
    frame = layout.mask_missing(labelled(grid[~blank & ~bad], header), spec.get("missing_values"))
    kept = layout.keep_rows(frame, source.get("keep_rows", []))
    ex.files[rel]["rows_filtered"] = ex.files[rel].get("rows_filtered", 0) + int((~kept).sum())
    return frame[kept]


def shape(frame: pd.DataFrame, rel: str, source: dict, spec: dict, ex: Extract, site, collapse):
    """A file's rows (all, or one part's) mapped or reshaped into CDM-named frames."""
    ex.rowmaps[rel] = pd.Series(frame.index, index=frame.index)
    if source["format"] == "long":
        tables, rowmap = pivot_long(frame, source, rel, ex, site, collapse)
        ex.rowmaps[rel].update(rowmap)
        ex.files[rel]["tables"] = sorted(tables)
        for tname, frames in tables.items():
            ex.tables.setdefault(tname, []).extend(
                f.assign(_src=spec["sources"].index(source)) for f in frames
            )
        return
    table = source["table"]
    mapped = map_columns(frame, source, rel, ex, site)
    ex.files[rel]["tables"] = [table]
    if mapped is not None:
        mapped["_src"] = spec["sources"].index(source)
        ex.tables.setdefault("join:" + table if "join" in source else table, []).append(mapped)


def _read_file(watch, rel, source, spec, ex: Extract, site, add, block_bytes, limits) -> None:
    rel, header, chunks = _grids(watch, rel, source, spec, ex, site, block_bytes, limits)
    header = [h.translate(FOLD).strip() for h in header]
    names = header_names(source, header)
    ex.shown_headers[rel] = dict(zip(header, names, strict=True))
    ex.headers[rel] = names  # what reports show: never a header cell that may be data
    ex.columns[rel] = {
        ex.shown_header(rel, raw): target for raw, target in targets(source, header).items()
    }
    check_header(
        header, source.get("delimiter", ",") if source["format"] in ("csv", "long") else None
    )
    ex.files[rel] = {"format": source["format"], "header_row": source.get("header_row", 1)} | (
        ex.files.get(rel, {})
    )
    chunks = iter(chunks)
    while True:
        try:
            grid, nfields = next(chunks)
        except StopIteration:
            break
        except FileProblem:  # a later block of a text file unreadable: as if never read
            ex.forget(rel)
            raise
        add(rel, source, _clean(grid, nfields, header, rel, source, spec, ex, site))
    try:
        ex.files[rel].update(watch.verify())  # bytes, sha256, mtime; or file_changed
    except FileProblem:
        ex.forget(rel)
        raise


def read_export(
    spec: dict, raw_dir, site: str, ex: Extract, add, discard, block_bytes=None, limits=None
):
    """Read every source's files; ``add(rel, source, frame)`` takes each chunk of cleaned
    rows, ``discard(rel)`` drops what was added of a file that then failed as a whole.
    File-level problems become failures in ``ex``. ``block_bytes``: read delimited text
    files in blocks of about this size (:mod:`.textstream`), else whole. Only files inside
    the raw folder are read (:func:`.sources.matched`), each checked against the size
    ``limits`` (:mod:`.limits`, the study config's ``ingest.limits``) before it is parsed
    and verified unchanged after (:class:`.sources.Watch`)."""
    raw_dir = Path(raw_dir)
    limits = limit_settings(limits)
    for source in spec["sources"]:
        paths, refused = matched(raw_dir, source["path"])
        for r in refused:
            name = source_name(r.rel, source)
            ex.files.setdefault(name, {"format": source["format"]})
            problem = Failure(site, name, None, None, None, source.get("table"), r.check, r.detail)
            ex.add(problem)
        if not paths and not refused:
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
            watch = None
            try:
                watch = Watch(path)
                try:
                    _read_file(watch, rel, source, spec, ex, site, add, block_bytes, limits)
                except OSError as exc:
                    raise unreadable(exc) from None
            except FileProblem as exc:
                if exc.check != "file_changed" and watch is not None:
                    # a file changed while read explains the problem found
                    exc = watch.problem(complete=False) or exc
                name = source_name(rel, source)
                discard(name)
                column, detail = exc.column, exc.detail
                if column is not None:  # a header cell: shown only as a header may be
                    shown = ex.shown_header(name, column)
                    detail = detail.replace(repr(column), repr(shown))
                    if shown != column:  # the header is not the spec's: data?
                        detail += "; the header lacks columns the spec names: is it missing?"
                    column = shown
                ex.files.setdefault(name, {"format": source["format"]})
                ex.add(
                    Failure(
                        site,
                        name,
                        exc.row,
                        column,
                        None,
                        source.get("table"),
                        exc.check,
                        detail,
                        value=exc.value,
                    )
                )


def read_site(
    spec: dict, raw_dir: str | Path, site: str, collapse: bool = False, limits=None
) -> Extract:
    """Read every source of a site's export whole; file-level problems become failures.

    ``collapse``: an EAV line repeating an earlier one exactly is dropped with a warning
    (quarantine mode) instead of failing its record. Unknown EAV entities and attributes
    are left as tallies (``ex.eav_unknown``, see :func:`.reshape.unknown_failures`).
    """
    ex = Extract()
    frames: dict[str, tuple[dict, list[pd.DataFrame]]] = {}
    read_export(
        spec,
        raw_dir,
        site,
        ex,
        lambda rel, source, frame: frames.setdefault(rel, (source, []))[1].append(frame),
        lambda rel: frames.pop(rel, None),
        limits=limits,
    )
    for rel, (source, parts) in frames.items():
        shape(
            pd.concat(parts) if len(parts) > 1 else parts[0], rel, source, spec, ex, site, collapse
        )
    return ex
