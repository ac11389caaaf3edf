"""Toxicity and compression fracture endpoints on hand-built one-patient sites."""

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


def test_fracture_at_index_level_is_a_toxicity():
    r = _one(imaging=[_img(60, "no_progression"), _img(90, "compression_fracture")])
    assert r.compression_fracture and r.tox_any and not r.tox_grade2_any
    r = _one(
        params={"fracture_counts_as_toxicity": False}, imaging=[_img(90, "compression_fracture")]
    )
    assert r.compression_fracture and not r.tox_any


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
    r = _one(imaging=[_img(60, "compression_fracture"), _img(90, "local_progression")])
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
    d = derive_site(merge_sites(c, b, a)).set_index("patient_key")
    assert d.tox_esophagitis.tolist() == [True, False, False]
    assert d.compression_fracture.tolist() == [False, True, False]
    assert d.tox_any.tolist() == [True, True, False]
