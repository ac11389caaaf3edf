"""ingest job: one site's raw export -> validated CDM Parquet tables (thin wrapper).

A failed ingest writes its full validation report (every failure) to the rule's
``report`` log, which Snakemake keeps when the job fails; the message names that file.
The key's fingerprint (:mod:`spinepair.keys`) is recorded in the report (``key_fingerprint``)
and in the metadata of every table written; a key that is not the one the workflow was
planned with (the ``key_fingerprint`` param) stops the job.
"""

from pathlib import Path

from spinepair.errors import ConfigError, IngestError
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.pseudonym import load_site_key
from spinepair.jobs.jobio import run, write_json, write_parquet, write_parquet_parts
from spinepair.keys import FINGERPRINT_META, fingerprint

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    site = sm.wildcards.site
    key = load_site_key(sm.params.pseudonymisation, [Path.cwd()])
    fp = fingerprint(key)
    if fp != sm.params.key_fingerprint:
        raise ConfigError(
            f"the pseudonymisation key changed since the workflow was planned (fingerprint "
            f"{fp}, planned {sm.params.key_fingerprint}): run snakemake again"
        )
    meta = {FINGERPRINT_META: fp.encode()}
    settings = sm.params.ingest | {"plausibility": sm.params.plausibility, "arms": sm.params.arms}
    paths = {p.rsplit("/", 1)[1].removesuffix(".parquet"): p for p in sm.output.tables}
    try:
        result = ingest_site(
            sm.params.spec,
            sm.params.raw_dir,
            site,
            key,
            quarantine=sm.params.ingest.get("quarantine", False),
            settings=settings,
            full_report=sm.log.report,
            spill_dir=sm.params.spill_dir,
            write=lambda table, frames: write_parquet_parts(frames, paths[table], meta),
        )
    except IngestError as err:
        if isinstance(err.report, dict):
            err.report["key_fingerprint"] = fp
        write_json(err.report, sm.log.report)
        raise
    result.report["key_fingerprint"] = fp
    write_parquet(result.quarantine, sm.output.quarantine, meta)
    write_json(result.report, sm.output.report)
    write_json(result.report, sm.log.report)


run(work, sm.log.main, f"ingest of site {sm.wildcards.site}")
