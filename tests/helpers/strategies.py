"""Hypothesis strategies for random valid site truths, and the CDM tables they must ingest to."""

from __future__ import annotations

import hashlib
import hmac
import math

import pandas as pd
from hypothesis import strategies as st

from spinepair.contracts import cdm
from spinepair.contracts.stages import column_dtypes

SURNAMES = "김이박최정강조윤장임"
GIVEN = ["민준", "서연", "지호", "하은", "도윤", "수아", "예준", "지우", "시우", "서윤"]
MACHINES = ["Novalis Tx", "CyberKnife M6", "Clinac iX", "TrueBeam STx"]
EPOCH = pd.Timestamp("1930-01-01")


def _day(n: int) -> pd.Timestamp:
    return EPOCH + pd.Timedelta(days=n)


def _cents(lo: float, hi: float, scale: int = 100):
    return st.integers(int(lo * scale), int(hi * scale)).map(lambda v: v / scale)


# (fractions, lowest and highest dose per fraction) of plausible courses (see
# spinepair.ingest.checks.plausibility): total and BED (alpha/beta 10) within the defaults.
def _bed_cap(n: int) -> float:
    """The largest dose per fraction with BED <= 150 Gy in n fractions."""
    return ((100 + 6000 / n) ** 0.5 - 10) / 2


@st.composite
def course_dose(draw, modality: str, whole_cgy: bool = False) -> tuple[float, int]:
    """(total dose in Gy, fractions) of a plausible course of this modality; with
    ``whole_cgy`` the dose per fraction is a whole number of cGy (as prescribed)."""
    if modality == "SRS":
        n = draw(st.integers(1, 5))
        lo, hi = max(6, 10 / n), min(24, 60 / n, _bed_cap(n))
    else:
        n = draw(st.integers(1, 30))
        lo, hi = max(2, 10 / n), min(10, 70 / n)
    if whole_cgy:
        return draw(st.integers(math.ceil(lo * 100), math.floor(hi * 100))) * n / 100, n
    total = draw(st.integers(math.ceil(n * lo * 100), math.floor(n * hi * 100))) / 100
    return total, n


@st.composite
def patient(
    draw,
    pid: str,
    arm: str | None = None,
    min_courses: int = 0,
    serial: int = 0,
    whole_cgy: bool = False,
):
    """One patient: its patients row and child rows with a valid date order and plausible
    doses; the primary course (course 1) is of the site's ``arm`` when given. ``serial``
    makes the registration number unique within a site (one person, one patient id)."""
    # dates stay before the day of ingest: at most 1930 + 41 + 41 + 5.5 + 4.8 + 2.7 y = mid 2025
    birth = draw(st.integers(0, 15000))
    primary = birth + draw(st.integers(6000, 15000))
    spine = primary + draw(st.integers(0, 2000))
    n_courses = draw(st.integers(min_courses, 4))
    courses, start = [], spine
    for k in range(1, n_courses + 1):
        modality = arm if k == 1 and arm else draw(st.sampled_from(cdm.MODALITIES))
        total, fractions = draw(course_dose(modality, whole_cgy))
        start = start + draw(st.integers(0, 400))
        end = start + draw(st.integers(0, 40))
        courses.append(
            {
                "patient_id": pid,
                "course": k,
                "modality": modality,
                "machine": draw(st.sampled_from(MACHINES)),
                "start_date": _day(start),
                "end_date": _day(end),
                "total_dose_gy": total,
                "fractions": fractions,
                "isodose_pct": draw(st.none() | _cents(50, 100, 10)),
                "coverage_pct": draw(st.none() | _cents(50, 100, 10)),
                "levels": draw(st.sampled_from(["T12", "L1-L2", "C5-C7", "T11-L1"])),
                "intent": "primary" if k == 1 else "retreatment",
            }
        )
        start = end
    last_start = max([c["start_date"] for c in courses], default=_day(spine))
    last_end = max([c["end_date"] for c in courses], default=_day(spine))
    last_fu = (last_end - EPOCH).days + draw(st.integers(0, 1000))
    death = draw(st.none() | st.integers((last_start - EPOCH).days, last_fu))
    event_day = st.integers(spine, last_fu).map(_day)
    sex = draw(st.sampled_from(cdm.SEXES))
    birth_ts = _day(birth)
    rrn = f"{birth_ts:%y%m%d}-{1 if sex == 'M' else 2}{serial:06d}"
    row = {
        "patient_id": pid,
        "name": draw(st.sampled_from(SURNAMES)) + draw(st.sampled_from(GIVEN)),
        "rrn": rrn,
        "phone": f"010-{draw(st.integers(1000, 9999))}-{draw(st.integers(0, 9999)):04d}",
        "sex": sex,
        "birth_date": birth_ts,
        "primary_tumor": draw(st.sampled_from(cdm.PRIMARY_TUMORS)),
        "primary_diagnosis_date": _day(primary),
        "spine_met_diagnosis_date": _day(spine),
        "child_pugh": draw(st.none() | st.sampled_from(cdm.CHILD_PUGH)),
        "n_spine_mets": draw(st.integers(1, 30)),
        "ecog": draw(st.integers(0, 4)),
        "ambulation": draw(st.integers(1, 5)),
        "index_level": draw(st.sampled_from(cdm.SPINE_LEVELS)),
        "tumor_volume_cc": draw(st.none() | _cents(0.01, 2000)),
        "prior_index_treatment": draw(st.sampled_from(cdm.PRIOR_TREATMENTS)),
        "death_date": None if death is None else _day(death),
        "last_followup_date": _day(last_fu),
    }
    small = {"min_size": 0, "max_size": 4}
    assessments = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "patient_id": st.just(pid),
                    "date": event_day,
                    "vas": st.integers(0, 10),
                    "analgesic": st.sampled_from(cdm.ANALGESICS),
                    "ome_mg": st.none() | _cents(0, 500, 10),
                }
            ),
            unique_by=lambda r: r["date"],
            **small,
        )
    )
    imaging = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "patient_id": st.just(pid),
                    "date": event_day,
                    "modality": st.sampled_from(cdm.IMAGING_MODALITIES),
                    "finding": st.sampled_from(cdm.FINDINGS),
                    "level": st.sampled_from(cdm.SPINE_LEVELS),
                }
            ),
            unique_by=lambda r: (r["date"], r["finding"], r["level"]),
            **small,
        )
    )
    toxicities = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "patient_id": st.just(pid),
                    "date": event_day,
                    "type": st.sampled_from(cdm.TOXICITY_TYPES),
                    "rtog_grade": st.integers(1, 5),
                }
            ),
            unique_by=lambda r: (r["date"], r["type"]),
            **small,
        )
    )
    further = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "patient_id": st.just(pid),
                    "date": event_day,
                    "type": st.sampled_from(cdm.FURTHER_TREATMENT_TYPES),
                    "level": st.sampled_from(cdm.SPINE_LEVELS),
                    "reason": st.sampled_from(cdm.FURTHER_TREATMENT_REASONS),
                }
            ),
            unique_by=lambda r: (r["date"], r["type"]),
            **small,
        )
    )
    return {
        "patients": [row],
        "treatments": courses,
        "assessments": assessments,
        "imaging": imaging,
        "toxicities": toxicities,
        "further_treatments": further,
    }


def truth_columns(table: str) -> list[str]:
    """Columns of a truth table: patient_id for patient_key, identifiers, no site/arm."""
    cols = [c for c in cdm.columns(table) if c not in cdm.ADAPTER_FIELDS]
    cols[0] = cdm.RAW_ID_FIELD
    return cols[:1] + list(cdm.IDENTIFIER_FIELDS) + cols[1:] if table == "patients" else cols


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """A truth table in CDM dtypes."""
    cols = truth_columns(table)
    dtypes = {
        c.name: d
        for c, d in zip(cdm.TABLES[table], column_dtypes(cdm.TABLES[table]).values(), strict=True)
    }
    dtypes = {c: dtypes.get(c, "string") for c in cols}
    df = pd.DataFrame(rows, columns=cols)
    return df.astype(
        {c: ("object" if d.startswith("datetime") else d) for c, d in dtypes.items()}
    ).astype(dtypes)


@st.composite
def truths(
    draw,
    prefix: str = "X",
    max_patients: int = 8,
    arm: str | None = None,
    all_treated: bool = False,
    whole_cgy: bool = False,
):
    """A random valid site truth: 1..max_patients patients, 0..4 child rows of each kind;
    primary courses of the site's ``arm`` when given (else of either arm); a site has at
    least one course, and with ``all_treated`` every patient has one."""
    nums = draw(st.lists(st.integers(1, 9_999_999), min_size=1, max_size=max_patients, unique=True))
    parts = [
        draw(
            patient(
                f"{prefix}{n:07d}",
                arm,
                min_courses=int(i == 0 or all_treated),
                serial=i,
                whole_cgy=whole_cgy,
            )
        )
        for i, n in enumerate(nums)
    ]
    return {t: frame(t, [r for p in parts for r in p[t]]) for t in cdm.TABLE_NAMES}


def expected(truth: dict, site: str, arm: str | None, key: bytes) -> dict[str, pd.DataFrame]:
    """The CDM tables ingest must return for a truth (independent of spinepair.ingest.pipeline);
    ``arm`` None: each patient's arm is the modality of its primary course."""
    out = {}
    tx = truth["treatments"]
    primary = tx[tx["intent"] == "primary"].drop_duplicates(cdm.RAW_ID_FIELD)
    arms = primary.set_index(cdm.RAW_ID_FIELD)["modality"]
    for table, df in truth.items():
        df = df.copy()
        df["patient_key"] = [
            hmac.new(key, f"{site}:{p}".encode(), hashlib.sha256).hexdigest()[:20]
            for p in df[cdm.RAW_ID_FIELD]
        ]
        if table == "patients":
            df["site"] = site
            df["arm"] = arm if arm else df[cdm.RAW_ID_FIELD].map(arms)
            digits = df["rrn"].astype("string").str.replace(r"\D", "", regex=True)
            df["person_key"] = [
                hmac.new(key, f"person:{d}".encode(), hashlib.sha256).hexdigest()[:20]
                if isinstance(d, str) and d
                else None
                for d in digits
            ]
        cols = cdm.TABLES[table]
        df = df[[c.name for c in cols]].astype(column_dtypes(cols))
        keys = list(cdm.UNIQUE[table])
        out[table] = df.sort_values(keys, kind="stable").reset_index(drop=True)
    return out


def small_truth(site: str) -> dict:
    """A fixed 3-patient truth (ids like A0000017) for damage tests."""
    ids = [f"{site}0000017", f"{site}0000042", f"{site}0000043"]
    pats = [
        {
            "patient_id": pid,
            "name": name,
            "rrn": rrn,
            "phone": phone,
            "sex": sex,
            "birth_date": pd.Timestamp("1950-03-04"),
            "primary_tumor": "HCC",
            "primary_diagnosis_date": pd.Timestamp("2015-01-10"),
            "spine_met_diagnosis_date": pd.Timestamp("2016-02-01"),
            "child_pugh": "A",
            "n_spine_mets": 2,
            "ecog": 1,
            "ambulation": 2,
            "index_level": "T10",
            "tumor_volume_cc": 12.5,
            "prior_index_treatment": "none",
            "death_date": pd.Timestamp("2017-05-05") if i == 0 else None,
            "last_followup_date": pd.Timestamp("2017-05-05"),
        }
        for i, (pid, name, rrn, phone, sex) in enumerate(
            zip(
                ids,
                ["홍길동", "김영희", "이철수"],
                ["500304-1234567", "500304-2345678", "500304-1555666"],
                ["010-1234-5678", "010-9876-5432", "010-5555-1212"],
                ["M", "F", "M"],
                strict=True,
            )
        )
    ]
    tx = [
        {
            "patient_id": pid,
            "course": 1,
            "modality": "SRS" if site in "AB" else "RT",
            "machine": "TrueBeam",
            "start_date": pd.Timestamp("2016-03-01"),
            "end_date": pd.Timestamp("2016-03-05"),
            "total_dose_gy": 24.0,
            "fractions": 3,
            "isodose_pct": 80.0,
            "coverage_pct": None,
            "levels": "T10",
            "intent": "primary",
        }
        for pid in ids
    ]
    pain = [
        {
            "patient_id": pid,
            "date": pd.Timestamp(d),
            "vas": v,
            "analgesic": "narcotic",
            "ome_mg": 30.0,
        }
        for pid in ids
        for d, v in (("2016-03-01", 7), ("2016-04-01", 3))
    ]
    img = [
        {
            "patient_id": pid,
            "date": pd.Timestamp("2016-06-01"),
            "modality": "MRI",
            "finding": "no_progression",
            "level": "T10",
        }
        for pid in ids
    ]
    rows = {
        "patients": pats,
        "treatments": tx,
        "assessments": pain,
        "imaging": img,
        "toxicities": [],
        "further_treatments": [],
    }
    return {t: frame(t, r) for t, r in rows.items()}
