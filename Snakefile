# spinepair: multicenter matched-pair outcome study, from raw hospital exports to the report.
# Run: snakemake --cores 4      Report: snakemake --report results/report.html
from snakemake.utils import min_version, validate

from spinepair.contracts.cdm import SCHEMA_DIR

min_version("9.0")


configfile: "config/config.yaml"


# The schema ships with the installed package, so a copy of the workflow needs no schemas/.
validate(config, str(SCHEMA_DIR / "config.schema.yaml"))


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
