# Shared helpers of the rules: sites, site specs, raw export files, code fingerprints.
import glob
from pathlib import Path

import yaml

from spinepair.fingerprint import code_fingerprint
from spinepair.locks import clear_stale_locks
from spinepair.model import TABLE_NAMES

if workflow.is_main_process and clear_stale_locks(Path.cwd()):
    print(
        "spinepair: removed the lock left by an interrupted run (no Snakemake is running here)"
    )

SITES = list(config["sites"])
RESULTS = config.get("results_dir", "results")


def out(path):
    """A path under the study's results folder (config results_dir, default results/)."""
    return f"{RESULTS}/{path}"


RAW_ROOT = Path(config["raw_root"])
SITE_SPECS = Path(config.get("site_specs", "config/sites"))

CODE = {
    "ingest": code_fingerprint(
        ["ingest", "adapters", "pseudonym", "model", "stage_schema", "errors", "jobio"]
        + ["schemas/cdm.yaml", "schemas/site.schema.yaml"]
    ),
    "derive": code_fingerprint(
        ["derive", "dose", "endpoints", "model", "stage_schema", "errors", "jobio"]
        + ["schemas/derived.yaml", "schemas/cdm.yaml"]
    ),
    "select": code_fingerprint(
        ["cohort", "stage_schema", "errors", "jobio", "schemas/cohort.yaml"]
    ),
    "match": code_fingerprint(
        [
            "study_match",
            "matching",
            "balance",
            "loveplot",
            "stage_schema",
            "errors",
            "jobio",
        ]
        + ["schemas/pairs.yaml"]
    ),
    "attrition": code_fingerprint(["attrition", "flowchart", "jobio"]),
    "analyse": code_fingerprint(
        ["analysis", "stats", "paired", "tables", "publish", "kmplot"]
        + ["survival_summary", "findings", "balance", "errors", "jobio"]
    ),
}


def site_spec_path(site):
    return str(SITE_SPECS / f"{site}.yaml")


def site_spec(wildcards):
    with open(site_spec_path(wildcards.site), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def raw_files(wildcards):
    """The raw export files a site's spec names (missing ones are reported by ingest)."""
    spec = site_spec(wildcards)
    found = []
    for source in spec.get("sources", []):
        found += glob.glob(str(RAW_ROOT / wildcards.site / source["path"]))
    return sorted(set(found))
