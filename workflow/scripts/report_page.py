"""report_page job: a Markdown or CSV result -> a small HTML page the report shows inline."""

from pathlib import Path

from spinepair.escape import unmarked
from spinepair.jobs.jobio import run, write_text
from spinepair.report.html_page import frame_to_html, markdown_to_html, page

sm = snakemake  # noqa: F821 (injected by Snakemake)
params = unmarked(sm.params)  # config text the rule made script-safe


def work():
    source = Path(sm.input[0])
    if source.suffix == ".csv":
        import pandas as pd  # here: a Markdown page does without its 0.4 s import

        frame = pd.read_csv(source, keep_default_na=False)
        body = f"<h2>{params.title}</h2>" + frame_to_html(frame)
    else:
        body = markdown_to_html(source.read_text(encoding="utf-8"))
    write_text(page(params.title, body), sm.output[0])


run(work, sm.log[0], "report_page")
