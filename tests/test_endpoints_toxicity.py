"""Toxicity and compression fracture endpoints on hand-built one-patient sites."""

import pandas as pd
import pytest

from spinepair.contracts.cdm import TOXICITY_TYPES
from spinepair.endpoints.derive import derive_site
from spinepair.errors import ConfigError
from tests.helpers.derive import day, merge_sites, site


def _img(d, finding, level="L4", modality="MRI"):
    return {"date": day(d), "modality": modality, "finding": finding, "level": level}


def _tox(d, kind, grade):
    return {"date": day(d), "type": kind, "rtog_grade": grade}


def _one(params=None, **children):
    return derive_site(site(**children), params).iloc[0]


def test_no_toxicity():
    r = _one()
    assert not r.tox_any and not r.tox_grade2_any and not r.compression_fracture
    assert all(r[f"tox_{t}_grade"] == 0 and not r[f"tox_{t}"] for t in TOXICITY_TYPES)


def test_types_grades_and_timing():
    r = _one(
        toxicities=[
            _tox(-5, "fatigue", 2),  # before treatment: ignored
            _tox(0, "nausea", 1),  # on the treatment day: counts
            _tox(10, "nausea", 2),
            _tox(12, "skin", 1),
        ]
    )
    assert r.tox_any and r.tox_nausea and r.tox_nausea_grade == 2
    assert r.tox_skin and r.tox_skin_grade == 1
    assert not r.tox_fatigue and r.tox_fatigue_grade == 0
    assert r.tox_grade2_any


def test_grade1_only_is_not_grade2():
    r = _one(toxicities=[_tox(3, "dysphagia", 1)])
    assert r.tox_any and not r.tox_grade2_any


PAPER = {"fracture_counts_as_toxicity": True}  # the reference paper's definition (a variant)


def test_fracture_is_its_own_endpoint_and_a_toxicity_only_when_declared():
    r = _one(imaging=[_img(60, "no_progression"), _img(90, "compression_fracture")])
    assert r.compression_fracture and not r.tox_any
    r = _one(PAPER, imaging=[_img(60, "no_progression"), _img(90, "compression_fracture")])
    assert r.compression_fracture and r.tox_any and not r.tox_grade2_any


def test_acute_window_counts_toxicities_up_to_its_last_day():
    tox = [_tox(90, "nausea", 1), _tox(91, "skin", 2)]
    r = _one({"acute_toxicity_days": 90}, toxicities=tox)
    assert r.tox_nausea and not r.tox_skin and r.tox_skin_grade == 0 and not r.tox_grade2_any
    r = _one({"acute_toxicity_days": 89}, toxicities=tox)
    assert not r.tox_any
    r = _one(toxicities=tox)  # no window: every toxicity from the start on
    assert r.tox_skin and r.tox_grade2_any


def test_bad_acute_window():
    with pytest.raises(ConfigError, match="acute_toxicity_days"):
        _one({"acute_toxicity_days": -1})


def test_time_to_fracture_event_censoring_and_no_imaging():
    month = 30.4375
    r = _one(imaging=[_img(60, "no_progression"), _img(91, "compression_fracture")])
    assert r.fracture_event and r.fracture_months == pytest.approx(91 / month)
    # no fracture: censored at the last imaging of any finding and level
    r = _one(imaging=[_img(60, "no_progression"), _img(120, "no_progression", level="T2")])
    assert not r.fracture_event and r.fracture_months == pytest.approx(120 / month)
    # a fracture attributed to progression is no event: censored at the last imaging
    r = _one(imaging=[_img(60, "local_progression"), _img(90, "compression_fracture")])
    assert not r.fracture_event and r.fracture_months == pytest.approx(90 / month)
    # no imaging after the origin: not under surveillance, NA
    r = _one(imaging=[_img(-10, "no_progression")])
    assert r.fracture_event is pd.NA and r.fracture_months is pd.NA


def test_fracture_elsewhere_or_before_treatment_does_not_count():
    r = _one(
        imaging=[
            _img(90, "compression_fracture", level="L2"),
            _img(-10, "compression_fracture", level="L4", modality="CT"),
        ]
    )
    assert not r.compression_fracture and not r.tox_any


def test_fracture_caused_by_progression_is_not_a_toxicity():
    # local progression at the index level on day 60, fracture on day 90 -> tumour's
    r = _one(imaging=[_img(60, "local_progression"), _img(90, "compression_fracture")])
    assert not r.compression_fracture and not r.tox_any and r.lc_event
    # same day also counts as "on or before"
    r = _one(imaging=[_img(90, "local_progression"), _img(90, "compression_fracture")])
    assert not r.compression_fracture
    # progression after the fracture: the fracture is treatment-related
    r = _one(PAPER, imaging=[_img(60, "compression_fracture"), _img(90, "local_progression")])
    assert r.compression_fracture and r.tox_any
    # progression at another level does not explain an index fracture
    r = _one(imaging=[_img(60, "local_progression", level="L2"), _img(90, "compression_fracture")])
    assert r.compression_fracture
    # rule "none": every index fracture counts
    r = _one(
        params={"fracture_progression_rule": "none"},
        imaging=[_img(60, "local_progression"), _img(90, "compression_fracture")],
    )
    assert r.compression_fracture


def test_bad_fracture_rule():
    with pytest.raises(ConfigError, match="fracture_progression_rule"):
        _one(params={"fracture_progression_rule": "maybe"})


def test_patients_do_not_leak_into_each_other():
    a = site(key="a", toxicities=[_tox(5, "esophagitis", 2)])
    b = site(key="b", imaging=[_img(30, "compression_fracture")])
    c = site(key="c")
    d = derive_site(merge_sites(c, b, a), PAPER).set_index("patient_key")
    assert d.tox_esophagitis.tolist() == [True, False, False]
    assert d.compression_fracture.tolist() == [False, True, False]
    assert d.tox_any.tolist() == [True, True, False]
