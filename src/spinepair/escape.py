"""Config text is data, never markup: one escaping function per output format.

Every string of the study config that reaches an output (study title and description, arm
names, table, row and endpoint titles, levels, footnotes, variant descriptions) goes through
the function of that output's format before it is written:

- :func:`html`: ``& < > " '`` as character references (our HTML pages and the report).
- :func:`markdown`: every character that Markdown (CommonMark, GitHub, pandoc) reads as
  markup is backslash-escaped (HTML tags and entities, links and images, emphasis, code,
  ``$`` TeX math, pandoc's ``~ ^ @ { }``, table pipes), a block marker at the start of the
  text (``#``, ``>``, ``+``, ``-``, ``=``, ``1.``) is escaped and line breaks become spaces, so a
  renderer shows the text as typed. :func:`markdown_unescape` reads it back (our HTML pages).
- :func:`latex`: the ten LaTeX special characters (``\\ & % $ # _ { } ~ ^``) and ``< >`` as
  text commands, so ``\\input{...}`` and ``$...$`` are printed, never run.
- :func:`csv_cell`: OWASP CSV injection: a config text starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return gets a leading single quote, so a spreadsheet shows it
  as text instead of evaluating a formula. Only text cells go through it, never the numbers
  we formatted (see :func:`csv_text_columns`); every other CSV goes through
  :func:`csv_safe` (``jobs.jobio.write_csv``), which leaves numbers alone.
- :func:`plain_paragraphs`: a text shown as plain paragraphs of HTML (the study
  description): no reStructuredText or Markdown is interpreted, so no directive
  (``.. include::``, ``.. raw::``), role or substitution can run.
- :func:`figure_rc`: figures print config text as it is (no mathtext).
- :func:`script_safe` / :func:`unmark`: text handed to Snakemake's report (item labels, job
  parameters), which embeds it as JSON inside ``<script>`` elements without escaping ``<``
  and reads ``{name}`` in a label as a wildcard: a WORD JOINER (U+2060, invisible) after
  every ``<`` and ``{`` means ``</script>``, ``<!--`` and ``{name}`` never occur there,
  while the label still reads the same. A job unmarks its parameters.
"""

from __future__ import annotations

import html as _html
import re

__all__ = [
    "CSV_TRIGGERS",
    "MARKDOWN_ESCAPED",
    "csv_cell",
    "csv_safe",
    "csv_text_columns",
    "figure_rc",
    "html",
    "latex",
    "markdown",
    "markdown_unescape",
    "plain_paragraphs",
    "script_safe",
    "unmark",
    "unmarked",
]

# --- HTML -------------------------------------------------------------------------------


def html(text) -> str:
    """``text`` for HTML element content or a quoted attribute value."""
    return _html.escape(str(text), quote=True)


def plain_paragraphs(text) -> str:
    """``text`` as HTML paragraphs (blank lines separate them), every character shown as
    typed: no markup of any language is interpreted."""
    paragraphs = re.split(r"\n\s*\n", str(text or "").replace("\r\n", "\n").strip())
    return "\n".join(f"<p>{html(' '.join(p.split()))}</p>" for p in paragraphs if p.strip())


# --- Markdown ---------------------------------------------------------------------------

# Markup anywhere in a line (a ``>``, ``#`` or ``!`` is markup only at a line's start or
# before ``[``, which is escaped: left as typed, the text stays readable as plain Markdown).
_MD_SPECIAL = set("\\`*_{}[]<|$~^&@")
_MD_LINE_START = ("+", "-", "=", ">", "#")
_MD_BLOCK_START = re.compile(r"^(\d+)([.)])")
MARKDOWN_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def markdown(text) -> str:
    """``text`` for inline Markdown: shown as typed by CommonMark, GitHub and pandoc."""
    text = " ".join(str(text).splitlines())
    out = "".join("\\" + c if c in _MD_SPECIAL else c for c in text)
    if out[:1] in _MD_LINE_START:
        out = "\\" + out
    return _MD_BLOCK_START.sub(r"\1\\\2", out, count=1)


def markdown_unescape(text: str) -> str:
    """The text :func:`markdown` escaped (any backslash escape of ASCII punctuation)."""
    return MARKDOWN_ESCAPED.sub(r"\1", text)


# --- LaTeX ------------------------------------------------------------------------------

LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def latex(text) -> str:
    """``text`` as LaTeX text: every special character printed, never interpreted."""
    text = " ".join(str(text).splitlines())  # a blank line would end the paragraph
    return "".join(LATEX_SPECIAL.get(c, c) for c in text)


# --- CSV --------------------------------------------------------------------------------

CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text) -> str:
    """A CSV cell of config TEXT, quoted against formula injection (OWASP): a leading
    ``'`` when it starts with one of :data:`CSV_TRIGGERS`. Never call it on a number we
    formatted (``-0.5``, ``-1.2 (-2.0, 0.3)``): those cells are not text."""
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(CSV_TRIGGERS) else text


def csv_text_columns(frame, columns=None):
    """A copy of ``frame`` whose text cells went through :func:`csv_cell`.

    Which cells are text: the ``columns`` named (the columns holding config text, e.g. a
    table's Variable and Level), or, when ``columns`` is None, every column whose dtype is
    not numeric (a numeric column holds numbers only, which are never quoted). Column names
    are text too. Missing values stay missing."""
    import pandas as pd

    out = frame.copy()
    if columns is None:
        columns = [c for c in out.columns if not pd.api.types.is_numeric_dtype(out[c].dtype)]
    for c in columns:
        if c in out.columns:
            out[c] = [v if pd.isna(v) else csv_cell(v) for v in out[c]]
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_safe(frame):
    """``frame`` for a CSV anyone may open in a spreadsheet (every CSV but the publication
    tables, which quote their text columns by name): a text cell starting with one of
    :data:`CSV_TRIGGERS` that is not a number (``-0.25`` and ``-1e-05`` stay as they are)
    gets a leading ``'``; numeric columns are untouched. The frame itself when nothing
    needs it."""
    import pandas as pd

    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)]
    out = None
    for c in text:
        cells = frame[c]
        hit = [isinstance(v, str) and v.startswith(CSV_TRIGGERS) and not _number(v) for v in cells]
        if any(hit):
            out = frame.copy() if out is None else out
            out[c] = [csv_cell(v) if h else v for v, h in zip(cells, hit, strict=True)]
    return frame if out is None else out


# --- figures ------------------------------------------------------------------------------


def figure_rc(svg_fonttype: str) -> dict:
    """matplotlib settings of every figure: text is plain text (``text.parse_math`` off:
    ``$...$`` in a config label is printed, never read as mathtext, which would render
    markup or stop the job on an unknown command), byte-stable SVG."""
    return {"svg.hashsalt": "spinepair", "svg.fonttype": svg_fonttype, "text.parse_math": False}


# --- text handed to Snakemake's report ----------------------------------------------------

_JOINER = "\u2060"  # WORD JOINER: invisible, no line break


def script_safe(obj):
    """``obj`` (a string, or lists/dicts of them) with a WORD JOINER after every ``<``
    and ``{``."""
    if isinstance(obj, str):
        return obj.replace("<", "<" + _JOINER).replace("{", "{" + _JOINER)
    if isinstance(obj, dict):
        return {k: script_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(script_safe(v) for v in obj)
    return obj


def unmark(obj):
    """The original of :func:`script_safe` (plain dicts and lists; mappings such as
    Snakemake's Namedlist items become dicts)."""
    if isinstance(obj, str):
        return obj.replace("<" + _JOINER, "<").replace("{" + _JOINER, "{")
    if hasattr(obj, "items"):
        return {k: unmark(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(unmark(v) for v in obj)
    return obj


def unmarked(params):
    """The parameters of a Snakemake job (``snakemake.params``), unmarked, read by name."""
    from types import SimpleNamespace

    return SimpleNamespace(**{name: unmark(value) for name, value in params.items()})
