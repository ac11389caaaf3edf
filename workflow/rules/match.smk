rule match:
    """1:1 matching of the comparator arm to the index arm, with balance diagnostics."""
    input:
        derived=expand("results/derived/{site}.parquet", site=SITES),
        cohort=expand("results/cohort/{site}.parquet", site=SITES),
    output:
        pairs="results/matched/pairs.parquet",
        unmatched="results/matched/unmatched.csv",
        balance_csv=report(
            "results/matched/balance.csv",
            caption="../report/balance.rst",
            category="Matching",
        ),
        balance_md="results/matched/balance.md",
        diagnostic="results/matched/diagnostic.txt",
        love_svg="results/matched/loveplot.svg",
        love_png=report(
            "results/matched/loveplot.png",
            caption="../report/loveplot.rst",
            category="Matching",
        ),
    log:
        "results/logs/match.log",
    benchmark:
        "results/benchmarks/match.tsv"
    conda:
        "../envs/spinepair.yaml"
    params:
        spec=config["matching"],
        arms=config["study"],
        code=CODE["match"],
    script:
        "../scripts/match.py"


rule attrition:
    """Pooled attrition table and CONSORT-style flow diagram from the recorded counts."""
    input:
        attrition=expand("results/cohort/{site}.attrition.csv", site=SITES),
        cohort=expand("results/cohort/{site}.parquet", site=SITES),
        pairs="results/matched/pairs.parquet",
    output:
        table=report(
            "results/attrition/attrition.csv",
            caption="../report/attrition.rst",
            category="Cohort",
        ),
        markdown="results/attrition/attrition.md",
        svg="results/attrition/flow.svg",
        png=report(
            "results/attrition/flow.png",
            caption="../report/attrition.rst",
            category="Cohort",
        ),
    log:
        "results/logs/attrition.log",
    benchmark:
        "results/benchmarks/attrition.tsv"
    conda:
        "../envs/spinepair.yaml"
    params:
        arms=config["study"],
        code=CODE["attrition"],
    script:
        "../scripts/attrition.py"
