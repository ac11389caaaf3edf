"""sensitivity_summary job: primary and variant ARDs -> summary table (CSV, Markdown), forest plot."""

from spinepair.analysis.ard import PRIMARY
from spinepair.analysis.sensitivity_summary import summary_markdown, summary_table
from spinepair.contracts.parquetfile import read_parquet
from spinepair.escape import unmarked
from spinepair.jobs.jobio import atomic_path, run, write_csv, write_text
from spinepair.report.forest import forest_plot

sm = snakemake  # noqa: F821 (injected by Snakemake)
params = unmarked(sm.params)  # config text the rule made script-safe


def work():
    variants = {name: dict(decl) for name, decl in params.variants.items()}
    estimates = [dict(e) for e in params.estimates]
    ards = {PRIMARY: read_parquet(sm.input.primary_ard)}
    pairs = {PRIMARY: len(read_parquet(sm.input.primary_pairs))}
    for name, ard, pair in zip(variants, sm.input.ards, sm.input.pairs):
        ards[name], pairs[name] = read_parquet(ard), len(read_parquet(pair))
    descriptions = {name: decl["description"] for name, decl in variants.items()}
    table = summary_table(ards, pairs, estimates, descriptions)
    write_csv(table, sm.output.csv)
    write_text(summary_markdown(table, ards, variants, params.arms, params.title), sm.output.md)
    with atomic_path(sm.output.svg) as svg, atomic_path(sm.output.png) as png:
        forest_plot(table, estimates, png, svg, dpi=int(params.dpi))


run(work, sm.log[0], "sensitivity summary")
