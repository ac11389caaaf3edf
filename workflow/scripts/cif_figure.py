"""cif_figure job: one competing-risk endpoint's cumulative incidence figure from the ARD."""

from pathlib import Path

import pandas as pd

from spinepair.analysis.ard import select
from spinepair.analysis.settings import arms_of
from spinepair.jobs.jobio import atomic_path, run

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    from spinepair.report.kmplot import cif_curves, cif_figure

    rows = select(pd.read_parquet(sm.input.ard), "competing", sm.wildcards.key)
    gray = rows.loc[(rows["statistic"] == "gray_p") & (rows["arm"] == "all"), "value"]
    options = {k: v for k, v in sm.params.figures.items() if k in ("width", "dpi", "xlabel")}
    with atomic_path(Path(sm.output.png)) as png, atomic_path(sm.output.svg) as svg:
        cif_figure(
            cif_curves(rows, arms_of(sm.params.study)), png, svg,
            ylabel=f"Cumulative incidence, {sm.params.title.lower()}",
            pvalue=float(gray.iloc[0]) if len(gray) else None,
            ci=sm.params.figures.get("ci", False),
            **options,
        )  # fmt: skip


run(work, sm.log[0], "cif_figure")
