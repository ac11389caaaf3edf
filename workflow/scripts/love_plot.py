"""love_plot job: the match stage's balance -> Love plot (PNG, SVG) and the balance page.

The page shows the verdict per covariate (the diagnostics' thresholds, the same function as
rule match and rule diagnostics), then the balance as MatchIt's ``summary`` gives it: means
per arm and SMD in the eligible cohort and in the matched pairs.
"""

from pathlib import Path

import pandas as pd

from spinepair import escape as esc
from spinepair.analysis import levels as vocab
from spinepair.escape import unmarked
from spinepair.jobs.jobio import atomic_path, run, write_text
from spinepair.matching.balance import read_balance, verdicts
from spinepair.matching.loveplot import love_plot, love_rows
from spinepair.report.html_page import frame_to_html, page
from spinepair.report.richtext import pretty

sm = snakemake  # noqa: F821 (injected by Snakemake)
params = unmarked(sm.params)  # config text the rule made script-safe


def _name(label: str, variable: str, level: str) -> str:
    return label if level in ("", "True") else f"{label}: {pretty(vocab.label(variable, level))}"


def work():
    balance = read_balance(sm.input.balance)
    warn, fail = params.thresholds
    rows = love_rows(balance, lambda v, lv: pretty(vocab.label(v, lv)))
    with atomic_path(sm.output.svg) as svg, atomic_path(sm.output.png) as png:
        love_plot(rows, svg, png, [t for t in (warn, fail) if t is not None])
    index, comparator = params.arms["index_arm"], params.arms["comparator_arm"]
    verdict = verdicts(balance, warn, fail)
    shown = pd.DataFrame(
        {
            "Covariate": [_name(r.label, r.variable, r.level) for r in verdict.itertuples()],
            "|SMD| before": verdict["before"].map("{:.3f}".format),
            "|SMD| after (largest level)": verdict["abs_smd"].map("{:.3f}".format),
            "Verdict": verdict["status"],
        }
    )
    f3 = "{:.3f}".format
    full = pd.DataFrame(
        {
            "Covariate": [_name(r.label, r.variable, r.level) for r in balance.itertuples()],
            f"{index}, eligible": balance["mean_treated_before"].map(f3),
            f"{comparator}, eligible": balance["mean_control_before"].map(f3),
            "SMD before": balance["smd_before"].map(f3),
            f"{index}, matched": balance["mean_treated_after"].map(f3),
            f"{comparator}, matched": balance["mean_control_after"].map(f3),
            "SMD after": balance["smd_after"].map(f3),
        }
    )
    sd = {"treated": f"the SD of the {index} arm", "pooled": "the pooled SD of both arms"}
    limits = f"PASS up to |SMD| {warn}, WARN above it" + (f", FAIL above {fail}" if fail else "")
    diagnostic = esc.html(Path(sm.input.diagnostic).read_text(encoding="utf-8"))
    body = (
        f"<h2>Verdict per covariate</h2><p>{esc.html(limits)}; a categorical covariate is"
        " graded on its level with the largest |SMD| after matching.</p>"
        + frame_to_html(shown)
        + "<h2>Eligible cohort and matched pairs</h2><p>Means (a level's proportion) per arm"
        f" in the eligible cohort (before matching) and in the matched pairs; SMD = difference"
        f" in means / {esc.html(sd[balance['denominator'].iloc[0]])} in the eligible cohort,"
        " the same denominator before and after matching (as MatchIt's summary).</p>"
        + frame_to_html(full)
        + f"<h2>Match stage</h2><pre>{diagnostic}</pre>"
    )
    write_text(page("Balance before and after matching", body), sm.output.html)


run(work, sm.log[0], "love_plot")
