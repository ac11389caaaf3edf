"""Registering checks and collecting their failures a column at a time."""

from __future__ import annotations

import pandas as pd

from spinepair.contracts.cdm import RAW_ID_FIELD
from spinepair.ingest.failure import ERROR, FIELDS, WARNING
from spinepair.ingest.redact import HIDDEN, masked_series, masked_text, record_ids, shown_series

__all__ = ["HIDDEN", "Checks", "cell_origin"]  # HIDDEN: never shown (see .redact)


def cell_origin(raw: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """File, row and raw column name of each value of CDM column ``column``."""
    file = raw[f"_file.{column}"].fillna(raw["_file"]) if f"_file.{column}" in raw else raw["_file"]
    row = raw[f"_row.{column}"] if f"_row.{column}" in raw else raw["_row"]
    name = raw[f"_col.{column}"] if f"_col.{column}" in raw else pd.Series(column, index=raw.index)
    return file, row, name


class Checks:
    """The checks run on one site (for the report) and the failures they found.

    ``severity`` maps a check name to ``warning`` to lower it (set by the study config);
    every other check is an error. Cell failures are frames with the fields of
    :class:`~spinepair.ingest.failure.Failure` plus ``idx``, the row of the raw table.
    """

    def __init__(self, site: str, severity: dict[str, str] | None = None):
        self.site = site
        self.severity = severity or {}
        self.registry: list[dict] = []
        self.errors: list[pd.DataFrame] = []
        self.warnings: list[pd.DataFrame] = []
        self.identities: dict[str, frozenset] = {}  # patient id -> its identifier values

    def identify(self, patients: pd.DataFrame) -> None:
        """Learn each patient's identifier values (masked wherever a failure shows a value)."""
        cols = [c for c in HIDDEN if c in patients]
        if not len(patients) or not cols:
            return
        for pid, *values in patients[cols].astype(object).itertuples(index=False):
            if pid is not None and not pd.isna(pid):
                own = record_ids([pid, *values])
                self.identities[pid] = self.identities.get(pid, frozenset()) | own

    def _ids(self, sub: pd.DataFrame) -> list[frozenset]:
        """Each row's identifier values: its own identifier cells and its patient's."""
        cols = [c for c in HIDDEN if c in sub]
        rows = sub[cols].astype(object).itertuples(index=False) if cols else [()] * len(sub)
        pids = sub[RAW_ID_FIELD].tolist() if RAW_ID_FIELD in sub else [None] * len(sub)
        found = self.identities.get
        return [
            record_ids(r) | found(p, frozenset()) if isinstance(p, str) else record_ids(r)
            for r, p in zip(rows, pids, strict=True)
        ]

    def register(self, name: str, table: str | None, column: str | None, description: str):
        self.registry.append(
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
        """Record a failure of ``check`` for every raw row where ``mask`` holds."""
        mask = pd.Series(mask, index=raw.index).fillna(False).astype(bool)
        if not mask.any():
            return
        sub = raw.loc[mask]
        file, row, name = cell_origin(sub, column)
        shown = pd.Series(pd.NA, index=sub.index, dtype="string")
        ids = self._ids(sub) if value is not None or isinstance(detail, pd.Series) else None
        if column not in HIDDEN and value is not None:
            shown = shown_series(value[mask], column, ids)
        if isinstance(detail, pd.Series):
            detail = masked_series(detail[mask], ids)
        else:
            detail = masked_text(detail)
        severity = self.severity.get(check.split(":")[0], ERROR)
        frame = pd.DataFrame(
            {
                "site": self.site,
                "file": file,
                "row": row.astype("int64"),
                "column": name,
                "cdm_column": column,
                "table": table,
                "check": check,
                "detail": detail,
                "value": shown,
                "severity": severity,
                "rec": sub["_rec"].astype("int64"),
                "idx": sub.index,
            },
            columns=[*FIELDS, "idx"],
        )
        (self.warnings if severity == WARNING else self.errors).append(frame)

    def error_frame(self) -> pd.DataFrame:
        """Every error found so far (with ``idx``)."""
        empty = pd.DataFrame({c: [] for c in FIELDS}).assign(idx=pd.Series(dtype="int64"))
        return pd.concat(self.errors, ignore_index=True) if self.errors else empty
