"""Time-to-event endpoints, follow-up and further treatment on one-patient sites.

Months are days / 30.4375; e.g. R: as.numeric(as.Date("2010-05-30") - as.Date("2010-03-01"))
/ 30.4375 = 2.9568788501 (90 days).
"""

import pandas as pd
import pytest

from spinepair.endpoints.derive import derive_site
from tests.helpers.derive import RT_COURSE, day, site

M = 30.4375


def _img(d, finding="no_progression", level="L4", modality="MRI"):
    return {"date": day(d), "modality": modality, "finding": finding, "level": level}


def _one(patient=None, params=None, **children):
    return derive_site(site(patient, **children), params).iloc[0]


def test_months_against_r():
    r = _one({"death_date": day(90), "last_followup_date": day(90)})
    # R: as.numeric(as.Date("2010-05-30") - as.Date("2010-03-01")) / 30.4375
    assert r.os_months == pytest.approx(2.9568788501, abs=1e-9)
    assert r.os_event and r.pfs_event and r.pfs_months == r.os_months
    assert r.followup_months == r.os_months


def test_censoring_order_when_last_imaging_and_followup_differ():
    # last imaging day 200, last follow-up day 365: LC censored at imaging, OS/PFS at follow-up
    r = _one(imaging=[_img(100), _img(200, level="T2")])
    assert (r.lc_months, r.lc_event) == (pytest.approx(200 / M), False)
    assert (r.os_months, r.os_event) == (pytest.approx(365 / M), False)
    assert (r.pfs_months, r.pfs_event) == (pytest.approx(365 / M), False)
    # imaging dated after the last follow-up (day 400 > 365): LC uses it, OS/PFS do not
    r = _one(imaging=[_img(400)])
    assert r.lc_months == pytest.approx(400 / M) and r.os_months == pytest.approx(365 / M)


def test_local_progression_and_death_for_pfs():
    # progression day 120 then death day 200: PFS event at progression
    r = _one(
        {"death_date": day(200), "last_followup_date": day(200)},
        imaging=[_img(60), _img(120, "local_progression"), _img(150, "local_progression")],
    )
    assert (r.lc_months, r.lc_event) == (pytest.approx(120 / M), True)
    assert (r.pfs_months, r.pfs_event) == (pytest.approx(120 / M), True)
    assert (r.os_months, r.os_event) == (pytest.approx(200 / M), True)
    # death before any progression: PFS event at death, LC censored at last imaging
    r = _one({"death_date": day(80), "last_followup_date": day(80)}, imaging=[_img(50)])
    assert (r.pfs_months, r.pfs_event) == (pytest.approx(80 / M), True)
    assert (r.lc_months, r.lc_event) == (pytest.approx(50 / M), False)


def test_progression_at_other_level_is_not_local_failure():
    r = _one(imaging=[_img(90, "local_progression", level="T2"), _img(120)])
    assert not r.lc_event and r.lc_months == pytest.approx(120 / M)


def test_events_on_the_treatment_day_give_time_zero():
    r = _one(
        {"death_date": day(0), "last_followup_date": day(0)}, imaging=[_img(0, "local_progression")]
    )
    assert (r.os_months, r.os_event) == (0.0, True)
    assert (r.lc_months, r.lc_event) == (0.0, True)
    assert (r.pfs_months, r.pfs_event) == (0.0, True)


def test_no_imaging_after_origin_is_no_assessment_not_censoring_at_zero():
    r = _one(imaging=[_img(-5, level="L4")])
    assert pd.isna(r.lc_months) and pd.isna(r.lc_event) and not r.followup_mri


def test_followup_mri():
    assert not _one(imaging=[_img(0)]).followup_mri  # same-day scan = planning
    assert not _one(imaging=[_img(60, modality="CT")]).followup_mri
    assert _one(imaging=[_img(60, level="C2")]).followup_mri


def test_time_origin_treatment_end():
    rt = [RT_COURSE]
    r = _one(
        params={"time_origin": "treatment_end"},
        treatments=rt,
        imaging=[_img(100, "local_progression")],
    )
    assert r.os_months == pytest.approx((365 - 13) / M)
    assert r.lc_months == pytest.approx((100 - 13) / M)


def test_other_level_progression_before_index():
    lp = _img(200, "local_progression")
    assert _one(
        imaging=[_img(100, "other_level_progression", "T2"), lp]
    ).other_level_progression_before_index
    assert not _one(
        imaging=[lp, _img(250, "other_level_progression", "T2")]
    ).other_level_progression_before_index
    # no index progression: any other-level progression counts
    assert _one(
        imaging=[_img(300, "other_level_progression", "T2")]
    ).other_level_progression_before_index
    assert not _one(imaging=[_img(300)]).other_level_progression_before_index


def _ftx(d, kind, reason, level="L4"):
    return {"date": day(d), "type": kind, "level": level, "reason": reason}


def test_further_treatment_first_at_index_after_end():
    r = _one(
        further_treatments=[
            _ftx(0, "rt", "tumor_progression"),  # not after treatment_end
            _ftx(30, "surgery", "tumor_progression", level="T2"),  # other level
            _ftx(150, "vertebroplasty_kyphoplasty", "compression_fracture"),
            _ftx(300, "srs", "tumor_progression"),
        ]
    )
    assert r.further_tx and r.further_tx_type == "vertebroplasty_kyphoplasty"
    assert r.further_tx_reason == "compression_fracture"
    assert r.further_tx_interval_months == pytest.approx(150 / M)
    r = _one()
    assert not r.further_tx and pd.isna(r.further_tx_type)
    assert pd.isna(r.further_tx_interval_months) and pd.isna(r.further_tx_reason)
