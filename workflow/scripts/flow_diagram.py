"""flow_diagram job: pooled attrition + analysed numbers (ARD) -> STROBE-style flow diagram."""

import pandas as pd

from spinepair.cohort.flow import analysed_from_ard, study_flow
from spinepair.contracts.parquetfile import read_parquet
from spinepair.escape import unmarked
from spinepair.jobs.jobio import atomic_path, run

sm = snakemake  # noqa: F821 (injected by Snakemake)
params = unmarked(sm.params)  # config text the rule made script-safe


def work():
    from spinepair.cohort.flowchart import flow_diagram

    arms = [params.arms["index_arm"], params.arms["comparator_arm"]]
    attrition = pd.read_csv(sm.input.attrition, keep_default_na=False)
    analysed = analysed_from_ard(read_parquet(sm.input.ard), dict(params.titles))
    records = pd.read_csv(sm.input.records, dtype={"site": "string", "arm": "string"})
    with atomic_path(sm.output.svg) as svg, atomic_path(sm.output.png) as png:
        flow_diagram(study_flow(attrition, arms, analysed, records), svg, png)


run(work, sm.log[0], "flow diagram")
