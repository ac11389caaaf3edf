"""coherence job: every printed number of the tables, summary, diagnostics and figure
annotations checked against the ARD -> results/coherence.md."""

from pathlib import Path

from spinepair.escape import unmarked
from spinepair.jobs.jobio import log, run, write_text
from spinepair.report.coherence import check_results, markdown_report, titles_of

sm = snakemake  # noqa: F821 (injected by Snakemake)
params = unmarked(sm.params)  # config text the rule made script-safe


def work():
    results = Path(sm.input.ard).parent
    result = check_results(results, titles_of(params.config), params.tables)
    for mismatch in result.mismatches:
        log.warning("not an ARD number of its quantity: %s", mismatch)
    write_text(markdown_report(result), sm.output[0])


run(work, sm.log[0], "coherence")
