# Sensitivity analyses: each named variant of the study config (sensitivity.variants) is one
# cached job rerunning derive, select, match and analyse in-process on the ingested tables;
# one job summarises the declared estimates of all variants (table and forest plot).
from spinepair.analysis.settings import variant_config
from spinepair.jobs.study_config import check_study_config

SENSITIVITY = config.get("sensitivity") or {}
VARIANTS = SENSITIVITY.get("variants") or {}

# A variant's merged config must be a valid study config (typos in overrides stop the run).
for _name in VARIANTS:
    check_study_config(variant_config(config, _name), f"sensitivity variant {_name!r}")

SENSITIVITY_OUTPUTS = (
    [
        out("sensitivity/summary.csv"),
        out("sensitivity/summary.md"),
        out("figures/forest.png"),
        out("figures/forest.svg"),
    ]
    if VARIANTS
    else []
)


rule sensitivity:
    """One sensitivity variant: the whole study under its config -> its ARD and pairs."""
    input:
        ingested=expand(
            out("ingested/{site}/{table}.parquet"), site=SITES, table=TABLE_NAMES
        ),
        derived=expand(out("derived/{site}.parquet"), site=SITES),
    output:
        ard=out("sensitivity/{variant}/ard.parquet"),
        pairs=out("sensitivity/{variant}/pairs.parquet"),
    log:
        out("logs/sensitivity/{variant}.log"),
    benchmark:
        out("benchmarks/sensitivity/{variant}.tsv")
    wildcard_constraints:
        variant="|".join(VARIANTS) or "(?!)",
    conda:
        "../envs/spinepair.yaml"
    params:
        endpoints=lambda wc: variant_config(config, wc.variant)["endpoints"],
        eligibility=lambda wc: variant_config(config, wc.variant)["eligibility"],
        matching=lambda wc: variant_config(config, wc.variant)["matching"],
        arms=[config["study"]["index_arm"], config["study"]["comparator_arm"]],
        tables=lambda wc: table_settings(variant_config(config, wc.variant)),
        analysis=lambda wc: analysis_settings(variant_config(config, wc.variant)),
        compare=SENSITIVITY.get("compare", []),
        rederive=lambda wc: variant_config(config, wc.variant)["endpoints"]
        != config["endpoints"],
        code=code("sensitivity"),
    script:
        "../scripts/sensitivity.py"


rule sensitivity_summary:
    """The declared primary estimates across the variants: summary table and forest plot."""
    input:
        primary_ard=out("ard.parquet"),
        primary_pairs=out("matched/pairs.parquet"),
        ards=expand(out("sensitivity/{variant}/ard.parquet"), variant=VARIANTS),
        pairs=expand(out("sensitivity/{variant}/pairs.parquet"), variant=VARIANTS),
    output:
        csv=out("sensitivity/summary.csv"),
        md=out("sensitivity/summary.md"),
        png=report(
            out("figures/forest.png"),
            caption="../report/forest.rst",
            category=SECTIONS["sensitivity"],
            labels=item_labels(
                "4.2", "Forest plot", "main estimates across the variants"
            ),
        ),
        svg=out("figures/forest.svg"),
    log:
        out("logs/sensitivity_summary.log"),
    benchmark:
        out("benchmarks/sensitivity_summary.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        arms=[config["study"]["index_arm"], config["study"]["comparator_arm"]],
        title=SENSITIVITY.get("title", "Sensitivity analyses"),
        variants=VARIANTS,
        estimates=SENSITIVITY.get("estimates", []),
        dpi=SENSITIVITY.get("figure_dpi", 300),
        code=code("sensitivity_summary"),
    script:
        "../scripts/sensitivity_summary.py"
