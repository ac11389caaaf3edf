"""tables job: the ARD + the study config's table declarations -> Tables 1-3 (csv/md/html/tex)."""

from pathlib import Path

import pandas as pd

from spinepair.analysis.settings import arms_of
from spinepair.analysis.tables import render_tables
from spinepair.jobs.jobio import run
from spinepair.report.publish import write_table

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    ard = pd.read_parquet(sm.input.ard)
    tables = render_tables(ard, dict(sm.params.tables), arms_of(sm.params.study))
    for name, table in tables.items():
        write_table(table, Path(sm.output[name]).with_suffix(""), sm.params.mask_below)


run(work, sm.log[0], "tables")
