"""Config text is data, never markup (security issue 20): every output escapes it for its
format (spinepair.escape), and a hostile study config neither runs script in the
report nor puts a file into it, nor writes a formula into a CSV or markup into Markdown."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from spinepair import escape as esc
from spinepair.report.html_page import inline, markdown_to_html
from spinepair.report.landing import landing_html
from tests.helpers.workflow import ROOT, copy_project, snakemake

SCRIPT = "</script><script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
INCLUDE = ".. include:: /etc/passwd"
HOSTILE = [
    SCRIPT,
    IMG,
    INCLUDE,
    '=HYPERLINK("http://x")',
    "+1+1",
    "@SUM(A1)",
    "-2+3",
    r"$\input{/etc/passwd}$",
    r"\input{/etc/passwd}",
    "[x](javascript:alert(1))",
]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.parametrize("text", HOSTILE)
def test_html_escapes_markup(text):
    out = esc.html(text)
    assert "<" not in out and ">" not in out and '"' not in out
    assert esc.html(SCRIPT) == "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_escapes_markup_and_reads_back(text):
    out = esc.markdown(text)
    assert not re.search(r"(?<!\\)[<\[\]$`*_|]", out)  # every markup character escaped
    assert esc.markdown_unescape(out) == text
    assert inline(out) == esc.html(text)  # our HTML pages show the text as typed


def test_markdown_block_starts_and_lines():
    assert esc.markdown("-2+3") == r"\-2+3"
    assert esc.markdown("1. x") == r"1\. x"
    assert esc.markdown("# title\n# two") == r"\# title # two"  # one line: one start
    assert esc.markdown("> quote, a -> b") == r"\> quote, a -> b"
    assert esc.markdown("[x](javascript:alert(1))") == r"\[x\](javascript:alert(1))"
    assert esc.markdown("Age, years") == "Age, years"  # plain text stays plain


@pytest.mark.parametrize("text", HOSTILE)
def test_latex_prints_specials(text):
    out = esc.latex(text)
    assert not re.search(r"\\input|(?<!\\)\$|(?<![\\])[{}](?<!\{\})", out.replace("{}", ""))
    assert esc.latex(r"$\input{/etc/passwd}$") == (r"\$\textbackslash{}input\{/etc/passwd\}\$")


def test_csv_cell_quotes_formula_text_only():
    for text in ('=HYPERLINK("http://x")', "+1+1", "@SUM(A1)", "-2+3", "\tx", "\rx"):
        assert esc.csv_cell(text) == "'" + text
    for text in ("Age, years", SCRIPT, ""):
        assert esc.csv_cell(text) == text


def test_csv_text_columns_leaves_numbers():
    import pandas as pd

    frame = pd.DataFrame({"row": ["=1+1", "Age"], "value": [-0.5, 1.0], "n": [-1, 2]})
    out = esc.csv_text_columns(frame)
    assert list(out["row"]) == ["'=1+1", "Age"]
    assert list(out["value"]) == [-0.5, 1.0] and list(out["n"]) == [-1, 2]
    formatted = pd.DataFrame({"Variable": ["-x"], "Estimate": ["-1.2 (-2.0, 0.3)"]})
    out = esc.csv_text_columns(formatted, ["Variable"])
    assert list(out["Variable"]) == ["'-x"] and list(out["Estimate"]) == ["-1.2 (-2.0, 0.3)"]


def test_plain_paragraphs_interprets_nothing():
    out = esc.plain_paragraphs(f"{INCLUDE}\n\n.. raw:: html\n\n   {SCRIPT}\n\n|sub| :role:`x`")
    assert "<script" not in out and out.count("<p>") == 4
    assert ".. include:: /etc/passwd" in out and "|sub| :role:`x`" in out


def test_script_safe_round_trip():
    obj = {"t": SCRIPT, "l": ["<!-- x", "a < b", "{page} {x}"], "n": 1}
    safe = esc.script_safe(obj)
    import json

    assert "</" not in json.dumps(safe) and "<!" not in json.dumps(safe)
    assert "{page}" not in safe["l"][2]  # Snakemake reads {name} in a label as a wildcard
    assert esc.unmark(safe) == obj


def test_markdown_page_and_landing_escape():
    page = markdown_to_html(f"- {esc.markdown(SCRIPT)}: **bold**\n| {esc.markdown(IMG)} |")
    assert "<script" not in page and "<img" not in page and "<strong>bold</strong>" in page
    cfg = yaml.safe_load(Path("config/config.yaml").read_text(encoding="utf-8"))
    cfg["study"].update(title=SCRIPT, description=INCLUDE, index_arm=IMG)
    cfg["analysis"]["endpoints"]["os"] = SCRIPT
    out = landing_html(cfg, "# Findings\n")
    assert "<script" not in out and "<img" not in out and "&lt;/script&gt;" in out
    assert "<p>.. include:: /etc/passwd</p>" in out


def test_docx_escapes_xml(tmp_path):
    from docx import Document

    from spinepair.report.publish import write_table
    from tests.test_tables import rendered

    table = rendered()["table1"]
    table.title = SCRIPT + " & <b>"
    write_table(table, tmp_path / "t")
    doc = Document(tmp_path / "t.docx")
    text = "\n".join(p.text for p in doc.paragraphs)
    text += "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert SCRIPT + " & <b>" in text  # the text itself, as text (python-docx escapes XML)


# --- one real run on a hostile study config -------------------------------------------------

MARK = "spx-injected"
PAYLOAD = f'</script><script>document.body.innerHTML+="<i id={MARK}></i>"</script>'
TAG = f"<img id={MARK} src=x>"


def _hostile_config(workdir: Path) -> str:
    path = workdir / "config" / "config.yaml"
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg["study"]["title"] = f"Study {PAYLOAD}"
    cfg["study"]["description"] = (
        f"Described {TAG}.\n\n.. include:: config/demo.key\n\n.. raw:: html\n\n   {TAG}\n"
    )
    cfg["tables"]["table1"]["title"] = f'=HYPERLINK("http://x") {PAYLOAD} $\\input{{x}}$'
    cfg["tables"]["table1"]["rows"][1]["label"] = f"@SUM(A1) {TAG} [x](javascript:alert(1))"
    cfg["analysis"]["endpoints"]["os"] = f"Overall {PAYLOAD}"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return (workdir / "config" / "demo.key").read_text(encoding="utf-8").strip()


@pytest.mark.workflow
def test_hostile_config_is_data_everywhere(tmp_path):
    workdir = copy_project(tmp_path / "run")
    key = _hostile_config(workdir)
    snakemake(workdir, "--cores", "2")
    report = tmp_path / "report.html"
    snakemake(workdir, "--report", str(report))
    html = report.read_text(encoding="utf-8")
    results = workdir / "results"

    # report.html: the payload never closes one of Snakemake's scripts, no file is included
    assert PAYLOAD not in html and "<i id=" not in html and f"<img id={MARK}" not in html
    assert key not in html
    # every table CSV: no config text cell starts a formula
    for name in ("table1.csv", "table1.data.csv"):
        text = (results / "tables" / name).read_text(encoding="utf-8")
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        assert not [c for c in cells if c.startswith(("=", "+", "@"))], name
        assert "'@SUM(A1)" in text
    # Markdown: no raw HTML, no link, no TeX math from the config
    for md in results.rglob("*.md"):
        text = md.read_text(encoding="utf-8")
        assert not re.search(r"(?<!\\)<(script|img|i )", text), md
        assert "](javascript" not in text.replace(r"\](javascript", ""), md
    assert r"\$\textbackslash{}input\{x\}\$" in (results / "tables/table1.tex").read_text()

    if CHROMIUM:  # what a reader sees: the payload as text, no injected element
        page = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--virtual-time-budget=15000", "--dump-dom", str(report)],
            capture_output=True, text=True, timeout=300, check=True,
        ).stdout  # fmt: skip
        shown = re.sub(r"<script\b.*?</script>", "", page, flags=re.DOTALL)  # our data
        assert f'id="{MARK}"' not in shown, "an element of the payload was created"
        assert f"<i id={MARK}" not in page and f"<img id={MARK}" not in page
        assert "Study &lt;/script&gt;&lt;script&gt;" in page  # the title, shown as text
        assert ".. include:: config/demo.key" in page and key not in page


def test_csv_safe_quotes_formula_text_in_every_other_csv():
    """Every CSV written by ``write_csv`` (attrition, survival, diagnostics, balance, ...):
    formula-like text quoted, numbers (also as text) and other text as they are."""
    frame = pd.DataFrame(
        {
            "step": ['=HYPERLINK("http://x")', "+1+1", "@SUM(A1)", "-2+3", "age >= 18"],
            "as_text": ["-0.25", "-1e-05", "+3", "\tx", "ok"],
            "n": [-1, 2, 3, 4, 5],
        }
    )
    out = esc.csv_safe(frame)
    assert list(out["step"]) == [
        '\'=HYPERLINK("http://x")',
        "'+1+1",
        "'@SUM(A1)",
        "'-2+3",
        "age >= 18",
    ]
    assert list(out["as_text"]) == ["-0.25", "-1e-05", "+3", "'\tx", "ok"]
    assert list(out["n"]) == [-1, 2, 3, 4, 5]
    clean = frame.iloc[[4]]
    assert esc.csv_safe(clean) is clean  # nothing to quote: the frame itself


def test_figures_print_dollar_text_never_mathtext(tmp_path):
    """A config label with ``$...$`` (an arm, an endpoint title) is printed as typed: read
    as mathtext it would render markup, and an unknown command stopped the figure job."""
    from spinepair.report.kmplot import km_figure

    arm = r"SRS $\undefinedcommand$"
    title = r"Survival $\frac{1}{2}$ <b>"
    groups = {arm: ([1.0, 2.0, 3.0, 4.0], [1, 0, 1, 0]), "RT": ([1.5, 2.5, 3.5], [1, 1, 0])}
    png, svg = tmp_path / "km.png", tmp_path / "km.svg"
    km_figure(groups, png, svg, ylabel=title, pvalue=0.5)
    text = svg.read_text(encoding="utf-8")
    assert r"SRS $\undefinedcommand$" in text  # fonttype none: the text as text
    assert r"Survival $\frac{1}{2}$ &lt;b&gt;" in text and png.stat().st_size > 1000


@pytest.mark.parametrize("field", ["results_dir", "raw_root", "site_specs"])
@pytest.mark.parametrize("value", ["r</script><script>x", "out/{site}", "a\nb", "it's"])
def test_config_paths_hold_no_markup(field, value):
    """A path reaches file names the report embeds in its scripts: markup is refused."""
    from spinepair.errors import ConfigError
    from spinepair.jobs.study_config import check_study_config

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    check_study_config(config | {field: "/scratch/my study/results"}, "study config")
    with pytest.raises(ConfigError, match=field):
        check_study_config(config | {field: value}, "study config")
