"""One person at two sites: person pseudonyms at ingest, the pooled policy, the attrition step."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io

import pandas as pd
import pytest

from spinepair.cohort.attrition import pooled_attrition
from spinepair.cohort.persons import (
    STEP,
    DuplicatePersonError,
    apply_to_cohort,
    cross_site_duplicates,
)
from spinepair.errors import ConfigError
from spinepair.ingest.pseudonym import person_keys

KEY = b"test-key"


def test_person_keys_are_keyed_hashes_of_the_registration_digits():
    rrn = pd.Series(["500304-1234567", "5003041234567", " ", None, "500304 2345678"])
    keys = person_keys(KEY, rrn)
    expected = hmac.new(KEY, b"person:5003041234567", hashlib.sha256).hexdigest()[:20]
    assert keys.iloc[0] == keys.iloc[1] == expected
    assert keys.iloc[2:4].isna().all()
    assert keys.iloc[4] != expected and "500304" not in str(keys.iloc[4])


def _patients():
    """Person p1 at sites A (2010) and C (2008); p2 at A and B with no start at B; p3 alone."""
    return pd.DataFrame(
        {
            "patient_key": ["a1", "c1", "a2", "b2", "a3", "c4"],
            "person_key": ["p1", "p1", "p2", "p2", "p3", None],
            "site": ["A", "C", "A", "B", "A", "C"],
            "arm": ["SRS", "RT", "SRS", "SRS", "SRS", "RT"],
            "treatment_start": pd.to_datetime(
                ["2010-01-01", "2008-05-01", "2009-01-01", None, "2011-01-01", "2011-01-01"]
            ),
        }
    )


def test_keep_earliest_keeps_the_first_treatment_of_each_person():
    removed = cross_site_duplicates(_patients(), "keep_earliest")
    assert removed["patient_key"].tolist() == ["a1", "b2"]
    assert set(removed["reason"]) == {"same person treated earlier at another site"}


def test_exclude_all_removes_every_patient_of_a_shared_person():
    removed = cross_site_duplicates(_patients(), "exclude_all")
    assert sorted(removed["patient_key"]) == ["a1", "a2", "b2", "c1"]


def test_fail_names_the_sites_and_keys_and_unknown_policies_are_refused():
    with pytest.raises(
        DuplicatePersonError, match="2 person.*site A patient a1; site C patient c1"
    ):
        cross_site_duplicates(_patients(), "fail")
    with pytest.raises(ConfigError, match="persons.across_sites"):
        cross_site_duplicates(_patients(), "keep_latest")
    alone = _patients()[_patients()["site"] == "A"]
    assert cross_site_duplicates(alone, "fail").empty


def _cohort():
    return pd.DataFrame(
        {
            "patient_key": ["a1", "a2", "a3", "c1", "c4"],
            "site": ["A", "A", "A", "C", "C"],
            "arm": ["SRS", "SRS", "SRS", "RT", "RT"],
            "eligible": [True, True, False, True, True],
            "excluded_at": [None, None, "primary tumour", None, None],
            "exclusion_reason": [None, None, "primary_tumor RCC not in ['HCC']", None, None],
        }
    )


def test_the_cohort_and_the_attrition_count_the_pooled_step():
    removed = cross_site_duplicates(_patients(), "keep_earliest")
    cohort = apply_to_cohort(_cohort(), removed)
    a1 = cohort.set_index("patient_key").loc["a1"]
    assert (a1["eligible"], a1["excluded_at"]) == (False, STEP)
    site = pd.DataFrame(
        {
            "arm": ["SRS", "RT"], "site": ["A", "C"], "step_no": [0, 0],
            "step": ["screened"] * 2, "rule": ["all"] * 2, "exclusion": [""] * 2,
            "n_before": [3, 2], "n_excluded": [0, 0], "n_after": [3, 2],
        }
    )  # fmt: skip
    pairs = pd.DataFrame({"index_key": ["a2"], "comparator_key": ["c1"]})
    table = pooled_attrition([site], _cohort(), pairs, [], index_arm="SRS", duplicates=removed)
    step = table[(table["step"] == STEP) & (table["site"] == "all")].set_index("arm")
    assert step.loc["SRS", ["n_before", "n_excluded", "n_after"]].tolist() == [2, 1, 1]
    assert step.loc["RT", ["n_before", "n_excluded", "n_after"]].tolist() == [2, 0, 2]
    matched = table[(table["step"] == "matched 1:1") & (table["site"] == "all")].set_index("arm")
    assert matched.loc["SRS", ["n_before", "n_excluded", "n_after"]].tolist() == [1, 0, 1]
    none = pooled_attrition([site], _cohort(), pairs, [], index_arm="SRS", duplicates=removed[:0])
    assert STEP not in set(none["step"])


def _rewrite_csv(path, encoding: str, edit) -> None:
    """Rewrite a raw CSV with ``edit`` applied to its rows (header first), same encoding."""
    text = path.read_bytes().decode(encoding)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n" if "\r\n" in text else "\n").writerows(edit(rows))
    path.write_bytes(buf.getvalue().encode(encoding))


def _eligible_hcc(workdir, site: str, key: bytes, config: dict) -> pd.DataFrame:
    """Eligible HCC patients of a site with raw id and treatment start (library, no workflow)."""
    from spinepair.cohort.eligibility import select
    from spinepair.endpoints.derive import derive_site
    from spinepair.ingest.pipeline import ingest_site

    spec = workdir / "config" / "sites" / f"{site}.yaml"
    tables = ingest_site(spec, workdir / config["raw_root"] / site, site, key).tables
    derived = derive_site(tables, config["endpoints"])
    cohort, _ = select(derived, config["eligibility"])
    ok = cohort.loc[cohort["eligible"], "patient_key"]
    return derived[derived["patient_key"].isin(ok) & (derived["primary_tumor"] == "HCC")]


@pytest.mark.workflow
def test_one_person_at_two_sites_in_the_workflow(tmp_path):
    import yaml

    from spinepair.ingest.pseudonym import load_site_key, patient_key
    from tests.helpers.workflow import copy_project, snakemake

    work = copy_project(tmp_path / "study")
    config = yaml.safe_load((work / "config" / "config.yaml").read_text(encoding="utf-8"))
    key = load_site_key({**config["pseudonymisation"], "key_file": str(work / "config/demo.key")})
    a = _eligible_hcc(work, "A", key, config).iloc[0]
    c = _eligible_hcc(work, "C", key, config).iloc[0]
    assert a["treatment_start"] != c["treatment_start"]
    raw = work / config["raw_root"]

    def ids(site, encoding, id_col, rrn_col):
        text = (raw / site / f"{site}_patient{'s' * (site == 'A')}.csv").read_bytes()
        rows = list(csv.DictReader(io.StringIO(text.decode(encoding), newline="")))
        return {patient_key(key, site, r[id_col]): (r[id_col], r[rrn_col]) for r in rows}

    _, a_rrn = ids("A", "utf-8", "MRN", "RRN")[a["patient_key"]]
    c_id, _ = ids("C", "cp949", "등록번호", "주민등록번호")[c["patient_key"]]

    def same_rrn(rows):  # site C's patient gets site A's patient's registration number
        col = rows[0].index("주민등록번호")
        return [r if r[0] != c_id else [*r[:col], a_rrn, *r[col + 1 :]] for r in rows]

    _rewrite_csv(raw / "C" / "C_patient.csv", "cp949", same_rrn)
    later = a if a["treatment_start"] > c["treatment_start"] else c
    snakemake(work, "results/attrition/attrition.csv")
    dups = pd.read_csv(work / "results" / "matched" / "duplicate_persons.csv")
    assert dups["patient_key"].tolist() == [later["patient_key"]]
    assert (dups["site"].tolist(), dups["arm"].tolist()) == ([later["site"]], [later["arm"]])
    attrition = pd.read_csv(work / "results" / "attrition" / "attrition.csv")
    step = attrition[(attrition["step"] == STEP) & (attrition["site"] == later["site"])]
    assert step.set_index("arm")["n_excluded"].to_dict() == {later["arm"]: 1}
    failed = snakemake(
        work,
        "results/attrition/attrition.csv",
        "--config",
        "persons={across_sites: fail}",
        check=False,
    )
    assert failed.returncode != 0
    out = (
        failed.stdout
        + failed.stderr
        + "".join(
            p.read_text(encoding="utf-8") for p in (work / "results" / "logs").rglob("match*")
        )
    )
    assert f"site A patient {a['patient_key']}; site C patient {c['patient_key']}" in out
