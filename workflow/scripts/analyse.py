"""analyse job: matched pairs + derived endpoints -> tables, KM figures, survival, summary."""

from pathlib import Path

import pandas as pd

from spinepair.analysis.analyse import (
    ENDPOINTS,
    analyse,
    analysis_params,
    load_reference,
    read_paired_derived,
)
from spinepair.jobs.jobio import atomic_path, log, run, write_csv, write_text
from spinepair.report.publish import write_table

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    from spinepair.analysis.survival_summary import km_inputs
    from spinepair.report.kmplot import km_figure

    pairs = pd.read_parquet(sm.input.pairs)
    derived = read_paired_derived(sm.input.derived, pairs)
    params = analysis_params(dict(sm.params.analysis), dict(sm.params.study))
    reference = load_reference(params.get("reference_figures"))
    result = analyse(derived, pairs, params, reference)
    for name, table in result.tables.items():
        write_table(table, Path(sm.output[name]).with_suffix(""), params.get("mask_below"))
        for note in table.discrepancies:
            log.info("%s: %s", name, note)
    for endpoint, title in ENDPOINTS.items():
        groups, pvalue = km_inputs(result.pairs, endpoint, params)
        png = Path(sm.output[f"km_{endpoint}"])
        with atomic_path(png) as tmp_png, atomic_path(png.with_suffix(".svg")) as tmp_svg:
            km_figure(
                groups, title, pvalue, None, tmp_png, tmp_svg, conf_type=params["km"]["conf_type"]
            )
    write_csv(result.survival, sm.output.survival)
    write_text(result.summary, sm.output.summary)


run(work, sm.log[0], "analyse")
