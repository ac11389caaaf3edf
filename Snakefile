# spinepair: multicenter matched-pair outcome study, from raw hospital exports to the report.
# Run: snakemake --cores 4      Report: snakemake --report results/report.html
from snakemake.utils import min_version, validate

from spinepair.contracts.cdm import SCHEMA_DIR
from spinepair.jobs.runlock import start

min_version("9.0")


configfile: "config/config.yaml"


# The schema ships with the installed package, so a copy of the workflow needs no schemas/.
validate(config, str(SCHEMA_DIR / "config.schema.yaml"))

# One run at a time in this directory, before the DAG is built (spinepair.jobs.runlock): a
# run holds an OS lock on .snakemake/spinepair.lock for its life (a second one stops at
# once), then sets aside damaged Parquet results so that it rebuilds them; a report shares
# the lock; dry runs, --lint and Snakemake processes started for jobs take nothing.
start(
    main_process=workflow.is_main_process,
    lint=not workflow.check_envvars,
    dryrun=workflow.output_settings.dryrun,
    results_dir=config.get("results_dir", "results"),
)


include: "workflow/rules/common.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/derive.smk"
include: "workflow/rules/select.smk"
include: "workflow/rules/match.smk"
include: "workflow/rules/analyse.smk"
include: "workflow/rules/sensitivity.smk"
include: "workflow/rules/reproduce.smk"


rule all:
    default_target: True
    input:
        expand(out("ingested/{site}/validation.json"), site=SITES),
        expand(out("cohort/{site}.attrition.csv"), site=SITES),
        out("matched/pairs.parquet"),
        out("attrition/attrition.csv"),
        out("attrition/flow.png"),
        ANALYSIS_OUTPUTS,
        SENSITIVITY_OUTPUTS,
        REPORT_OUTPUTS,
