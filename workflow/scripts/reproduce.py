"""reproduce job: the ARD + the published reference -> results/reproduction.md and .csv."""

import yaml

from spinepair.analysis.reproduce import reproduction, reproduction_markdown
from spinepair.contracts.parquetfile import read_parquet
from spinepair.jobs.jobio import log, run, write_csv, write_text

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    with open(sm.input.reference, encoding="utf-8") as fh:
        reference = yaml.safe_load(fh)
    lines = reproduction(read_parquet(sm.input.ard), reference)
    differs = lines[lines["result"] == "DIFFERS"]
    log.info("%d numbers compared, %d differ from the reference", len(lines), len(differs))
    write_csv(lines, sm.output.csv)
    write_text(reproduction_markdown(lines, reference), sm.output.md)


run(work, sm.log[0], "reproduce")
