"""love_plot job: balance table + diagnostic -> Love plot (PNG, SVG) and the balance page."""

from pathlib import Path

import pandas as pd

from spinepair import escape as esc
from spinepair.analysis import levels as vocab
from spinepair.escape import unmarked
from spinepair.jobs.jobio import atomic_path, run, write_text
from spinepair.matching.loveplot import config_labels, love_plot, love_rows
from spinepair.report.html_page import frame_to_html, page
from spinepair.report.richtext import pretty

sm = snakemake  # noqa: F821 (injected by Snakemake)
params = unmarked(sm.params)  # config text the rule made script-safe


def work():
    balance = pd.read_csv(sm.input.balance, dtype={"level": str}, keep_default_na=False)
    for col in balance.columns.drop(["variable", "level", "kind"]):
        balance[col] = pd.to_numeric(balance[col], errors="coerce")
    labels = config_labels(params.tables, params.labels)
    rows = love_rows(balance, params.matching, labels, lambda v, lv: pretty(vocab.label(v, lv)))
    with atomic_path(sm.output.svg) as svg, atomic_path(sm.output.png) as png:
        love_plot(rows, svg, png, params.thresholds)
    shown = rows.assign(
        **{c: rows[c].abs().map("{:.3f}".format) for c in ("smd_before", "smd_after")}
    ).set_axis(["Covariate", "Group", "|SMD| before", "|SMD| after"], axis=1)
    diagnostic = esc.html(Path(sm.input.diagnostic).read_text(encoding="utf-8"))
    body = f"<h2>Balance after matching</h2><pre>{diagnostic}</pre>" + frame_to_html(shown)
    write_text(page("Balance after matching", body), sm.output.html)


run(work, sm.log[0], "love_plot")
