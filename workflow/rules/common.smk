# Shared helpers of the rules: sites, site specs, raw export files, code fingerprints.
from pathlib import Path

from spinepair.jobs.fingerprint import script_fingerprint
from spinepair.contracts.cdm import TABLE_NAMES
from spinepair.ingest.spec import load_site_spec
from spinepair.ingest.sources import confined_files
from spinepair.escape import script_safe

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


# The study's arms alone (for the rendering rules, editing the study description reruns
# none of them; for ingest, every arm a site declares or reads must be one of them).
ARMS = {k: config["study"][k] for k in ("index_arm", "comparator_arm")}

# Every site spec is validated in full before any job runs (snakemake -n refuses a wrong
# spec, naming its file, line and key): schema, vocabularies, regexes, duplicate keys, and
# arms that are not the study's.
SPECS = {
    site: load_site_spec(site_spec_path(site), arms=list(ARMS.values()))
    for site in SITES
}


def site_spec(wildcards):
    return SPECS[wildcards.site]


def raw_files(wildcards):
    """The raw export files a site's spec names, only those inside the site's raw folder
    (links out of it, folders and pipes named like files are left to ingest, which
    refuses them; missing files are reported by ingest too)."""
    spec = site_spec(wildcards)
    patterns = [source["path"] for source in spec.get("sources", [])]
    return confined_files(RAW_ROOT / wildcards.site, patterns)


# For the rendering rules: the report sections in study order and the labels of a report item.
SECTIONS = {
    "cohort": "1 Cohort",
    "matching": "2 Matching",
    "outcomes": "3 Outcomes",
    "sensitivity": "4 Sensitivity",
    "diagnostics": "5 Diagnostics",
}


def item_labels(number, item, shows):
    """Report labels of an item: its number (the sort key), name and a one-line caption.
    Snakemake embeds labels and job params in <script> unescaped: config text goes through
    script_safe (a rendering rule's params too; its script unmarks them)."""
    return script_safe({"no.": number, "item": item, "shows": shows})
