rule derive:
    """Per-patient covariates, doses and clinical endpoints of one site."""
    input:
        expand(out("ingested/{{site}}/{table}.parquet"), table=TABLE_NAMES),
    output:
        out("derived/{site}.parquet"),
    log:
        out("logs/derive/{site}.log"),
    benchmark:
        out("benchmarks/derive/{site}.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        endpoints=config["endpoints"],
        code=code("derive"),
    script:
        "../scripts/derive.py"
