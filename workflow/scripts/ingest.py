"""ingest job: one site's raw export -> validated CDM Parquet tables (thin wrapper)."""

from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.pseudonym import load_site_key
from spinepair.jobs.jobio import run, write_json, write_parquet

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    site = sm.wildcards.site
    key = load_site_key(sm.params.pseudonymisation)
    result = ingest_site(
        sm.params.spec, sm.params.raw_dir, site, key, quarantine=sm.params.quarantine
    )
    for path in sm.output.tables:
        table = path.rsplit("/", 1)[1].removesuffix(".parquet")
        write_parquet(result.tables[table], path)
    write_parquet(result.quarantine, sm.output.quarantine)
    write_json(result.report, sm.output.report)


run(work, sm.log[0], f"ingest of site {sm.wildcards.site}")
