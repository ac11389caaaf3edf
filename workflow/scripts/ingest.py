"""ingest job: one site's raw export -> validated CDM Parquet tables (thin wrapper).

A failed ingest writes its full validation report (every failure) to the rule's
``report`` log, which Snakemake keeps when the job fails; the message names that file.
"""

from spinepair.errors import IngestError
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.pseudonym import load_site_key
from spinepair.jobs.jobio import run, write_json, write_parquet, write_parquet_parts

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    site = sm.wildcards.site
    key = load_site_key(sm.params.pseudonymisation)
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
            write=lambda table, frames: write_parquet_parts(frames, paths[table]),
        )
    except IngestError as err:
        write_json(err.report, sm.log.report)
        raise
    write_parquet(result.quarantine, sm.output.quarantine)
    write_json(result.report, sm.output.report)
    write_json(result.report, sm.log.report)


run(work, sm.log.main, f"ingest of site {sm.wildcards.site}")
