rule derive:
    """Per-patient covariates, doses and clinical endpoints of one site."""
    input:
        expand("results/ingested/{{site}}/{table}.parquet", table=TABLE_NAMES),
    output:
        "results/derived/{site}.parquet",
    log:
        "results/logs/derive/{site}.log",
    benchmark:
        "results/benchmarks/derive/{site}.tsv"
    conda:
        "../envs/spinepair.yaml"
    params:
        endpoints=config["endpoints"],
        code=CODE["derive"],
    script:
        "../scripts/derive.py"
