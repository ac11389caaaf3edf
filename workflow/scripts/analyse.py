"""analyse job: matched pairs + derived endpoints -> the pair frame and the ARD."""

from spinepair.analysis.analyse import analyse, read_paired_derived
from spinepair.analysis.settings import arms_of
from spinepair.contracts.parquetfile import read_parquet
from spinepair.jobs.jobio import run, write_csv, write_parquet
from spinepair.matching.balance import read_balance

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    pairs = read_parquet(sm.input.pairs)
    derived = read_paired_derived(sm.input.derived, pairs)
    tables = {name: dict(decl) for name, decl in sm.params.tables.items()}
    params = {**sm.params.analysis, "balance": read_balance(sm.input.balance)}
    result = analyse(derived, pairs, arms_of(sm.params.study), tables, params)
    write_parquet(result.pairs, sm.output.pairs_frame)
    write_parquet(result.ard, sm.output.ard)
    write_csv(result.ard, sm.output.ard_csv)


run(work, sm.log[0], "analyse")
