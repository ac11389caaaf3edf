"""km_figure job: one endpoint's Kaplan-Meier figure from the pair frame, p-value from the ARD."""

from pathlib import Path

import pandas as pd

from spinepair.analysis.analyse import arms_of
from spinepair.analysis.ard import value
from spinepair.analysis.survival_summary import km_groups
from spinepair.jobs.jobio import atomic_path, run

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    from spinepair.report.kmplot import km_figure

    endpoint, options = sm.wildcards.endpoint, dict(sm.params.figures)
    groups = km_groups(pd.read_parquet(sm.input.pairs_frame), endpoint, arms_of(sm.params.study))
    pvalue = value(pd.read_parquet(sm.input.ard), "survival", endpoint, "logrank_p", arm="all")
    png = Path(sm.output.png)
    with atomic_path(png) as tmp_png, atomic_path(sm.output.svg) as tmp_svg:
        km_figure(
            groups, sm.params.title, pvalue, None, tmp_png, tmp_svg,
            conf_type=sm.params.conf_type, **options,
        )  # fmt: skip


run(work, sm.log[0], "km_figure")
