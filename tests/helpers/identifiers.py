"""The demo exports' direct identifiers, and a scan of written text for any of them."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

IDENTIFIER_PATTERNS = (
    re.compile(r"\d{6}-\d{7}"),  # resident registration number
    re.compile(r"010-\d{4}-\d{4}"),  # phone
    re.compile(r"[A-Z]\d{7}"),  # hospital patient id
    re.compile(r"[가-힣]{3}"),  # Korean name
)
# The same numbers written without their dashes (a masked value must not leak them either).
_DIGITS = (re.compile(r"(?<!\d)\d{13}(?!\d)"), re.compile(r"(?<!\d)010\d{8}(?!\d)"))


@functools.cache
def identifiers() -> frozenset[str]:
    """Every direct identifier and raw patient id in the demo's raw exports, also undashed."""
    from spinepair.synth.simulate import simulate

    values = set()
    for truth in simulate().values():
        pts = truth["patients"]
        for col in ("name", "rrn", "phone", "patient_id"):
            values |= set(pts[col].astype(str))
    return frozenset(values | {v.replace("-", "") for v in values if "-" in v})


def written_text(path: Path) -> str:
    """The text content of a file the workflow wrote (Parquet decoded, others as bytes)."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path).astype(str).to_csv()
    return path.read_bytes().decode("utf-8", errors="replace")


def identifiers_in(text: str) -> set[str]:
    """The demo identifiers found in ``text``."""
    found = {m for pat in (*IDENTIFIER_PATTERNS, *_DIGITS) for m in pat.findall(text)}
    return found & identifiers()
