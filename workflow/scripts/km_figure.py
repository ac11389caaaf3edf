"""km_figure job: one endpoint's Kaplan-Meier figure from the pair frame; the stratified
log-rank p and the hazard ratio (95% CI) from the ARD."""

from pathlib import Path

import pandas as pd

from spinepair.analysis.ard import select
from spinepair.analysis.settings import arms_of
from spinepair.analysis.survival_summary import km_groups
from spinepair.jobs.jobio import atomic_path, run

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    from spinepair.report.kmplot import km_figure

    endpoint, options = sm.wildcards.endpoint, dict(sm.params.figures)
    options.pop("labels", None)  # Love plot labels
    arms = arms_of(sm.params.study)
    groups = km_groups(pd.read_parquet(sm.input.pairs_frame), endpoint, arms)
    ard = select(pd.read_parquet(sm.input.ard), "survival", endpoint, arm="all")
    p = ard.loc[ard["statistic"] == "logrank_p", "value"]
    hr = ard.loc[ard["statistic"] == "cox_hr", ["value", "lower", "upper"]]
    with atomic_path(Path(sm.output.png)) as png, atomic_path(sm.output.svg) as svg:
        km_figure(
            groups, png, svg,
            ylabel=f"{sm.params.title} probability",
            pvalue=float(p.iloc[0]) if len(p) else None,
            hr=tuple(hr.iloc[0]) if len(hr) else None,
            conf_type=sm.params.conf_type,
            ci=options.pop("ci", False),
            horizon=options.pop("horizon_months", None),
            risk_fraction=options.pop("risk_fraction", 0.1),
            **options,
        )  # fmt: skip


run(work, sm.log[0], "km_figure")
