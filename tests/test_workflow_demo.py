"""The real Snakemake on a copy of the demo: attrition, pairs, outputs, privacy."""

import json

import pandas as pd
import pytest
import yaml

from spinepair.contracts.cdm import TABLE_NAMES
from tests.helpers.identifiers import identifiers, identifiers_in, written_text
from tests.helpers.workflow import ROOT, dry_run_jobs

pytestmark = pytest.mark.workflow
PAPER = yaml.safe_load((ROOT / "config" / "reference_paper.yaml").read_text())["attrition"]


def pooled(workdir):
    table = pd.read_csv(workdir / "results" / "attrition" / "attrition.csv")
    rows = table[table["site"] == "all"].set_index(["arm", "step"])
    return rows


def test_attrition_equals_the_paper(demo_run):
    rows = pooled(demo_run)
    srs, rt = PAPER["srs"], PAPER["rt"]
    assert rows.loc[("SRS", "screened"), "n_before"] == srs["screened"]
    assert rows.loc[("SRS", "primary tumour"), "n_after"] == srs["hcc_primary"]
    step = "index treatment is the primary treatment"
    assert rows.loc[("SRS", step), "n_excluded"] == srs["excluded_prior_treatment"]
    assert rows.loc[("SRS", step), "n_after"] == srs["included"]
    assert rows.loc[("RT", "screened"), "n_before"] == rt["screened"]
    assert rows.loc[("RT", "primary tumour"), "n_after"] == rt["hcc_primary"]
    assert rows.loc[("RT", step), "n_excluded"] == rt["excluded_prior_surgery"]
    assert rows.loc[("RT", step), "n_after"] == rt["eligible"]
    assert rows.loc[("RT", "matched 1:1"), "n_after"] == rt["matched"]
    assert rows.loc[("SRS", "matched 1:1"), "n_after"] == PAPER["pairs"]


def test_pairs_and_cohorts(demo_run):
    res = demo_run / "results"
    pairs = pd.read_parquet(res / "matched" / "pairs.parquet")
    assert len(pairs) == PAPER["pairs"]
    assert pairs["comparator_key"].is_unique and pairs["index_key"].is_unique
    cohort = pd.concat(pd.read_parquet(p) for p in (res / "cohort").glob("*.parquet"))
    assert cohort["eligible"].sum() + cohort["exclusion_reason"].notna().sum() == len(cohort)
    assert (res / "attrition" / "flow.svg").stat().st_size > 0
    assert (res / "matched" / "loveplot.png").stat().st_size > 0


def test_every_raw_row_is_accounted_for(demo_run):
    for site in ("A", "B", "C", "D"):
        folder = demo_run / "results" / "ingested" / site
        report = json.loads((folder / "validation.json").read_text())
        assert report["status"] == "ok" and report["n_failures"] == 0, site
        for name, f in report["files"].items():
            assert f["rows_read"] == f["rows_ingested"] + f["rows_rejected"], (site, name)
        for table in TABLE_NAMES:
            counts = report["tables"][table]
            assert counts["records_read"] == counts["records_ingested"], (site, table)
            assert len(pd.read_parquet(folder / f"{table}.parquet")) == counts["records_ingested"]


def test_nothing_to_do_after_a_full_run(demo_run):
    assert dry_run_jobs(demo_run) == {}


def test_no_identifier_reaches_any_written_file(demo_run):
    secret = identifiers()
    assert len(secret) > 4 * 1892 * 0.99
    key = (ROOT / "config" / "demo.key").read_text().strip()
    written = [
        p for d in ("results", ".snakemake") for p in (demo_run / d).rglob("*") if p.is_file()
    ]
    assert len(written) > 50
    hits = []
    for path in written:
        text = written_text(path)
        assert key not in text, f"pseudonymisation key written to {path}"
        found = identifiers_in(text)
        hits += [(str(path.relative_to(demo_run)), v) for v in sorted(found)[:3]]
    assert not hits, hits[:10]
