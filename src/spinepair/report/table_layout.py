"""What every table writer shares: column alignment, where a row's footnote markers go, the
notes in print order and the flattened header of formats without merged cells."""

from __future__ import annotations

import pandas as pd

LEFT = ("Variable", "Level", "Test")


def left_aligned(col: str) -> bool:
    """Text columns are left-aligned, number columns right-aligned."""
    return col in LEFT


def label_cells(table, rows: pd.DataFrame):
    """(row values, (column, marks)) per row: the marks follow the Variable cell, else (an
    empty Variable) the Level cell."""
    level = len(rows.columns) > 1 and rows.columns[1] == "Level"
    for values, marks in zip(rows.itertuples(index=False), table.row_marks()):
        values = [str(v) for v in values]
        yield values, (1 if level and not values[0] else 0, marks)


def notes_of(table, extra: list[str]) -> list[tuple[str, str]]:
    """(marker, text) of every note: the row notes, then the general footnotes."""
    return list(table.notes.items()) + [("", n) for n in [*table.footnotes, *extra]]


def flat_headers(table) -> list[str]:
    """Column titles with their spanner in front (for formats without merged cells)."""
    heads = table.headers()
    spans = [s for s, width in table.spanners for _ in range(width)] or [""] * len(heads)
    return [f"{s}: {h}" if s else h for s, h in zip(spans, heads)]
