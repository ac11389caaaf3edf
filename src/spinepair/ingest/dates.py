"""Reading date text one way only.

A format (strptime-style) matches whole values with fixed digit counts: ``%Y`` is four
digits, ``%m``, ``%d``, ``%y``, ``%H``, ``%M``, ``%S`` two, so ``200812`` is not a date
under ``%Y%m%d`` (pandas alone would read 2008-01-02); ``%-m`` and ``%-d`` are a month
and day of one or two digits (``2014-3-7``, ``2014년 3월 7일``), never next to another
number. A list of formats is refused if one value could match two of them with different
meanings (``%m/%d/%Y`` and ``%d/%m/%Y``): every value then has exactly one reading or none.
"""

from __future__ import annotations

import itertools
import re

import pandas as pd

_DIGITS = {"Y": 4, "m": 2, "d": 2, "y": 2, "H": 2, "M": 2, "S": 2, "-m": 2, "-d": 2}
_DIRECTIVE = re.compile(r"%(-?.)")
DIRECTIVES = "%Y %m %d %H %M %S (fixed digit counts), %-m %-d (one or two digits)"


def _tokens(fmt: str) -> list[str]:
    """The format as tokens: ``%Y`` etc. and single literal characters."""
    out, pos = [], 0
    for m in _DIRECTIVE.finditer(fmt):
        out.extend(fmt[pos : m.start()])
        out.append(m.group(0))
        pos = m.end()
    out.extend(fmt[pos:])
    return out


def _digits(token: str) -> str:
    """The regex of one directive's digits."""
    return r"\d{1,2}" if token.startswith("%-") else rf"\d{{{_DIGITS[token[1:]]}}}"


def _shape(fmt: str) -> tuple[list, list]:
    """Literal skeleton (digit groups as (min, max) digits) and the fields in order."""
    skeleton, fields = [], []
    for t in _tokens(fmt):
        if t.startswith("%"):
            skeleton.append((1, 2) if t.startswith("%-") else (_DIGITS[t[1:]],) * 2)
            fields.append(t.replace("-", ""))
        else:
            skeleton.append(t)
    return skeleton, fields


def _overlap(a: list, b: list) -> bool:
    """Whether some text matches both skeletons (digit groups never adjacent)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, tuple) != isinstance(y, tuple):
            return False
        if isinstance(x, tuple) and (x[0] > y[1] or y[0] > x[1]):
            return False
        if not isinstance(x, tuple) and x != y:
            return False
    return True


def format_problem(formats: list[str]) -> str | None:
    """Why a list of date formats cannot be read one way only (None when it can)."""
    seen: list[tuple[str, list, list]] = []
    for fmt in formats:
        bad = sorted({d for d in _DIRECTIVE.findall(fmt) if d not in _DIGITS})
        if bad:
            return f"date format {fmt!r} uses %{bad[0]}; only {DIRECTIVES} read every value one way"
        if "%y" in fmt:
            return f"date format {fmt!r}: a two-digit year (%y) has no single reading; use %Y"
        tokens = _tokens(fmt)
        for a, b in itertools.pairwise(tokens):
            if a.startswith("%") and b.startswith("%") and "-" in a + b:
                return f"date format {fmt!r}: {a} next to {b} has no single reading"
        skeleton, fields = _shape(fmt)
        for other, oskel, ofields in seen:
            if _overlap(skeleton, oskel) and fields != ofields:
                return (
                    f"date formats {other!r} and {fmt!r} both read a value such as "
                    f"{pd.Timestamp('2010-03-04').strftime(other.replace('-', ''))!r}, each "
                    "differently (a column in another format needs its own formats)"
                )
        seen.append((fmt, skeleton, fields))
    return None


def format_regex(fmt: str) -> str:
    """A regex matching exactly the values written in ``fmt``."""
    return "".join(_digits(t) if t.startswith("%") else re.escape(t) for t in _tokens(fmt))


def parse_dates(text: pd.Series, formats: list[str]) -> pd.Series:
    """Dates of a text column; NaT where no format matches the whole value or no such day."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in formats:
        hit = text.str.fullmatch(format_regex(fmt), na=False).astype(bool) & out.isna()
        if hit.any():
            out[hit] = pd.to_datetime(text[hit], format=fmt.replace("%-", "%"), errors="coerce")
    return out
