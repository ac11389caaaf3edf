"""Table writers: formatted and numeric CSV, Markdown/HTML/LaTeX symbols, subscripts and
footnote markers, masking, deterministic bytes."""

from __future__ import annotations

import pandas as pd

from spinepair.analysis.tables import Table
from spinepair.report.publish import mask_cell, tex_escape, write_table
from spinepair.report.richtext import as_tex, plain, pretty
from tests.test_tables import rendered

EXTS = (".csv", ".md", ".html", ".tex", ".data.csv", ".docx")


def small_table() -> Table:
    rows = pd.DataFrame(
        {
            "Variable": ["Age_years & 50% of #1", "Toxicity", "", "nBED, Gy2/10"],
            "Level": ["", "", "Grade >=3", ""],
            "SRS": ["58.7 ± 13.8", "3 (10.7%)", "0", "26 : 2"],
            "RT": ["59.7 ± 9.9", "17 (60.7%)", "12", "25 : 3"],
            "p": ["0.540", "0.040", "", ""],
        }
    )
    return Table(
        "t",
        "Table X. <Demo> & {escapes}",
        rows,
        ["Footnote with $ and ~ and \\"],
        notes={"a": "paired t-test.", "b": "McNemar: no discordant pairs, p = 1."},
        marks=[("a",), ("b",), ("b",), ()],
        header=["Variable", "Level", "SRS (n = 28)", "RT (n = 28)", "p"],
    )


def test_formatted_csv_and_symbols(tmp_path):
    paths = write_table(small_table(), tmp_path / "t")
    assert [p.name.removeprefix("t") for p in paths] == [e for e in EXTS if e != ".data.csv"]
    back = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    assert list(back.columns) == ["Variable", "Level", "SRS (n = 28)", "RT (n = 28)", "p", "Notes"]
    assert back["Level"].tolist()[2] == "Grade ≥3" and back["Variable"][3] == "nBED, Gy₂/₁₀"
    assert back["Notes"].tolist() == ["a", "b", "b", ""]


def test_numeric_csv_is_the_ard(tmp_path):
    table = rendered()["table1"]
    write_table(table, tmp_path / "table1")
    data = pd.read_csv(tmp_path / "table1.data.csv", keep_default_na=False)
    age = data[(data["row"] == "age_years") & (data["statistic"] == "p")].iloc[0]
    # R: t.test(c(50,62,71,45,58,66), c(52,60,70,49,61,63), paired=TRUE)$p.value = 0.6884275698
    assert abs(float(age["value"]) - 0.6884275698) < 1e-9 and age["label"] == "Age, years"


def test_latex(tmp_path):
    write_table(small_table(), tmp_path / "t")
    tex = (tmp_path / "t.tex").read_text(encoding="utf-8")
    assert r"Age\_years \& 50\% of \#1\textsuperscript{a}" in tex
    assert r"58.7 $\pm$ 13.8" in tex and r"Grade $\geq$3\textsuperscript{b}" in tex
    assert r"nBED, Gy$_{2/10}$" in tex
    assert r"\caption{Table X. \textless{}Demo\textgreater{} \& \{escapes\}}" in tex
    assert r"\textsuperscript{b}~McNemar: no discordant pairs, p = 1.\par" in tex
    assert r"Footnote with \$ and \textasciitilde{} and \textbackslash{}" in tex
    assert tex_escape("a_b^c") == r"a\_b\textasciicircum{}c"
    assert tex_escape("<=1, <2, >=3") == r"$\leq$1, \textless{}2, $\geq$3"
    assert as_tex("EQD2 in Gy2/10") == r"EQD$_{2}$ in Gy$_{2/10}$"


def test_html_and_markdown(tmp_path):
    write_table(small_table(), tmp_path / "t")
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "Age_years &amp; 50% of #1<sup>a</sup>" in page and "&lt;Demo&gt;" in page
    assert "nBED, Gy<sub>2/10</sub>" in page and "Grade ≥3<sup>b</sup>" in page
    assert "<th>SRS (n = 28)</th>" in page
    assert '<p class="notes"><sup>b</sup> McNemar: no discordant pairs, p = 1.</p>' in page
    md = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert "| nBED, Gy₂/₁₀ |  | 26 : 2 | 25 : 3 |  |" in md
    assert "|  | Grade ≥3ᵇ | 0 | 12 |  |" in md
    assert "ᵇ McNemar: no discordant pairs, p = 1." in md


def test_rich_text():
    assert pretty("ECOG >=2, <=1, +/- 2, alpha/beta") == "ECOG ≥2, ≤1, ± 2, α/β"
    assert plain("Gy2/10 and EQD2") == "Gy₂/₁₀ and EQD₂"
    assert plain("30 Gy, margin_dose_gy2") == "30 Gy, margin_dose_gy2"


def test_masking_in_every_format(tmp_path):
    write_table(small_table(), tmp_path / "t", mask_below=5)
    csv = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    assert csv["SRS (n = 28)"].tolist() == ["58.7 ± 13.8", "<5", "<5", "26 : <5"]
    assert csv["RT (n = 28)"].tolist() == ["59.7 ± 9.9", "17 (60.7%)", "12", "25 : <5"]
    assert csv["p"].tolist()[:2] == ["0.540", "0.040"]  # p never masked
    for ext in (".md", ".html", ".tex"):
        text = (tmp_path / f"t{ext}").read_text(encoding="utf-8")
        assert "10.7" not in text and "3 (" not in text
        assert "Counts below 5" in text
    assert mask_cell("4 (14.3%)", 5) == "<5" and mask_cell("5 (17.9%)", 5) == "5 (17.9%)"
    assert mask_cell("0", 5) == "<5" and mask_cell("3", None) == "3"
    assert mask_cell("1.0 ± 0.5", 5) == "1.0 ± 0.5"


def test_masking_of_the_numeric_csv(tmp_path):
    write_table(rendered()["table1"], tmp_path / "t", mask_below=3)
    data = pd.read_csv(tmp_path / "t.data.csv")
    counts = data[data["statistic"] == "n"]
    assert counts["value"].dropna().min() >= 3 and counts["value"].isna().any()


def test_deterministic_bytes(tmp_path):
    table = rendered()["table2"]
    write_table(table, tmp_path / "a" / "t", mask_below=3)
    write_table(table, tmp_path / "b" / "t", mask_below=3)
    for ext in EXTS:
        assert (tmp_path / "a" / f"t{ext}").read_bytes() == (
            tmp_path / "b" / f"t{ext}"
        ).read_bytes()
