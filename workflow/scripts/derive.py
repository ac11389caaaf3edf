"""derive job: one site's CDM tables -> one row per patient with covariates and endpoints."""

from spinepair.contracts.parquetfile import read_parquet
from spinepair.endpoints.derive import derive_site
from spinepair.jobs.jobio import run, write_parquet

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    tables = {p.rsplit("/", 1)[1].removesuffix(".parquet"): read_parquet(p) for p in sm.input}
    write_parquet(derive_site(tables, dict(sm.params.endpoints)), sm.output[0])


run(work, sm.log[0], f"derive of site {sm.wildcards.site}")
