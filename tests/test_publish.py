"""Table writers: CSV round trip, Markdown/HTML/LaTeX escaping, masking, deterministic bytes."""

from __future__ import annotations

import pandas as pd

from spinepair.analysis.tables import Table
from spinepair.report.publish import mask_cell, tex_escape, write_table
from tests.test_tables import rendered


def small_table() -> Table:
    rows = pd.DataFrame(
        {
            "Variable": ["Age_years & 50% of #1", "Toxicity", "", "Sex (M : F)"],
            "Level": ["", "", "Grade >=3", ""],
            "SRS": ["58.7 ± 13.8", "3 (10.7%)", "0", "26 : 2"],
            "RT": ["59.7 ± 9.9", "17 (60.7%)", "12", "25 : 3"],
            "p": ["0.540", "0.040", "", ""],
            "Test": ["paired t", "McNemar", "", ""],
            "SMD": ["-0.083", "-1.125", "", ""],
        }
    )
    return Table("t", "Table X. <Demo> & {escapes}", rows, ["Footnote with $ and ~ and \\"])


def test_csv_round_trip(tmp_path):
    table = small_table()
    paths = write_table(table, tmp_path / "t")
    assert [p.suffix for p in paths] == [".csv", ".md", ".html", ".tex"]
    back = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(back, table.rows)


def test_real_table_round_trip(tmp_path):
    table = rendered()["table2"]
    write_table(table, tmp_path / "table2")
    back = pd.read_csv(tmp_path / "table2.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(back, table.rows.astype(str))
    md = (tmp_path / "table2.md").read_text(encoding="utf-8")
    assert all(note.replace("|", "\\|") in md for note in table.footnotes)


def test_latex_escapes(tmp_path):
    write_table(small_table(), tmp_path / "t")
    tex = (tmp_path / "t.tex").read_text(encoding="utf-8")
    assert r"Age\_years \& 50\% of \#1" in tex
    assert r"58.7 $\pm$ 13.8" in tex
    assert r"Grade $\geq$3" in tex
    assert r"\caption{Table X. \textless{}Demo\textgreater{} \& \{escapes\}}" in tex
    assert r"Footnote with \$ and \textasciitilde{} and \textbackslash{}" in tex
    assert r"\toprule" in tex and r"\bottomrule" in tex
    assert tex_escape("a_b^c") == r"a\_b\textasciicircum{}c"
    assert tex_escape("<=1, <2, >=3") == r"$\leq$1, \textless{}2, $\geq$3"


def test_html_and_markdown(tmp_path):
    write_table(small_table(), tmp_path / "t")
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "Age_years &amp; 50% of #1" in page and "&lt;Demo&gt;" in page
    assert "<li>Footnote with $ and ~ and \\</li>" in page
    md = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert "| Sex (M : F) |  | 26 : 2 | 25 : 3 |" in md
    assert "1. Footnote with $ and ~ and \\" in md


def test_masking_in_every_format(tmp_path):
    write_table(small_table(), tmp_path / "t", mask_below=5)
    csv = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    assert csv["SRS"].tolist() == ["58.7 ± 13.8", "<5", "<5", "26 : <5"]
    assert csv["RT"].tolist() == ["59.7 ± 9.9", "17 (60.7%)", "12", "25 : <5"]
    assert csv["p"].tolist()[:2] == ["0.540", "0.040"]  # p and SMD never masked
    for ext in (".md", ".html", ".tex"):
        text = (tmp_path / f"t{ext}").read_text(encoding="utf-8")
        assert "10.7" not in text and "3 (" not in text
        assert "Counts below 5" in text
    assert mask_cell("4 (14.3%)", 5) == "<5" and mask_cell("5 (17.9%)", 5) == "5 (17.9%)"
    assert mask_cell("0", 5) == "<5" and mask_cell("3", None) == "3"
    assert mask_cell("1.0 ± 0.5", 5) == "1.0 ± 0.5"


def test_deterministic_bytes(tmp_path):
    table = rendered()["table2"]
    write_table(table, tmp_path / "a" / "t", mask_below=3)
    write_table(table, tmp_path / "b" / "t", mask_below=3)
    for ext in (".csv", ".md", ".html", ".tex"):
        assert (tmp_path / "a" / f"t{ext}").read_bytes() == (
            tmp_path / "b" / f"t{ext}"
        ).read_bytes()
