"""reproduce job: the ARD (and the pair frame, the ARDs of the variants the reference names) +
the published reference -> results/reproduction.md and .csv."""

import yaml

from spinepair.analysis.reproduce import reproduction, reproduction_markdown
from spinepair.contracts.parquetfile import read_parquet
from spinepair.jobs.jobio import log, run, write_csv, write_text

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    with open(sm.input.reference, encoding="utf-8") as fh:
        reference = yaml.safe_load(fh)
    variants = {
        name: read_parquet(path) for name, path in zip(sm.params.variants, sm.input.variants)
    }
    pf = read_parquet(sm.input.pairs_frame)
    lines = reproduction(read_parquet(sm.input.ard), reference, pf, variants)
    differs = lines[lines["result"] == "DIFFERS"]
    log.info("%d numbers compared, %d differ from the reference", len(lines), len(differs))
    write_csv(lines, sm.output.csv)
    write_text(reproduction_markdown(lines, reference), sm.output.md)


run(work, sm.log[0], "reproduce")
