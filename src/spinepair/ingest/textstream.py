"""Reading a delimited text export in blocks of whole records, in bounded memory.

A block ends at a line break outside any quoted field (an even number of quote bytes
before it), so a record never spans two blocks. Each block is decoded and checked as the
whole file would be (:func:`~spinepair.ingest.readers.decode`: BOM, encoding with the
file's byte offset and line) and parsed as a file of the header line and that block
(:func:`~spinepair.ingest.readers.csv_grid`), its rows renumbered to their lines in the
file. Encodings whose line break is not the single byte 0x0A (UTF-16, UTF-32) and files
with a lone CR as line break are read whole.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from spinepair.ingest.readers import FileProblem, csv_grid, decode
from spinepair.ingest.sources import unreadable

ASCII_LINES = ("utf-8", "utf-8-sig", "cp949", "euc_kr", "ascii", "latin-1", "cp1252")


def streams(encoding: str) -> bool:
    """Whether a file in ``encoding`` can be cut into blocks at 0x0A bytes."""
    name = codecs.lookup(encoding).name
    return name in {codecs.lookup(e).name for e in ASCII_LINES}


def _cut(data: bytes) -> int:
    """End of the last whole record in ``data`` (a block starting outside quotes): just
    after the last LF with an even number of quote bytes before it; 0 when there is none."""
    if b'"' not in data:
        return data.rfind(b"\n") + 1
    quotes = data.count(b'"')
    nl = len(data)
    while (nl := data.rfind(b"\n", 0, nl)) != -1:
        if (quotes - data.count(b'"', nl)) % 2 == 0:
            return nl + 1
    return 0


def _blocks(path: Path, block_bytes: int, watch=None, scan=None) -> Iterator[bytes]:
    """Byte blocks of the file, each ending with a whole record (see module docstring).

    ``watch`` (:class:`~spinepair.ingest.sources.Watch`) is given every byte read (its
    hash); ``scan`` (:class:`~spinepair.ingest.limits.TextScan`) measures each line before
    any block holding it is parsed: a line over a limit is the scan's problem, raised
    once the line ends, and a line over the line limit is not kept meanwhile."""
    try:
        f = open(path, "rb")  # noqa: SIM115 (closed below; an open error is one failure)
    except OSError as exc:
        raise unreadable(exc) from None
    with f:
        carry = b""
        while True:
            try:
                chunk = f.read(block_bytes)
            except OSError as exc:
                raise unreadable(exc) from None
            if not chunk:
                break
            if watch is not None:
                watch.update(chunk)
            if scan is not None:
                scan.feed(chunk)
                if scan.problem is not None:
                    raise scan.problem
                if scan.overlong:
                    carry = b""  # the line fails when it ends: no need to hold it
                    continue
            data = carry + chunk
            cut = _cut(data)
            if cut:
                yield data[:cut]
            carry = data[cut:]
        if scan is not None:
            scan.finish()
            if scan.problem is not None:
                raise scan.problem
        if carry:
            yield carry


def csv_chunks(
    path: Path,
    encoding: str,
    delimiter: str,
    block_bytes: int,
    problems: list,
    watch=None,
    scan=None,
) -> tuple[list[str], Iterator[tuple[pd.DataFrame, pd.Series]]]:
    """Header and an iterator of (grid, field counts) per block, rows numbered by line.

    The iterator appends ``("no_final_newline", last row)`` to ``problems`` when the file
    does not end with a line break. ``watch``, ``scan``: see :func:`_blocks`.
    """
    blocks = _blocks(path, block_bytes, watch, scan)
    first = next(blocks, b"")
    text = decode(first, encoding)
    header, grid, nfields = csv_grid(text, delimiter)
    head = _header_text(text)

    def chunks():
        nonlocal grid, nfields
        offset, raw_lines, lines = len(first), first.count(b"\n"), text.count("\n")
        last_text = text
        yield grid, nfields
        for data in blocks:
            block = decode(data, encoding, offset=offset, line=raw_lines)
            shift = lines - head.count("\n")
            try:
                _, grid, nfields = csv_grid(head + block, delimiter)
            except FileProblem as exc:
                raise FileProblem(exc.check, exc.row + shift, exc.detail, exc.value) from None
            grid.index = grid.index + shift
            nfields.index = grid.index
            offset, raw_lines = offset + len(data), raw_lines + data.count(b"\n")
            lines, last_text = lines + block.count("\n"), block
            yield grid, nfields
        if not last_text.endswith("\n"):
            problems.append(("no_final_newline", int(grid.index.max() if len(grid) else 1)))

    return header, chunks()


def _header_text(text: str) -> str:
    """The header record of a decoded block, with its line break."""
    if '"' not in text.split("\n", 1)[0]:
        return text.split("\n", 1)[0] + "\n"
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)
    lines = text.split("\n")
    return "\n".join(lines[: reader.line_num]) + "\n"
