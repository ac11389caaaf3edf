rule select:
    """Eligibility steps of one site, each exclusion kept with its reason."""
    input:
        "results/derived/{site}.parquet",
    output:
        cohort="results/cohort/{site}.parquet",
        attrition="results/cohort/{site}.attrition.csv",
    log:
        "results/logs/select/{site}.log",
    benchmark:
        "results/benchmarks/select/{site}.tsv"
    conda:
        "../envs/spinepair.yaml"
    params:
        steps=config["eligibility"],
        code=CODE["select"],
    script:
        "../scripts/select.py"
