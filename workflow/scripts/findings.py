"""findings job: the ARD -> results/summary.md, one line per finding."""

import pandas as pd

from spinepair.analysis.findings import summary_markdown
from spinepair.analysis.settings import arms_of
from spinepair.contracts.parquetfile import read_parquet
from spinepair.jobs.jobio import run, write_text

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    ard = read_parquet(sm.input.ard)
    params = {
        "endpoints": dict(sm.params.endpoints),
        "mask_below": sm.params.mask_below,
        "min_at_risk": sm.params.min_at_risk,
        "primary": list(sm.params.primary),
    }
    diagnostics = None
    if hasattr(sm.input, "diagnostics"):  # the study config declares analysis.diagnostics
        diagnostics = pd.read_csv(sm.input.diagnostics).fillna({"status": "", "message": ""})
    text = summary_markdown(
        ard, dict(sm.params.tables), arms_of(sm.params.study), params, diagnostics
    )
    write_text(text, sm.output.summary)


run(work, sm.log[0], "findings")
