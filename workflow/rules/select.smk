rule select:
    """Eligibility steps of one site, each exclusion kept with its reason."""
    input:
        out("derived/{site}.parquet"),
    output:
        cohort=out("cohort/{site}.parquet"),
        attrition=out("cohort/{site}.attrition.csv"),
    log:
        out("logs/select/{site}.log"),
    benchmark:
        out("benchmarks/select/{site}.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        steps=config["eligibility"],
        code=code("select"),
    script:
        "../scripts/select.py"
