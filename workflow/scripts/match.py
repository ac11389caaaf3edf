"""match job: pooled eligible patients -> matched pairs, unmatched list, balance before and
after matching (the one balance every table, figure and diagnostic reads).

The sites are pooled here first: sites whose ingested tables carry different key
fingerprints (pseudonymised with different keys) are refused before anything is read.
"""

from spinepair.cohort.persons import STEP, cross_site_duplicates
from spinepair.jobs.jobio import log, run, write_csv, write_parquet, write_text
from spinepair.keys import check_pooled_sites
from spinepair.matching.balance import balance_markdown, covariates
from spinepair.matching.study import diagnostic_text, read_eligible, read_persons, run_match

sm = snakemake  # noqa: F821 (injected by Snakemake)


def work():
    check_pooled_sites(sm.input.patients, sm.params.key_fingerprint)
    arms, spec, settings = sm.params.arms, dict(sm.params.spec), dict(sm.params.balance)
    columns = [c.variable for c in covariates(settings["tables"], spec, settings["labels"])]
    removed = cross_site_duplicates(
        read_persons(sm.input.patients, sm.input.derived), sm.params.persons["across_sites"]
    )
    derived, cohort = read_eligible(sm.input.derived, sm.input.cohort, spec, removed, columns)
    duplicates = removed[
        removed["patient_key"].isin(cohort["patient_key"][cohort["excluded_at"] == STEP])
    ]
    for r in duplicates.itertuples():
        log.warning("site %s patient %s excluded: %s", r.site, r.patient_key, r.reason)
    write_csv(duplicates, sm.output.duplicates)
    stage = run_match(derived, cohort, spec, arms["index_arm"], arms["comparator_arm"], settings)
    text = diagnostic_text(stage)
    passed = (stage.verdicts["status"] == "PASS").all()
    (log.info if passed else log.warning)("balance diagnostic:\n%s", text)
    write_parquet(stage.pairs, sm.output.pairs)
    write_csv(stage.unmatched, sm.output.unmatched)
    write_csv(stage.balance, sm.output.balance_csv)
    write_text(balance_markdown(stage.balance), sm.output.balance_md)
    write_text(text, sm.output.diagnostic)


run(work, sm.log[0], "match")
