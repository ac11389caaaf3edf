rule ingest:
    """Raw export of one site -> validated common-data-model Parquet tables."""
    input:
        raw=raw_files,
        spec=site_spec_path("{site}"),
    output:
        tables=expand(out("ingested/{{site}}/{table}.parquet"), table=TABLE_NAMES),
        report=out("ingested/{site}/validation.json"),
        quarantine=out("ingested/{site}/quarantine.parquet"),
    log:
        main=out("logs/ingest/{site}.log"),
        report=out("logs/ingest/{site}.validation.json"),
    benchmark:
        out("benchmarks/ingest/{site}.tsv")
    conda:
        "../envs/spinepair.yaml"
    params:
        spec=site_spec,
        raw_dir=lambda wildcards: str(RAW_ROOT / wildcards.site),
        pseudonymisation=config["pseudonymisation"],
        ingest=config["ingest"],
        plausibility=config.get("plausibility", {}),
        arms=list(ARMS.values()),
        code=code("ingest"),
    script:
        "../scripts/ingest.py"
