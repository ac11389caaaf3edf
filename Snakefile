# spinepair: multicenter matched-pair outcome study, from raw hospital exports to the report.
# Run: snakemake --cores 4      Report: snakemake --report results/report.html
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/derive.smk"
include: "workflow/rules/select.smk"
include: "workflow/rules/match.smk"
include: "workflow/rules/analyse.smk"


rule all:
    default_target: True
    input:
        expand(out("ingested/{site}/validation.json"), site=SITES),
        expand(out("cohort/{site}.attrition.csv"), site=SITES),
        out("matched/pairs.parquet"),
        out("attrition/attrition.csv"),
        ANALYSIS_OUTPUTS,
