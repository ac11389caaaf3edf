"""What a browser shows: a table's HTML and the Snakemake report opened in headless Chromium
(--dump-dom runs the report's JavaScript), checked for the rendered content."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from spinepair.report.publish import write_table
from tests.helpers.workflow import snakemake
from tests.test_tables import rendered

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def dom(path, budget_ms=5000) -> str:
    """The DOM of ``path`` after Chromium has run its scripts."""
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         f"--virtual-time-budget={budget_ms}", "--dump-dom", str(path)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return run.stdout


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|title)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@needs_chromium
def test_table_html_renders(tmp_path):
    table = rendered()["table1"]
    write_table(table, tmp_path / "table1")
    page = dom(tmp_path / "table1.html")
    rows = re.findall(r"<tr>.*?</tr>", page.split("<tbody>")[1], flags=re.DOTALL)
    assert len(rows) == len(table.rows)
    assert "<th>SRS (n = 6)</th>" in page and "Gy<sub>2/10</sub>" in page
    text = visible_text(page)
    assert "ECOG" in text and "≥2" in text and ">=" not in text
    first_note = next(iter(table.notes))
    assert f"Age, years<sup>{first_note}," in page
    shot = tmp_path / "table1.png"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
         str(tmp_path / "table1.html")],
        capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_chromium
@pytest.mark.workflow
def test_report_reads_on_its_own(demo_run, tmp_path):
    # written beside the run, not into the shared run's results/
    snakemake(demo_run, "--report", str(tmp_path / "report.html"))
    page = dom(tmp_path / "report.html", budget_ms=15000)
    text = visible_text(page)
    # landing page: title, description, design from the config, findings inline
    assert "SRS vs conventional RT for spine metastasis" in text
    assert "Multicenter retrospective matched-pair study" in text
    assert "Matched-pair comparison of SRS (index arm) with RT (comparator arm)" in text
    assert "Key findings" in text and "stratified log-rank" in text
    # sections in study order in the menu
    menu = ["1 Cohort", "2 Matching", "3 Outcomes", "4 Sensitivity", "5 Diagnostics"]
    found = [m for m in menu if m in text]
    assert found[:3] == menu[:3]
    assert [text.index(m) for m in found] == sorted(text.index(m) for m in found)
    # items: HTML pages (inline), labelled, captions rendered
    results = page.split("results = ", 1)[1]
    for item in ("summary.html", "balance.html", "table1.html", "attrition.html"):
        entry = results[results.index(f'/{item}": {{"name"') :][:4000]
        assert '"mime_type": "text/html"' in entry.split('"data_uri"')[0], item
    assert '"labels": {"no.": "3.2.1", "item": "Overall survival"' in results
    assert '"labels": {"no.": "3.2.2", "item": "Progression-free survival"' in results
    # the caption, rendered (one job draws every figure: the label names the endpoint)
    assert "Kaplan-Meier estimate of the endpoint this item names" in results
    assert "at least 10% of the patients were at risk" in results
