"""love_plot job: balance table + diagnostic -> Love plot (PNG, SVG) and the balance page."""

import html
from pathlib import Path

import pandas as pd

from spinepair.analysis import levels as vocab
from spinepair.jobs.jobio import atomic_path, run, write_text
from spinepair.matching.loveplot import config_labels, love_plot, love_rows
from spinepair.report.html_page import frame_to_html, page
from spinepair.report.richtext import pretty

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    balance = pd.read_csv(sm.input.balance, dtype={"level": str}, keep_default_na=False)
    for col in balance.columns.drop(["variable", "level", "kind"]):
        balance[col] = pd.to_numeric(balance[col], errors="coerce")
    labels = config_labels(sm.params.tables, sm.params.labels)
    rows = love_rows(balance, sm.params.matching, labels, lambda v, lv: pretty(vocab.label(v, lv)))
    with atomic_path(sm.output.svg) as svg, atomic_path(sm.output.png) as png:
        love_plot(rows, svg, png, sm.params.thresholds)
    shown = rows.assign(
        **{c: rows[c].abs().map("{:.3f}".format) for c in ("smd_before", "smd_after")}
    ).set_axis(["Covariate", "Group", "|SMD| before", "|SMD| after"], axis=1)
    diagnostic = html.escape(Path(sm.input.diagnostic).read_text(encoding="utf-8"))
    body = f"<h2>Balance after matching</h2><pre>{diagnostic}</pre>" + frame_to_html(shown)
    write_text(page("Balance after matching", body), sm.output.html)


run(work, sm.log[0], "love_plot")
