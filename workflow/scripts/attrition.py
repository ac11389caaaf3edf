"""attrition job: ingest quarantine + eligibility counts + matching -> pooled attrition table."""

import json
from pathlib import Path

import pandas as pd

from spinepair.cohort.attrition import pooled_attrition, quarantined_records
from spinepair.contracts.parquetfile import read_parquet
from spinepair.escape import markdown as md
from spinepair.jobs.jobio import run, write_csv, write_text

sm = snakemake  # noqa: F821 (injected by Snakemake)


def _md(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text cells and column names Markdown-escaped (config wording)."""
    out = frame.map(lambda v: md(v) if isinstance(v, str) else v)
    out.columns = [md(c) for c in out.columns]
    return out


def work():
    arms = [sm.params.arms["index_arm"], sm.params.arms["comparator_arm"]]
    reports = [json.loads(Path(p).read_text(encoding="utf-8")) for p in sm.input.reports]
    table = pooled_attrition(
        [pd.read_csv(p, keep_default_na=False) for p in sm.input.attrition],
        pd.concat([read_parquet(p) for p in sm.input.cohort], ignore_index=True),
        read_parquet(sm.input.pairs),
        reports,
        index_arm=arms[0],
        duplicates=pd.read_csv(sm.input.duplicates, dtype="string"),
    )
    records = quarantined_records(reports)
    write_csv(table, sm.output.table)
    write_csv(records, sm.output.records)
    text = _md(table).to_markdown(index=False) + "\n"
    if len(records):
        text += "\n## Records set aside at ingest (quarantine mode)\n\n"
        text += _md(records).to_markdown(index=False) + "\n"
    write_text(text, sm.output.markdown)


run(work, sm.log[0], "attrition")
