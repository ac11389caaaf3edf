"""Registry-scale simulator: site plan, vectorised truths, written study, workflow at 10,000."""

import json
import math

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml
from snakemake.utils import update_config

from spinepair.contracts.cdm import IDENTIFIER_FIELDS, SPINE_LEVELS, TABLES
from spinepair.contracts.stages import column_dtypes
from spinepair.ingest.pipeline import ingest_site
from spinepair.synth import registry
from spinepair.synth.registry import (
    SITE_SPECS,
    site_plan,
    site_spec_text,
    site_truth,
    write_registry,
)
from spinepair.synth.render import render_site
from spinepair.synth.simulate import main
from tests.helpers.workflow import ROOT, copy_project, snakemake

KEY = b"registry-test-key"


def truth(seed=1, arm="RT", machine="Clinac iX", n=4000, site="R07"):
    return site_truth(np.random.default_rng(seed), site, arm, machine, n)


@pytest.fixture(scope="module")
def rt():
    return truth()


@pytest.fixture(scope="module")
def srs():
    return truth(2, "SRS", "CyberKnife", 3000, "R02")


def test_plan_splits_patients_over_styles_and_arms():
    plan = site_plan(1_000_000, 20)
    assert plan["patients"].sum() == 1_000_000
    assert list(plan["site"][:3]) == ["R01", "R02", "R03"]
    assert plan["style"].value_counts().to_dict() == dict.fromkeys(
        ["wide_csv", "xlsx", "cp949_csv", "long_eav"], 5
    )
    assert plan.groupby("arm").size().to_dict() == {"RT": 10, "SRS": 10}
    assert (
        plan.groupby("arm")["patients"].sum()["RT"] > plan.groupby("arm")["patients"].sum()["SRS"]
    )
    assert plan.equals(site_plan(1_000_000, 20)) and not plan.equals(site_plan(1_000_000, 20, 7))
    with pytest.raises(ValueError, match="at least 4"):
        site_plan(10_000, 3)
    with pytest.raises(ValueError, match="at least 50 per site"):
        site_plan(100, 4)


@pytest.mark.parametrize("name", ["rt", "srs"])
def test_tables_have_the_simulator_format(name, request):
    t = request.getfixturevalue(name)
    assert list(t) == list(TABLES)
    for table, cols in TABLES.items():
        keep = tuple(c for c in cols if c.name not in ("patient_key", "site", "arm"))
        want = {"patient_id": "string", **column_dtypes(keep)}
        if table == "patients":
            want.update(dict.fromkeys(IDENTIFIER_FIELDS, "string"))
        assert {c: str(d) for c, d in t[table].dtypes.items()} == {
            c: str(pd.Series(dtype=d).dtype) for c, d in want.items()
        }, table
        sort = ["patient_id"] + [c for c in ("date", "course") if c in t[table].columns]
        assert t[table][sort].equals(t[table][sort].sort_values(sort).reset_index(drop=True))
    p = t["patients"]
    assert p["patient_id"].is_unique and p["patient_id"].str.fullmatch(r"R0\d\d{7}").all()
    assert t["treatments"]["patient_id"].equals(p["patient_id"])
    for table in ("assessments", "imaging", "toxicities", "further_treatments"):
        assert t[table]["patient_id"].isin(p["patient_id"]).all(), table
    assert p["rrn"].str.fullmatch(r"\d{6}-[1-4]\d{6}").all()
    assert (p["rrn"].str[:6] == p["birth_date"].dt.strftime("%y%m%d")).all()
    assert p["phone"].str.fullmatch(r"010-\d{4}-\d{4}").all()


def test_dates_are_in_clinical_order(rt):
    p, tx = rt["patients"].set_index("patient_id"), rt["treatments"].set_index("patient_id")
    assert (p["birth_date"] <= p["primary_diagnosis_date"]).all()
    assert (p["primary_diagnosis_date"] <= p["spine_met_diagnosis_date"]).all()
    assert (p["spine_met_diagnosis_date"] < tx["start_date"]).all()
    assert (tx["start_date"] <= tx["end_date"]).all() and (
        tx["end_date"] < p["last_followup_date"]
    ).all()
    dead = p["death_date"].notna()
    assert (p.loc[dead, "death_date"] == p.loc[dead, "last_followup_date"]).all()
    for table in ("imaging", "toxicities", "further_treatments"):
        d = rt[table].join(p["last_followup_date"], on="patient_id")
        assert (d["date"] <= d["last_followup_date"]).all(), table


def test_imaging_stops_at_local_progression(rt):
    img = rt["imaging"]
    index = img[img["finding"].isin(["no_progression", "local_progression"])]
    lp = index[index["finding"] == "local_progression"]
    assert lp["patient_id"].is_unique and len(lp) > 0
    last = index.groupby("patient_id")["date"].max()
    assert (lp.set_index("patient_id")["date"] == last[lp["patient_id"]].to_numpy()).all()
    other = img[img["finding"] == "other_level_progression"].merge(
        rt["patients"][["patient_id", "index_level"]]
    )
    gap = other["level"].map(SPINE_LEVELS.index) - other["index_level"].map(SPINE_LEVELS.index)
    assert (gap.abs() >= 2).all() and len(other) > 0
    ft = rt["further_treatments"].merge(lp[["patient_id", "date"]], on="patient_id")
    assert len(ft) == len(rt["further_treatments"]) and (ft["date_x"] > ft["date_y"]).all()


def within(count, n, p, sds=4):
    return abs(count - n * p) <= sds * math.sqrt(n * p * (1 - p))


def test_proportions(rt, srs):
    for t, arm in ((rt, "RT"), (srs, "SRS")):
        p, n = t["patients"], len(t["patients"])
        assert within((p["primary_tumor"] == "HCC").sum(), n, 0.06)
        assert within((p["primary_tumor"] == "RCC").sum(), n, 0.035)
        hcc = p["primary_tumor"] == "HCC"
        assert p.loc[~hcc, "child_pugh"].isna().all() and p.loc[hcc, "child_pugh"].notna().all()
        assert within((p.loc[hcc, "sex"] == "M").sum(), hcc.sum(), 0.85)
        assert within(p["death_date"].notna().sum(), n, 0.8)
        assert (t["treatments"]["modality"] == arm).all()
        tox = 0.25 if arm == "SRS" else 0.5
        assert within(t["toxicities"]["patient_id"].nunique(), n, tox)
    assert srs["treatments"]["isodose_pct"].between(70, 85).all()
    assert rt["treatments"]["isodose_pct"].isna().all()
    assert set(srs["patients"]["prior_index_treatment"]) == {"none", "surgery", "rt", "other"}
    assert set(rt["patients"]["prior_index_treatment"]) == {"none", "surgery"}


def test_deterministic(rt):
    again = truth()
    other = truth(seed=9)
    for table in TABLES:
        pd.testing.assert_frame_equal(rt[table], again[table])
    assert not rt["patients"]["patient_id"].equals(other["patients"]["patient_id"])


@pytest.mark.parametrize(
    ("style", "template", "arm", "machine"),
    [
        ("wide_csv", "A", "SRS", "Novalis"),
        ("xlsx", "B", "SRS", "CyberKnife"),
        ("cp949_csv", "C", "RT", "Clinac iX"),
        ("long_eav", "D", "RT", "Varian 21EX"),
    ],
)
def test_every_style_ingests_back(tmp_path, style, template, arm, machine):
    t = truth(5, arm, machine, 300, "R09")
    render_site(t, style, tmp_path)
    spec = yaml.safe_load((ROOT / "config" / "sites" / f"{template}.yaml").read_text())
    result = ingest_site({**spec, "site": "R09"}, tmp_path, "R09", KEY)
    assert result.report["n_failures"] == 0
    for table in TABLES:
        assert len(result.tables[table]) == len(t[table]), table


def test_written_study_is_valid(tmp_path):
    config_path = write_registry(tmp_path, 400, 4, log=lambda _: None)
    overlay = yaml.safe_load(config_path.read_text())
    assert overlay["sites"] == ["R01", "R02", "R03", "R04"]
    assert overlay["matching"] == {"method": "auto"}
    assert overlay["raw_root"] == str(tmp_path)
    # what snakemake --configfile makes of it: the demo study with the overlay merged in
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    update_config(cfg, overlay)
    jsonschema.validate(cfg, yaml.safe_load((ROOT / "schemas" / "config.schema.yaml").read_text()))
    assert cfg["matching"]["method"] == "auto" and cfg["matching"]["calipers"]
    assert cfg["study"]["index_arm"] == "SRS" and "Registry" in cfg["study"]["title"]
    site_schema = yaml.safe_load((ROOT / "schemas" / "site.schema.yaml").read_text())
    for site, template in zip(overlay["sites"], "ABCD", strict=True):
        spec = yaml.safe_load((tmp_path / "sites" / f"{site}.yaml").read_text())
        jsonschema.validate(spec, site_schema)
        demo = yaml.safe_load((ROOT / "config" / "sites" / f"{template}.yaml").read_text())
        assert spec == {**demo, "site": site}
        assert any((tmp_path / site).iterdir())


def test_demo_site_specs_are_the_package_templates(tmp_path, monkeypatch):
    for template in "ABCD":
        workflow_spec = (ROOT / "config" / "sites" / f"{template}.yaml").read_text()
        assert (SITE_SPECS / f"{template}.yaml").read_text(encoding="utf-8") == workflow_spec
    (tmp_path / "E.yaml").write_text("# site: E\nsite: EE\narm: RT\n")
    monkeypatch.setattr(registry, "SITE_SPECS", tmp_path)
    with pytest.raises(ValueError, match="no 'site: E' line"):
        site_spec_text("E", "R01")


def test_command_line_writes_a_registry(tmp_path, capsys):
    main(["--patients", "300", "--sites", "5", "--out", str(tmp_path)])
    cfg = yaml.safe_load((tmp_path / "config.yaml").read_text())
    assert cfg["sites"] == ["R01", "R02", "R03", "R04", "R05"]
    assert sorted(p.name for p in (tmp_path / "R05").iterdir()) == [
        "A_imaging.csv",
        "A_pain_followup.csv",
        "A_patients.csv",
        "A_rt_courses.csv",
        "A_salvage.csv",
        "A_toxicity.csv",
    ]
    assert "site R05 (SRS, wide_csv)" in capsys.readouterr().out


@pytest.mark.workflow
def test_registry_10000_patients_end_to_end(tmp_path):
    workdir = copy_project(tmp_path / "project")
    config = write_registry(tmp_path / "study", 10_000, 4, log=lambda _: None)
    snakemake(workdir, "--configfile", str(config))
    res = tmp_path / "study" / "results"
    pairs = pd.read_parquet(res / "matched" / "pairs.parquet")
    assert len(pairs) >= 50
    assert pairs["index_key"].is_unique and pairs["comparator_key"].is_unique
    attrition = pd.read_csv(res / "attrition" / "attrition.csv")
    screened = attrition[(attrition["site"] == "all") & (attrition["step"] == "screened")]
    assert screened["n_before"].sum() == 10_000
    for name in ("table1", "table2", "table3"):
        assert (res / "tables" / f"{name}.csv").stat().st_size > 0
    survival = pd.read_csv(res / "survival.csv")
    assert len(survival) > 0
    for site in ("R01", "R02", "R03", "R04"):
        report = json.loads((res / "ingested" / site / "validation.json").read_text())
        assert report["status"] == "ok", site
    snakemake(workdir, "--configfile", str(config), "--report", str(tmp_path / "report.html"))
    assert (tmp_path / "report.html").stat().st_size > 10_000
