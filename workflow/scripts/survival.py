"""survival job: the ARD's survival statistics -> results/survival.csv."""

import pandas as pd

from spinepair.analysis.survival_summary import survival_table
from spinepair.jobs.jobio import run, write_csv

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    write_csv(survival_table(pd.read_parquet(sm.input.ard)), sm.output.survival)


run(work, sm.log[0], "survival")
