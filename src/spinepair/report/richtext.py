"""Table text with proper symbols and subscripts in every output format.

Config labels are typed in ASCII (``>=2``, ``<=1``, ``+/-``, ``alpha/beta``, ``Gy2/10``);
:func:`pretty` turns them into Unicode symbols (``≥2``, ``≤1``, ``±``, ``α/β``) and
:func:`spans` splits a text into plain and subscript parts (the ``2/10`` of ``Gy2/10`` and the
``2`` of ``EQD2``), which each writer renders its own way: ``<sub>`` in HTML, Unicode subscript
digits in Markdown and CSV, ``$_{2/10}$`` in LaTeX and a subscript run in Word.
"""

from __future__ import annotations

import re

from spinepair import escape as esc

SYMBOLS = (
    (">=", "≥"),
    ("<=", "≤"),
    ("+/-", "±"),
    ("alpha/beta", "α/β"),
)
_SUBSCRIPT = re.compile(r"\b(Gy|EQD)(\d+(?:/\d+)?)\b")
_SUB_CHARS = str.maketrans("0123456789/", "₀₁₂₃₄₅₆₇₈₉/")
_SUP_CHARS = str.maketrans("abcdefghijklmnoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ")
_TEX_SYMBOLS = {  # after :func:`spinepair.escape.latex`, which never outputs these
    "±": r"$\pm$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "×": r"$\times$",
    "α": r"$\alpha$",
    "β": r"$\beta$",
    "−": r"$-$",
    "–": "--",
    "—": "---",
}


def pretty(text) -> str:
    """``text`` with the ASCII stand-ins of :data:`SYMBOLS` replaced by their symbols."""
    text = str(text)
    for ascii_, symbol in SYMBOLS:
        text = re.sub(rf"(?<![A-Za-z]){re.escape(ascii_)}(?![A-Za-z])", symbol, text)
    return text


def spans(text) -> list[tuple[str, bool]]:
    """(part, is_subscript) pieces of ``pretty(text)``."""
    text, out, at = pretty(text), [], 0
    for m in _SUBSCRIPT.finditer(text):
        out.append((text[at : m.start(2)], False))
        out.append((m.group(2), True))
        at = m.end()
    out.append((text[at:], False))
    return [(part, sub) for part, sub in out if part]


def plain(text) -> str:
    """Unicode text (Markdown, CSV): subscripts as Unicode subscript digits."""
    return "".join(p.translate(_SUB_CHARS) if sub else p for p, sub in spans(text))


def as_html(text) -> str:
    return "".join(f"<sub>{esc.html(p)}</sub>" if sub else esc.html(p) for p, sub in spans(text))


def tex_escape(text) -> str:
    """LaTeX-escape plain text: special characters (:func:`spinepair.escape.latex`)
    and symbols (no subscripts)."""
    return "".join(_TEX_SYMBOLS.get(c, c) for c in esc.latex(pretty(text)))


def as_tex(text) -> str:
    return "".join(f"$_{{{p}}}$" if sub else tex_escape(p) for p, sub in spans(text))


def superscript(marks) -> str:
    """Footnote letters as Unicode superscripts (Markdown, CSV)."""
    return ",".join(m.translate(_SUP_CHARS) for m in marks)


def mark_letter(i: int) -> str:
    """The i-th (0-based) footnote marker: a ... z, then aa, ab, ..."""
    letters = "abcdefghijklmnoprstuvwxyz"  # no q: it has no Unicode superscript
    return (
        letters[i]
        if i < len(letters)
        else mark_letter(i // len(letters) - 1) + mark_letter(i % len(letters))
    )
