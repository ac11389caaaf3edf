# Sensitivity analyses: one job reruns derive, select, match and analyse in-process on the
# ingested tables under every named variant of the study config (sensitivity.variants); one job
# summarises the declared estimates of all variants (table and forest plot). All variants run
# in one process because a job's imports cost more than a variant's work (demo: 7 s of CPU
# for the seven variants in one job, 18 s as seven jobs); editing one variant reruns them all.
from spinepair.analysis.settings import variant_config, variant_settings
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


if VARIANTS:

    rule sensitivity:
        """Every sensitivity variant: the whole study under its config -> its ARD and pairs."""
        input:
            ingested=expand(
                out("ingested/{site}/{table}.parquet"), site=SITES, table=TABLE_NAMES
            ),
            derived=expand(out("derived/{site}.parquet"), site=SITES),
        output:
            ards=expand(out("sensitivity/{variant}/ard.parquet"), variant=VARIANTS),
            pairs=expand(out("sensitivity/{variant}/pairs.parquet"), variant=VARIANTS),
        log:
            out("logs/sensitivity.log"),
        benchmark:
            out("benchmarks/sensitivity.tsv")
        conda:
            "../envs/spinepair.yaml"
        params:
            variants={name: variant_settings(config, name) for name in VARIANTS},
            arms=[config["study"]["index_arm"], config["study"]["comparator_arm"]],
            compare=SENSITIVITY.get("compare", []),
            key_fingerprint=KEY_FINGERPRINT,
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
        arms=script_safe(list(ARMS.values())),
        title=script_safe(SENSITIVITY.get("title", "Sensitivity analyses")),
        variants=script_safe(VARIANTS),
        estimates=script_safe(SENSITIVITY.get("estimates", [])),
        dpi=SENSITIVITY.get("figure_dpi", 300),
        code=code("sensitivity_summary"),
    script:
        "../scripts/sensitivity_summary.py"
