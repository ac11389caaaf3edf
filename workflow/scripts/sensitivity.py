"""sensitivity job: one variant of the study config -> its ARD and matched pairs."""

from pathlib import Path

import pandas as pd

from spinepair.analysis.sensitivity import StudySettings, derive_sites, run_variant
from spinepair.contracts.cdm import TABLE_NAMES
from spinepair.jobs.jobio import log, run, write_parquet

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    prm = sm.params
    primary = {Path(p).stem: pd.read_parquet(p) for p in sm.input.derived}
    if prm.rederive:
        folders = dict.fromkeys(Path(p).parent for p in sm.input.ingested)
        site_tables = {
            folder.name: {t: pd.read_parquet(folder / f"{t}.parquet") for t in TABLE_NAMES}
            for folder in folders
        }
        site_derived = derive_sites(site_tables, prm.endpoints)
    else:  # the primary endpoints: the derive jobs' rows are this variant's
        site_derived = primary
    settings = StudySettings(
        endpoints=dict(prm.endpoints),
        eligibility=list(prm.eligibility),
        matching=dict(prm.matching),
        arms=tuple(prm.arms),
        tables={name: dict(decl) for name, decl in prm.tables.items()},
        analysis=dict(prm.analysis),
    )
    result = run_variant(
        sm.wildcards.variant,
        site_derived,
        settings,
        pd.concat(primary.values(), ignore_index=True),
        list(prm.compare),
    )
    log.info("variant %s: %d pairs", sm.wildcards.variant, len(result.pairs))
    write_parquet(result.ard, sm.output.ard)
    write_parquet(result.pairs, sm.output.pairs)


run(work, sm.log[0], f"sensitivity variant {sm.wildcards.variant}")
