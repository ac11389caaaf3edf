"""select job: eligibility steps of one site -> cohort with reasons and attrition counts."""

from spinepair.cohort.eligibility import select
from spinepair.contracts.parquetfile import read_parquet
from spinepair.contracts.stages import load_stage_schema
from spinepair.jobs.jobio import log, run, write_csv, write_parquet

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    cohort, attrition = select(read_parquet(sm.input[0]), list(sm.params.steps))
    load_stage_schema("cohort.yaml").validate(cohort, lazy=True)
    for row in attrition.itertuples():
        log.info(
            "%s %s step %d %s: %d -> %d",
            row.site,
            row.arm,
            row.step_no,
            row.step,
            row.n_before,
            row.n_after,
        )
    write_parquet(cohort, sm.output.cohort)
    write_csv(attrition, sm.output.attrition)


run(work, sm.log[0], f"select of site {sm.wildcards.site}")
