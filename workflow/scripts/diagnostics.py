"""diagnostics job: ARD + pair frame + balance -> results/diagnostics.csv and .md."""

from spinepair.analysis.diagnostics import diagnostics, markdown
from spinepair.analysis.settings import arms_of
from spinepair.contracts.parquetfile import read_parquet
from spinepair.jobs.jobio import log, run, write_csv, write_text
from spinepair.matching.balance import read_balance

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    params = {
        "alpha": sm.params.alpha,
        "arms": arms_of(sm.params.study),
        "table_rows": list(sm.params.balance_rows),
        "diagnostics": dict(sm.params.diagnostics),
        "adjust": dict(sm.params.adjust),
        "power": dict(sm.params.power),
        "titles": dict(sm.params.titles),
    }
    frame = diagnostics(
        read_parquet(sm.input.ard),
        read_parquet(sm.input.pairs_frame),
        params,
        read_balance(sm.input.balance),
    )
    flagged = frame[frame["status"].isin(["WARN", "FAIL"])]
    for row in flagged.itertuples():
        log.warning("%s: %s", row.status, row.message)
    write_csv(frame, sm.output.csv)
    write_text(markdown(frame), sm.output.md)


run(work, sm.log[0], "diagnostics")
