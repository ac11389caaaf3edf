rule ingest:
    """Raw export of one site -> validated common-data-model Parquet tables."""
    input:
        raw=raw_files,
        spec=site_spec_path("{site}"),
    output:
        tables=expand("results/ingested/{{site}}/{table}.parquet", table=TABLE_NAMES),
        report="results/ingested/{site}/validation.json",
        quarantine="results/ingested/{site}/quarantine.parquet",
    log:
        "results/logs/ingest/{site}.log",
    benchmark:
        "results/benchmarks/ingest/{site}.tsv"
    conda:
        "../envs/spinepair.yaml"
    params:
        spec=site_spec,
        raw_dir=lambda wildcards: str(RAW_ROOT / wildcards.site),
        pseudonymisation=config["pseudonymisation"],
        quarantine=config["ingest"].get("quarantine", False),
        code=CODE["ingest"],
    script:
        "../scripts/ingest.py"
