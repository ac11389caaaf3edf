import sys

from spinepair.errors import ConfigError
from spinepair.ingest.pseudonym import load_site_key
from spinepair.keys import fingerprint

# The study key is loaded and checked when the workflow is parsed, so a missing, weak or
# misplaced key stops even `snakemake -n` (rules in spinepair.keys). Its fingerprint is a
# param of every ingest job, so a new key reruns every site, and of match, which refuses to
# pool sites whose tables carry different fingerprints.
try:
    KEY_FINGERPRINT = fingerprint(
        load_site_key(config["pseudonymisation"], [workflow.basedir, Path.cwd()])
    )
except ConfigError as exc:
    sys.exit(f"ConfigError: {exc}")


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
        key_fingerprint=KEY_FINGERPRINT,
        spill_dir=out(".spill"),
        ingest=config["ingest"],
        plausibility=config.get("plausibility", {}),
        arms=list(ARMS.values()),
        code=code("ingest"),
    script:
        "../scripts/ingest.py"
