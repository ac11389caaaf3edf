"""survival job: the ARD's survival statistics -> results/survival.csv."""

from spinepair.analysis.survival_summary import survival_table
from spinepair.contracts.parquetfile import read_parquet
from spinepair.jobs.jobio import run, write_csv

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    write_csv(survival_table(read_parquet(sm.input.ard)), sm.output.survival)


run(work, sm.log[0], "survival")
