"""tables job: the ARD + the study config's table declarations -> Tables 1-3 (csv/md/html/tex)."""

from pathlib import Path

from spinepair.analysis.settings import arms_of
from spinepair.analysis.tables import render_tables
from spinepair.contracts.parquetfile import read_parquet
from spinepair.escape import unmarked
from spinepair.jobs.jobio import run
from spinepair.report.publish import write_table

sm = snakemake  # noqa: F821 (injected by Snakemake)
params = unmarked(sm.params)  # config text the rule made script-safe


def work():
    ard = read_parquet(sm.input.ard)
    tables = render_tables(ard, dict(params.tables), arms_of(params.study), params.analysis)
    for name, table in tables.items():
        write_table(table, Path(sm.output[name]).with_suffix(""), params.mask_below)


run(work, sm.log[0], "tables")
