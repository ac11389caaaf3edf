"""survival job: the ARD's survival statistics -> results/survival.csv and the survival table
(results/tables/survival.csv/.data.csv/.md/.html/.tex/.docx)."""

from pathlib import Path

from spinepair.analysis.settings import arms_of
from spinepair.analysis.survival_summary import survival_table
from spinepair.analysis.survival_table import survival_publication_table
from spinepair.contracts.parquetfile import read_parquet
from spinepair.escape import unmarked
from spinepair.jobs.jobio import run, write_csv
from spinepair.report.publish import write_table

sm = snakemake  # noqa: F821 (injected by Snakemake)
params = unmarked(sm.params)  # config text the rule made script-safe


def work():
    ard = read_parquet(sm.input.ard)
    write_csv(survival_table(ard), sm.output.survival)
    table = survival_publication_table(
        ard, dict(params.titles), arms_of(params.study), int(params.min_at_risk)
    )
    write_table(table, Path(sm.output.table).with_suffix(""), params.mask_below)


run(work, sm.log[0], "survival")
