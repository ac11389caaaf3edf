"""summary_markdown: one line per finding, numbers from the tables and survival table, paper's
value at the end, masking of small counts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from spinepair import stats
from spinepair.analysis.findings import summary_markdown
from spinepair.analysis.pair_frame import pair_frame
from spinepair.analysis.survival_summary import survival_table
from spinepair.analysis.tables import table1, table2, table3
from tests.test_tables import PARAMS, synthetic

PAPER = yaml.safe_load(
    (Path(__file__).parents[1] / "config" / "reference_paper.yaml").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def inputs():
    pf = pair_frame(*synthetic())
    tables = {
        "table1": table1(pf, PARAMS),
        "table2": table2(pf, PARAMS),
        "table3": table3(pf, PARAMS),
    }
    return tables, survival_table(pf, PARAMS)


def line(text: str, start: str) -> str:
    hits = [ln for ln in text.splitlines() if ln.startswith(start)]
    assert len(hits) == 1, (start, text)
    return hits[0]


def test_lines(inputs):
    tables, surv = inputs
    text = summary_markdown(tables, surv, PARAMS, PAPER)
    # pain: SRS complete 1 + partial 3 of 6; RT complete 0 + partial 3 of 6 (hand count)
    pain = line(text, "- Pain relief (complete+partial)")
    bowker_p = stats.bowker(
        ["partial", "partial", "stable", "partial", "complete"],
        ["partial", "partial", "partial", "stable", "stable"],
        categories=["complete", "partial", "stable", "progression"],
    ).pvalue
    assert f"SRS 4/6 (66.7%) vs RT 3/6 (50.0%), Bowker (all four levels) p={bowker_p:.3f}" in pain
    assert pain.endswith("Paper: SRS 18, RT 16, p=0.83.")
    tox = line(text, "- Toxicity (any)")
    p = stats.mcnemar([1, 0, 1, 0, 0, 0], [0, 1, 0, 1, 1, 1]).pvalue
    assert f"SRS 2/6 (33.3%) vs RT 4/6 (66.7%), McNemar p={p:.3f}" in tox
    assert tox.endswith("Paper: SRS 9, RT 17, p=0.04.")
    assert line(text, "- nBED").endswith("Paper: SRS 58.4 ± 13.5 vs RT 33.7 ± 6.7, p=0.0001.")
    os_line = line(text, "- Overall survival")
    # R: quantile(survfit(Surv(os_t[7:12], os_e[7:12]) ~ 1, conf.type="log-log"), .5): 10 (6-NA)
    assert "RT 10.0 (95% CI 6.0-NA) months" in os_line
    assert "HR SRS vs RT 0.67 (95% CI 0.11-3.99)" in os_line  # R coxph, see test_survival_summary
    assert os_line.endswith("Paper: median SRS 8 vs RT 10 months, p=0.85.")
    lc = line(text, "- Local control")
    assert "SRS 1 mo 100%, 2 mo 100%, 3 mo 100%, 6 mo 100%, 12 mo 38%" in lc  # R: 0.375
    # RT: nobody followed to 12 months (R summary(survfit, times = 12) gives no row)
    assert "RT 1 mo 100%, 2 mo 100%, 3 mo 100%, 6 mo 60%, 12 mo not estimable" in lc
    assert lc.endswith("RT 1 mo 92%, 2 mo 87%, 3 mo 78%, 6 mo 64%, 12 mo 32%.")


def test_masking_and_no_paper(inputs):
    tables, surv = inputs
    text = summary_markdown(tables, surv, {**PARAMS, "mask_below": 3})
    tox = line(text, "- Toxicity (any)")
    assert "SRS <3/6 vs RT 4/6 (66.7%)" in tox and tox.endswith("Paper: n/a.")
    assert "33.3" not in tox
