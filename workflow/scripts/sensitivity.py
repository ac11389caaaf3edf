"""sensitivity job: every variant of the study config -> its ARD and matched pairs.

The sites are pooled here as in match: sites pseudonymised with different keys are refused.
The variants run one after the other in this one process (a job's imports cost more than a
variant's work); each starts from the files, as a job of its own would.
"""

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from spinepair.analysis.analyse import read_paired_derived
from spinepair.analysis.sensitivity import StudySettings, derive_sites, run_variant
from spinepair.contracts.cdm import TABLE_NAMES
from spinepair.contracts.parquetfile import read_parquet
from spinepair.errors import SpinepairError
from spinepair.jobs.jobio import log, run, write_parquet
from spinepair.keys import check_pooled_sites

sm = snakemake  # noqa: F821 (injected by Snakemake)


def read_derived() -> Iterator[pd.DataFrame]:
    """The derive jobs' rows of each site in turn (the primary endpoints)."""
    for path in sm.input.derived:
        yield read_parquet(path)


def read_ingested() -> Iterator[dict[str, pd.DataFrame]]:
    """The ingested tables of each site in turn."""
    for folder in dict.fromkeys(Path(p).parent for p in sm.input.ingested):
        yield {t: read_parquet(folder / f"{t}.parquet") for t in TABLE_NAMES}


def work():
    patients = [p for p in sm.input.ingested if Path(p).name == "patients.parquet"]
    check_pooled_sites(patients, sm.params.key_fingerprint)
    for name, variant in sm.params.variants.items():
        try:
            run_one(name, variant)
        except SpinepairError:
            log.error("sensitivity variant %s failed", name)
            raise


def run_one(name: str, variant: dict) -> None:
    prm = sm.params
    if variant["rederive"]:
        site_derived = derive_sites(read_ingested(), variant["endpoints"])
    else:  # the primary endpoints: the derive jobs' rows are this variant's
        site_derived = read_derived()
    settings = StudySettings(
        endpoints=dict(variant["endpoints"]),
        eligibility=list(variant["eligibility"]),
        matching=dict(variant["matching"]),
        arms=tuple(prm.arms),
        tables={table: dict(decl) for table, decl in variant["tables"].items()},
        analysis=dict(variant["analysis"]),
        balance=dict(variant["balance"]),
    )
    result = run_variant(
        name,
        site_derived,
        settings,
        lambda pairs: read_paired_derived(sm.input.derived, pairs),
        list(prm.compare),
    )
    log.info("variant %s: %d pairs", name, len(result.pairs))
    write_parquet(result.ard, output_of(sm.output.ards, name))
    write_parquet(result.pairs, output_of(sm.output.pairs, name))


def output_of(paths, name: str) -> str:
    """The one of ``paths`` in the variant's folder (results/sensitivity/<name>/)."""
    return next(p for p in paths if Path(p).parent.name == name)


run(work, sm.log[0], "sensitivity analyses")
