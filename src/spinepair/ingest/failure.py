"""The one failure type of ingest: what went wrong, where, and how bad.

A :class:`Failure` names site, file (relative to the raw dir; ``book.xlsx[Sheet]`` for a
sheet), row (1-based line or sheet row, header = 1), raw and CDM column, table, check,
offending value (never of an identifier column), a message (``detail``) and its severity
(``error`` or ``warning``). Value and message are kept only as :mod:`.redact` shows them
(identifiers masked, long values cut). Cell checks find failures a column at a time; they are kept as
frames with exactly these fields (:func:`failure_frame`), one record per failure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import pandas as pd

from spinepair.ingest.redact import HIDDEN, masked_text, shown

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Failure:
    """One problem found at ingest. ``rec`` is the raw row the record is accounted under."""

    site: str
    file: str | None
    row: int | None
    column: str | None
    cdm_column: str | None
    table: str | None
    check: str
    detail: str
    value: str | None = None
    severity: str = ERROR
    rec: int | None = None

    def __post_init__(self):
        cdm = {c.strip() for c in str(self.cdm_column or "").split(",")}
        hidden = next((c for c in HIDDEN if c in cdm), None)
        object.__setattr__(self, "value", shown(self.value, hidden))
        object.__setattr__(self, "detail", masked_text(self.detail))
        if self.rec is None:
            object.__setattr__(self, "rec", self.row)


FIELDS = tuple(f.name for f in fields(Failure))
# What a report or an IngestError shows of a failure (rec and severity are bookkeeping).
RECORD_FIELDS = ("site", "file", "row", "column", "cdm_column", "table", "check", "value", "detail")


def failure_frame(failures: list[Failure]) -> pd.DataFrame:
    """Failures as a frame with one column per field (also when there are none)."""
    return pd.DataFrame([asdict(f) for f in failures], columns=list(FIELDS))


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-able records (``None`` for missing) of a failure frame."""
    out = frame[list(RECORD_FIELDS)].astype(object)
    return out.where(out.notna(), None).to_dict(orient="records")
