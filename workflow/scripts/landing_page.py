"""landing_page job: study config + findings -> the report's landing page (HTML fragment)."""

from pathlib import Path

from spinepair.jobs.jobio import run, write_text
from spinepair.report.landing import landing_html

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    findings = Path(sm.input.summary).read_text(encoding="utf-8")
    write_text(landing_html(dict(sm.params.config), findings) + "\n", sm.output[0])


run(work, sm.log[0], "landing_page")
