"""The diagnostics job on the demo: the baseline-VAS imbalance is flagged and adjusted for; the
design (arm confounded with hospital, local failures before a first MRI) is flagged."""

import re

import pandas as pd
import pytest

from spinepair.escape import markdown_unescape

pytestmark = pytest.mark.workflow


def test_demo_diagnostics_flag_baseline_vas_and_adjust_for_it(demo_run):
    res = demo_run / "results"
    md = markdown_unescape((res / "diagnostics.md").read_text(encoding="utf-8"))  # as read
    vas = [line for line in md.splitlines() if re.match(r"- (WARN|FAIL): Pretreatment VAS:", line)]
    assert len(vas) == 1, md
    assert "[declared prognostic]" in vas[0]
    diag = pd.read_csv(res / "diagnostics.csv")
    adjusted = diag[(diag["table"] == "adjusted") & (diag["variable"] == "vas_pre")]
    est = adjusted.set_index(["row", "statistic"])["value"]
    # change = pre - post, so adjusting the change for pre is adjusting post for pre (ANCOVA):
    # the two adjusted differences are equal and opposite, the unadjusted ones are not.
    assert est[("vas_change", "adjusted_estimate")] == pytest.approx(
        -est[("vas_post", "adjusted_estimate")], abs=1e-9
    )
    raw_change, raw_post = pd.read_parquet(res / "analysis" / "pairs_frame.parquet").pipe(
        lambda pf: [(pf[f"{c}_idx"] - pf[f"{c}_cmp"]).mean() for c in ("vas_change", "vas_post")]
    )
    assert est[("vas_change", "unadjusted_estimate")] == pytest.approx(raw_change, abs=1e-12)
    assert est[("vas_post", "unadjusted_estimate")] == pytest.approx(raw_post, abs=1e-12)
    summary = (res / "summary.md").read_text(encoding="utf-8")
    assert "VAS change, adjusted for Pretreatment VAS:" in summary
    assert "pairs for 80% power" not in summary  # no effect declared: no power from observed


def test_demo_diagnostics_flag_the_design(demo_run):
    res = demo_run / "results"
    md = markdown_unescape((res / "diagnostics.md").read_text(encoding="utf-8"))
    # SRS only at hospitals A and B, RT only at C and D: every pair crosses hospitals
    assert "- WARN: Arm by site: 0 of 28 pairs within one site (SRS at A, B; RT at C, D)" in md
    # local failures at 0.59, 0.76, 0.89 (SRS) and 0.89 (RT) months, before a first MRI at 1.5
    assert "- WARN: Local control: 4 events before 1.5 months" in md
    summary = markdown_unescape((res / "summary.md").read_text(encoding="utf-8"))
    limits = summary.split("## Limitations")[1]
    assert "Treatment arm is completely confounded with hospital" in limits
    assert "Local control: 4 events are dated before a plausible first assessment" in limits
