# Shared helpers of the rules: sites, site specs, raw export files, code fingerprints.
import glob
from pathlib import Path

import yaml

from spinepair.jobs.fingerprint import script_fingerprint
from spinepair.jobs.locks import stale_lock_notice
from spinepair.contracts.cdm import TABLE_NAMES

if workflow.is_main_process:
    stale_lock_notice(Path.cwd())

SITES = list(config["sites"])
RESULTS = config.get("results_dir", "results")


def out(path):
    """A path under the study's results folder (config results_dir, default results/)."""
    return f"{RESULTS}/{path}"


RAW_ROOT = Path(config["raw_root"])
SITE_SPECS = Path(config.get("site_specs", "config/sites"))

SCRIPTS = Path(workflow.basedir) / "workflow" / "scripts"


def code(script):
    """Fingerprint of a job script's import closure: editing a module it uses reruns it."""
    return script_fingerprint(SCRIPTS / f"{script}.py")


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
