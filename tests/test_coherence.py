"""Every number a reader sees agrees with the ARD (spinepair.report.coherence)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from spinepair.report.coherence import (
    Anchors,
    Block,
    check,
    check_results,
    markdown_report,
    matches,
    svg_blocks,
    table_blocks,
    titles_of,
    tokens,
)


def _ard(**cols) -> pd.DataFrame:
    base = {"table": "survival", "row": "lc", "variable": "lc", "level": "", "arm": "all",
            "statistic": "cox_hr", "time": None, "value": 0.7134, "lower": 0.23, "upper": 2.2549,
            "n": 20, "denominator": None, "p": 0.566, "conf_level": 0.95, "method": "",
            "variant": "primary"}  # fmt: skip
    base.update(cols)
    return pd.DataFrame([base])


def test_tokens_read_numbers_as_printed():
    toks = tokens("HR 0.71 (95% CI 0.23-2.25), p<0.001, ≥4 mets, 12 mo 31%. Gy2/10 -0.52")
    assert [(t.text, t.decimals, t.percent) for t in toks] == [
        ("0.71", 2, False), ("95%", 0, True), ("0.23", 2, False), ("2.25", 2, False),
        ("12", 0, False), ("31%", 0, True), ("10", 0, False), ("-0.52", 2, False),
    ]  # fmt: skip


def test_matches_rounding_percent_and_reciprocal():
    tok = {t.text: t for t in tokens("0.71 0.72 71% 1.40 -0.71 2.3")}
    assert matches(tok["0.71"], [0.7134])
    assert not matches(tok["0.72"], [0.7134])
    assert matches(tok["71%"], [0.7134])
    assert matches(tok["1.40"], [0.7134])  # the ratio read the other way
    assert not matches(tok["-0.71"], [0.7134])  # a sign a reader would misread
    assert matches(tok["2.3"], [2.2549])


def test_a_number_of_another_quantity_is_a_mismatch():
    ard = pd.concat(
        [_ard(), _ard(row="os", variable="os", value=1.0, lower=0.48, upper=2.1, p=1.0)]
    )
    anchors = Anchors(ard, {"Local control": {"lc"}, "Overall survival": {"os"}})
    good = Block("summary.md", "", "- Local control: HR 0.71 (95% CI 0.23-2.25), Wald p=0.566")
    assert list(check([good], anchors)) == []
    bad = Block("summary.md", "", "- Local control: HR 1.00 (95% CI 0.23-2.25), p=0.527")
    found = [m.number for m in check([bad], anchors)]
    assert found == ["1.00", "0.527"]  # overall survival's HR and no p of local control


def test_table_rows_and_figure_annotations_are_blocks():
    shown = pd.DataFrame(
        {"Variable": ["Further treatment", "", "Toxicity"], "Level": ["", "Interval", ""],
         "SRS": ["6 (21.4%)", "5.5 ± 3.7", "9 (32.1%)"]}
    )  # fmt: skip
    blocks = table_blocks("t.csv", shown, {"Interval"})
    assert [b.anchor for b in blocks] == ["Further treatment", "Interval", "Toxicity"]
    svg = '<text x="1">0.2</text><text x="2">Stratified log-rank p &gt; 0.99</text>'
    assert [b.text for b in svg_blocks("f.svg", svg, "Local control")] == [
        "Stratified log-rank p &gt; 0.99"
    ]


@pytest.mark.workflow
def test_demo_outputs_agree_with_the_ard(demo_run, tmp_path):
    """Every number of the demo's tables, summary, diagnostics and figure annotations is the
    ARD's number of the quantity it labels (the workflow's coherence page says PASS); a
    changed number in a copy is found."""
    config = yaml.safe_load((demo_run / "config" / "config.yaml").read_text())
    titles, tables = titles_of(config), [*config["tables"], "survival"]
    results = demo_run / "results"
    result = check_results(results, titles, tables)
    assert not result.mismatches, "\n".join(map(str, result.mismatches))
    assert sum(result.checked.values()) > 1000
    assert {"summary.md", "diagnostics.md", "tables/table1.csv", "figures/km_lc.svg"} <= set(
        result.checked
    )
    page = (results / "coherence.md").read_text(encoding="utf-8")
    assert page == markdown_report(result) and "**PASS**" in page
    copy = tmp_path / "results"
    shutil.copytree(results, copy, ignore=shutil.ignore_patterns("logs", "benchmarks"))
    summary = (copy / "summary.md").read_text(encoding="utf-8")
    wrong = f"- {titles['os']}: HR 987.65 (95% CI 0.48-2.10)\n"
    (copy / "summary.md").write_text(summary + wrong, encoding="utf-8")
    found = check_results(copy, titles, tables).mismatches
    assert [(m.source, m.number) for m in found] == [("summary.md", "987.65")]
    assert "**FAIL**" in markdown_report(check_results(copy, titles, tables))
