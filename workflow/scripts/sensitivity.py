"""sensitivity job: one variant of the study config -> its ARD and matched pairs."""

from pathlib import Path

import pandas as pd

from spinepair.analysis.sensitivity import StudySettings, run_variant
from spinepair.contracts.cdm import TABLE_NAMES
from spinepair.jobs.jobio import log, run, write_parquet

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    prm = sm.params
    folders = dict.fromkeys(Path(p).parent for p in sm.input.ingested)
    site_tables = {
        folder.name: {t: pd.read_parquet(folder / f"{t}.parquet") for t in TABLE_NAMES}
        for folder in folders
    }
    settings = StudySettings(
        endpoints=dict(prm.endpoints),
        eligibility=list(prm.eligibility),
        matching=dict(prm.matching),
        arms=tuple(prm.arms),
        tables={name: dict(decl) for name, decl in prm.tables.items()},
        analysis=dict(prm.analysis),
    )
    compare = list(prm.compare)
    primary = pd.concat(
        [pd.read_parquet(p, columns=["patient_key", *compare]) for p in sm.input.derived],
        ignore_index=True,
    )
    result = run_variant(sm.wildcards.variant, site_tables, settings, primary, compare)
    log.info("variant %s: %d pairs", sm.wildcards.variant, len(result.pairs))
    write_parquet(result.ard, sm.output.ard)
    write_parquet(result.pairs, sm.output.pairs)


run(work, sm.log[0], f"sensitivity variant {sm.wildcards.variant}")
