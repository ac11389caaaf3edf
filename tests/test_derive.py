"""derive_site: the per-patient table contract, covariates, dose and its error messages."""

import pandas as pd
import pytest
import yaml

from spinepair.contracts.cdm import TOXICITY_TYPES, VOCABULARIES
from spinepair.endpoints.derive import DEFAULT_PARAMS, SCHEMA_PATH, derive_site, schema
from spinepair.errors import ConfigError, SpinepairError
from tests.helpers.derive import RT_COURSE, T0, day, merge_sites, site

EXPECTED_COLUMNS = (
    [
        "patient_key",
        "site",
        "arm",
        "sex",
        "primary_tumor",
        "prior_index_treatment",
        "child_pugh",
        "child_pugh_num",
        "treatment_start",
        "treatment_end",
        "treatment_year",
        "age_years",
        "interval_months",
        "index_level",
        "index_region",
        "n_spine_mets",
        "n_mets_cat",
        "ecog",
        "ecog_group",
        "ambulation",
        "ambulation_group",
        "tumor_volume_cc",
        "modality",
        "total_dose_gy",
        "fractions",
        "dose_per_fraction_gy",
        "bed_gy",
        "eqd2_gy",
        "margin_dose_gy",
        "isodose_pct",
        "vas_pre",
        "analgesic_pre",
        "vas_post",
        "analgesic_post",
        "vas_change",
        "pain_evaluable",
        "pain_response",
        "pain_improved",
        "tox_any",
    ]
    + [c for t in TOXICITY_TYPES for c in (f"tox_{t}", f"tox_{t}_grade")]
    + [
        "tox_grade2_any",
        "compression_fracture",
        "fracture_months",
        "fracture_event",
        "further_tx",
        "further_tx_type",
        "further_tx_interval_months",
        "further_tx_reason",
        "os_months",
        "os_event",
        "lc_months",
        "lc_event",
        "pfs_months",
        "pfs_event",
        "other_level_progression_before_index",
        "followup_months",
        "followup_mri",
    ]
)


def test_contract_columns_order_dtypes_and_sorting():
    sites = [site(key=k) for k in ("k3", "k1", "k2")]
    d = derive_site(merge_sites(*sites))
    assert list(d.columns) == EXPECTED_COLUMNS
    assert d.patient_key.tolist() == ["k1", "k2", "k3"]
    want = {"string", "Int64", "Float64", "boolean", "datetime64[ns]"}
    assert {str(t) for t in d.dtypes} == want
    assert str(d.pain_evaluable.dtype) == "boolean" and str(d.fractions.dtype) == "Int64"


def test_schema_vocabularies_agree_with_the_common_data_model():
    spec = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    for name, values in spec["vocabularies"].items():
        assert tuple(values) == VOCABULARIES[name], name
    assert list(schema().columns) == EXPECTED_COLUMNS


def test_baseline_covariates():
    d = derive_site(
        merge_sites(
            site(key="a"),
            site(
                {
                    "n_spine_mets": 4,
                    "ecog": 2,
                    "ambulation": 3,
                    "index_level": "C7",
                    "child_pugh": "B",
                },
                key="b",
            ),
            site({"n_spine_mets": 7, "index_level": "T12", "child_pugh": None}, key="c"),
            site({"n_spine_mets": 3, "index_level": "S1", "child_pugh": "C"}, key="d"),
        )
    ).set_index("patient_key")
    a = d.loc["a"]
    # R: as.numeric(as.Date("2010-03-01") - as.Date("1950-03-01")) / 365.25 = 60
    assert a.age_years == pytest.approx(60.0)
    # R: as.numeric(as.Date("2010-01-01") - as.Date("2008-03-01")) / 30.4375 = 22.0451745380
    assert a.interval_months == pytest.approx(22.0451745380, abs=1e-9)
    assert a.treatment_start == T0 and a.treatment_year == 2010
    assert d.index_region.tolist() == ["lumbar", "cervical", "thoracic", "sacral"]
    assert d.n_mets_cat.tolist() == [1, 4, 4, 3]
    assert d.ecog_group.tolist() == ["<=1", ">=2", "<=1", "<=1"]
    assert d.ambulation_group.tolist() == ["<=2", ">=3", "<=2", "<=2"]
    assert d.child_pugh_num.tolist()[:2] == [1, 2] and pd.isna(d.child_pugh_num["c"])
    assert d.child_pugh_num["d"] == 3


def test_dose_columns_single_fraction_srs_and_rt():
    srs = derive_site(site()).iloc[0]  # 24 Gy x 1 at the 80% isodose
    assert (srs.modality, srs.fractions, srs.dose_per_fraction_gy) == ("SRS", 1, 24.0)
    assert srs.bed_gy == pytest.approx(81.6)  # R: bed(24, 1)  (see test_dose.py)
    assert srs.eqd2_gy == pytest.approx(68.0)  # R: eqd2(24, 1)
    assert srs.margin_dose_gy == 24.0 and srs.isodose_pct == 80.0
    rt = derive_site(site(treatments=[RT_COURSE])).iloc[0]
    assert rt.bed_gy == pytest.approx(39.0) and rt.eqd2_gy == pytest.approx(32.5)
    assert pd.isna(rt.isodose_pct) and rt.treatment_end == day(13)
    # alpha/beta 3: R: bed(30, 10, 3) = 60; eqd2(30, 10, 3) = 36
    rt3 = derive_site(site(treatments=[RT_COURSE]), {"alpha_beta": 3}).iloc[0]
    assert rt3.bed_gy == pytest.approx(60.0) and rt3.eqd2_gy == pytest.approx(36.0)


def test_first_primary_course_is_used():
    retreat = {
        **RT_COURSE,
        "course": 1,
        "start_date": day(-100),
        "end_date": day(-90),
        "intent": "retreatment",
    }
    later = {
        **RT_COURSE,
        "course": 2,
        "start_date": day(50),
        "end_date": day(60),
        "total_dose_gy": 20.0,
        "fractions": 5,
    }
    first = {**RT_COURSE, "course": 3}
    r = derive_site(site(treatments=[retreat, later, first])).iloc[0]
    assert r.treatment_start == day(0) and r.total_dose_gy == 30.0


def test_patient_without_primary_course_is_kept_with_na():
    retreat = {**RT_COURSE, "intent": "retreatment"}
    d = derive_site(merge_sites(site(key="a"), site(key="b", treatments=[retreat])))
    b = d.set_index("patient_key").loc["b"]
    assert len(d) == 2 and pd.isna(b.treatment_start) and pd.isna(b.os_months)
    assert b.pain_response == "not_evaluable" and not b.pain_evaluable
    assert pd.isna(b.tox_any) and pd.isna(b.bed_gy) and pd.isna(b.age_years)


def test_params_are_checked():
    assert set(DEFAULT_PARAMS) >= {"month_days", "time_origin", "alpha_beta", "pain_rule"}
    with pytest.raises(ConfigError, match=r"unknown derive parameter\(s\) \['alpha'\]"):
        derive_site(site(), {"alpha": 3})
    with pytest.raises(ConfigError, match="time_origin"):
        derive_site(site(), {"time_origin": "diagnosis"})
    with pytest.raises(ConfigError, match="month_days"):
        derive_site(site(), {"month_days": 0})
    # checked up front, even when no patient is evaluable for pain
    with pytest.raises(ConfigError, match=r"pain_rule must be one of \['paper', 'chow2012'\]"):
        derive_site(site(), {"pain_rule": "who"})
    with pytest.raises(ConfigError, match="fracture_counts_as_toxicity"):
        derive_site(site(), {"fracture_counts_as_toxicity": "no"})


def test_month_days_param():
    r = derive_site(site(), {"month_days": 30.0}).iloc[0]
    assert r.os_months == pytest.approx(365 / 30.0)


def test_bad_input_gives_a_clear_error():
    tables = site()
    del tables["imaging"]
    with pytest.raises(SpinepairError, match=r"missing common-data-model table\(s\) \['imaging'\]"):
        derive_site(tables)
    # follow-up ending before treatment: negative survival time breaks the contract
    bad = site({"last_followup_date": day(-10)})
    with pytest.raises(SpinepairError, match=r"(?s)site A.*os_months.*>= 0.*p1"):
        derive_site(bad)


def test_empty_site():
    d = derive_site({name: t.iloc[0:0] for name, t in site().items()})
    assert d.shape == (0, len(EXPECTED_COLUMNS))
