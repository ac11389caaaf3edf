"""match job: pooled eligible patients -> matched pairs, unmatched list, balance, Love plot."""

from spinepair.jobs.jobio import atomic_path, log, run, write_csv, write_parquet, write_text
from spinepair.matching.study import diagnostic_text, read_eligible, run_match

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    from spinepair.matching.loveplot import love_plot

    arms, spec = sm.params.arms, dict(sm.params.spec)
    derived, cohort = read_eligible(sm.input.derived, sm.input.cohort, spec)
    stage = run_match(derived, cohort, spec, arms["index_arm"], arms["comparator_arm"])
    threshold = spec.get("smd_threshold", 0.1)
    text = diagnostic_text(stage, threshold)
    (log.info if stage.passed else log.warning)("balance diagnostic:\n%s", text)
    write_parquet(stage.pairs, sm.output.pairs)
    write_csv(stage.unmatched, sm.output.unmatched)
    write_csv(stage.balance, sm.output.balance_csv)
    write_text(stage.balance.to_markdown(index=False, floatfmt=".3f") + "\n", sm.output.balance_md)
    write_text(text, sm.output.diagnostic)
    with atomic_path(sm.output.love_svg) as svg, atomic_path(sm.output.love_png) as png:
        love_plot(stage.balance, svg, png, threshold)


run(work, sm.log[0], "match")
