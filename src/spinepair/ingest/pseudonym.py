"""Keyed pseudonyms: patients (HMAC-SHA256 of ``"{site}:{patient_id}"``) and persons.

A person pseudonym is the HMAC of ``"person:{digits of the resident registration number}"``
with the same study key: equal for one person at every site, so the pooled stage can find a
person treated at two hospitals without any registration number leaving ingest.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from spinepair.keys import load_study_key

KEY_LENGTH = 20


def patient_key(key: bytes, site: str, patient_id: str) -> str:
    """The pseudonym of one patient: first 20 hex chars of the HMAC-SHA256."""
    msg = f"{site}:{patient_id}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:KEY_LENGTH]


def pseudonymise(key: bytes, site: str, ids: pd.Series) -> pd.Series:
    """Pseudonyms for a column of raw ids (hashed once per distinct id)."""
    codes, uniques = pd.factorize(ids.astype("string"), use_na_sentinel=True)
    keys = np.array([patient_key(key, site, u) for u in uniques] + [None], dtype=object)
    return pd.Series(keys[codes], index=ids.index, dtype="string")


def normalised_rrn(rrn: pd.Series) -> pd.Series:
    """Digits of a resident registration number (NA when there are none)."""
    digits = rrn.astype("string").str.replace(r"\D", "", regex=True)
    return digits.mask(digits == "")


def person_keys(key: bytes, rrn: pd.Series) -> pd.Series:
    """Person pseudonyms from registration numbers (digits only; NA where there are none)."""
    codes, uniques = pd.factorize(normalised_rrn(rrn), use_na_sentinel=True)
    made = [
        hmac.new(key, f"person:{u}".encode(), hashlib.sha256).hexdigest()[:KEY_LENGTH]
        for u in uniques
    ]
    return pd.Series(np.array(made + [None], dtype=object)[codes], index=rrn.index, dtype="string")


def load_key(key_file: str | Path | None = None, key_env: str | None = None) -> bytes:
    """Read a key from a file or an environment variable without the real-study rules
    (the file wins; surrounding whitespace is stripped; see :mod:`spinepair.keys`)."""
    return load_study_key({"demo": True, "key_file": key_file, "key_env": key_env})


def load_site_key(cfg: dict, project_dirs: Iterable[str | Path] = ()) -> bytes:
    """The key named by the study config's ``pseudonymisation`` section.

    A non-demo study must name its own key (file or environment variable) meeting the
    rules of :mod:`spinepair.keys` (at least 32 bytes, not the demo key, a file private to
    its owner and outside ``project_dirs``); otherwise a ConfigError says what to do.
    """
    return load_study_key(cfg, project_dirs)
