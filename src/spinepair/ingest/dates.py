"""Reading date text one way only.

A format (strptime-style) matches whole values with fixed digit counts: ``%Y`` is four
digits, ``%m``, ``%d``, ``%y``, ``%H``, ``%M``, ``%S`` two, so ``200812`` is not a date
under ``%Y%m%d`` (pandas alone would read 2008-01-02). A list of formats is refused if
one value could match two of them with different meanings (``%m/%d/%Y`` and
``%d/%m/%Y``): every value then has exactly one reading or none.
"""

from __future__ import annotations

import re

import pandas as pd

_DIGITS = {"Y": 4, "m": 2, "d": 2, "y": 2, "H": 2, "M": 2, "S": 2}
_DIRECTIVE = re.compile(r"%(.)")


def _tokens(fmt: str) -> list[str]:
    """The format as tokens: ``%Y`` etc. and single literal characters."""
    out, pos = [], 0
    for m in _DIRECTIVE.finditer(fmt):
        out.extend(fmt[pos : m.start()])
        out.append(m.group(0))
        pos = m.end()
    out.extend(fmt[pos:])
    return out


def format_problem(formats: list[str]) -> str | None:
    """Why a list of date formats cannot be read one way only (None when it can)."""
    shapes: dict[str, str] = {}
    for fmt in formats:
        bad = sorted({d for d in _DIRECTIVE.findall(fmt) if d not in _DIGITS})
        if bad:
            return (
                f"date format {fmt!r} uses %{bad[0]}; only %Y %m %d %y %H %M %S "
                "(fixed digit counts) read every value one way"
            )
        if "%y" in fmt:
            return f"date format {fmt!r}: a two-digit year (%y) has no single reading; use %Y"
        shape = "".join("9" * _DIGITS[t[1]] if t.startswith("%") else t for t in _tokens(fmt))
        other = shapes.setdefault(shape, fmt)
        if other != fmt:
            return (
                f"date formats {other!r} and {fmt!r} both read a value such as "
                f"{pd.Timestamp('2010-03-04').strftime(other)!r}, each differently "
                "(give one format per site; a column in another format needs its own site)"
            )
    return None


def format_regex(fmt: str) -> str:
    """A regex matching exactly the values written in ``fmt``."""
    return "".join(
        rf"\d{{{_DIGITS[t[1]]}}}" if t.startswith("%") else re.escape(t) for t in _tokens(fmt)
    )


def parse_dates(text: pd.Series, formats: list[str]) -> pd.Series:
    """Dates of a text column; NaT where no format matches the whole value or no such day."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in formats:
        hit = text.str.fullmatch(format_regex(fmt), na=False).astype(bool) & out.isna()
        if hit.any():
            out[hit] = pd.to_datetime(text[hit], format=fmt, errors="coerce")
    return out
