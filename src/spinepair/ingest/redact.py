"""What a failure, a report, a log line or ``check-site`` may show of a raw value.

Every path that shows raw text goes through this module:

- a value of an identifier column (patient id, name, registration number, phone) is never
  shown: ``<patient_id: 8 characters>``;
- text shaped like a resident registration number (6 digits, optional dash or space,
  7 digits; 13 digits) or a phone number (``01X-XXXX-XXXX``, ``0X-XXX-XXXX``,
  ``+82 ...``) is masked wherever it appears (``<rrn-shaped: 14 characters>``);
- a value equal to one of its record's identifier values (that patient's id, name,
  registration number or phone) is masked (``<identifier: 3 characters>``);
- what is left is cut to ``MAX_VALUE`` characters, with its length
  (``first 40 characters… (N characters)``); a message to ``MAX_DETAIL``.

A header cell is shown only when it is a column name the spec declares; any other header
cell may be data (a file without its header row) and is shown by its shape
(``'<8 characters: digits>'``).

Rows spilled to disk by a site read in parts (:mod:`.partition`) carry no identifier:
names, phones and registration numbers are replaced by tokens (:func:`token`, keyed with
a secret of this process) that keep equality, and a registration number's token keeps
what the checks need of it (its format, the person pseudonym).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

import pandas as pd

from spinepair.contracts.cdm import IDENTIFIER_FIELDS, RAW_ID_FIELD

HIDDEN = (RAW_ID_FIELD, *IDENTIFIER_FIELDS)
MAX_VALUE = 40
MAX_DETAIL = 400
_RRN = r"(?<!\d)\d{6}[- ]?\d{7}(?!\d)"
_PHONE = (
    r"(?<![\d+])(?:\+82[- .]?\(?0?\)?\d{1,2}[- .]?\d{3,4}[- .]?\d{4}"
    r"|01[016789][- .]?\d{3,4}[- .]?\d{4}"
    r"|0[2-9]\d?[- .)]\d{3,4}[- .]\d{4})(?!\d)"
)
SHAPES = {"rrn": re.compile(_RRN), "phone": re.compile(_PHONE)}
_CUT = re.compile(r"… \(\d+ characters\)$")
_QUOTED = re.compile(r"'([^'\n]+)'")
_SHOWN = re.compile(r"<[^<>]*characters?[^<>]*>(?: \(column \d+\))?")


def truncated(text: str, limit: int = MAX_VALUE) -> str:
    """``text`` cut to ``limit`` characters with its length (as it is when short or cut)."""
    if len(text) <= limit or _CUT.search(text):
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def describe(text: str) -> str:
    """The shape of a text, without the text: ``<8 characters: digits>``."""
    kinds = []
    if any(c.isdigit() for c in text):
        kinds.append("digits")
    if any(c.isalpha() for c in text):
        kinds.append("letters")
    if any(not (c.isalnum() or c.isspace()) for c in text):
        kinds.append("symbols")
    what = ", ".join(kinds) or "blank"
    return f"<{len(text)} character{'s' * (len(text) != 1)}: {what}>"


def _shaped(text: str) -> str:
    for name, pattern in SHAPES.items():
        text = pattern.sub(lambda m, n=name: f"<{n}-shaped: {len(m.group(0))} characters>", text)
    return text


def _same(text: str, ids) -> bool:
    """Whether ``text`` is one of the record's identifier values (plain or spill tokens)."""
    if not ids:
        return False
    t = text.strip()
    return t in ids or (bool(t) and token(t) in ids)


def shown(value, column: str | None = None, ids=()) -> str | None:
    """What may be shown of a raw value of (CDM) ``column`` in a record with the identifier
    values ``ids`` (see module docstring); None for no value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value)
    if _CUT.search(text) or _SHOWN.fullmatch(text):
        return text  # already shown once
    if column in HIDDEN:
        return f"<{column}: {len(text)} character{'s' * (len(text) != 1)}>"
    if _same(text, ids):
        return f"<identifier: {len(text)} characters>"
    return truncated(_shaped(text))


def masked_text(text, ids=()) -> str | None:
    """A message (a failure's detail) with identifier-shaped text masked, quoted values
    cut to ``MAX_VALUE`` characters and the whole cut to ``MAX_DETAIL``."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return None
    text = _QUOTED.sub(lambda m: f"'{shown(m.group(1), None, ids)}'", _shaped(str(text)))
    return truncated(text, MAX_DETAIL)


def header_cell(name: str, declared) -> str:
    """A header cell as it may be shown: its name when the spec declares it, else its shape
    (it may be data: a file without its header row)."""
    return name if name in declared else describe(name)


def shown_series(values: pd.Series, column: str | None, ids: list | None = None) -> pd.Series:
    """:func:`shown` of each value of a Series (``ids``: each row's identifier values)."""
    rows = ids if ids is not None else [()] * len(values)
    out = [shown(v, column, i) for v, i in zip(values.tolist(), rows, strict=True)]
    return pd.Series(out, index=values.index, dtype="string")


def masked_series(details: pd.Series, ids: list | None = None) -> pd.Series:
    """:func:`masked_text` of each detail of a Series."""
    rows = ids if ids is not None else [()] * len(details)
    out = [masked_text(d, i) for d, i in zip(details.tolist(), rows, strict=True)]
    return pd.Series(out, index=details.index, dtype="string")


# --- spill tokens ------------------------------------------------------------------------
_SECRET = os.urandom(32)  # this process only: a token cannot be reversed from the disk
TOKEN = "\ue000"  # a private-use character: no export cell starts with it (not a space)
RRN_TOKEN = TOKEN + "rrn:"


def record_ids(values) -> frozenset:
    """The identifier values of one record as :func:`shown` compares them (a registration
    number's spill token also by the token of its text)."""
    out = set()
    for v in values:
        if v is None or (not isinstance(v, str) and pd.isna(v)) or not str(v).strip():
            continue
        v = str(v).strip()
        out.add(v)
        if v.startswith(RRN_TOKEN):
            out.add(TOKEN + v.rsplit(":", 1)[1])
    return frozenset(out)


def token(text: str) -> str:
    """An identifier value replaced for the spill: equal texts, equal tokens."""
    digest = hmac.new(_SECRET, text.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return TOKEN + digest.hexdigest()[:32]


def is_token(s: pd.Series) -> pd.Series:
    return s.astype("string").str.startswith(TOKEN, na=False).astype(bool)


def rrn_token(text: pd.Series, person: pd.Series, ok: pd.Series) -> pd.Series:
    """Registration numbers replaced for the spill by what the checks need of them: whether
    the text is well formed (``ok``), the person pseudonym and a token of the text."""
    tokens = text.map(token, na_action="ignore").str[1:]
    flag = ok.map({True: "1", False: "0"})
    made = RRN_TOKEN + flag + ":" + person.fillna("") + ":" + tokens
    return made.where(text.notna()).astype("string")


def rrn_spilled(rrn: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Of spilled registration numbers (:func:`rrn_token`): which are tokens, whether each
    was well formed, and its person pseudonym (NA when it had no digits)."""
    text = rrn.astype("string")
    tok = text.str.startswith(RRN_TOKEN, na=False).astype(bool)
    fields = text.where(tok).str.split(":")
    ok = fields.str[1].eq("1").fillna(False).astype(bool)
    person = fields.str[2].astype("string")
    return tok, ok, person.mask(person.eq(""))
