"""Keyed pseudonyms: patients (HMAC-SHA256 of ``"{site}:{patient_id}"``) and persons.

A person pseudonym is the HMAC of ``"person:{digits of the resident registration number}"``
with the same study key: equal for one person at every site, so the pooled stage can find a
person treated at two hospitals without any registration number leaving ingest.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import numpy as np
import pandas as pd

from spinepair.errors import ConfigError

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
    """Read the pseudonymisation key from a file or an environment variable.

    The file wins if both are given; surrounding whitespace is stripped. Raises
    ConfigError naming the missing source when no non-empty key is found.
    """
    if key_file is not None:
        path = Path(key_file)
        if not path.is_file():
            raise ConfigError(f"pseudonymisation key file not found: {path}")
        key = path.read_bytes().strip()
        if not key:
            raise ConfigError(f"pseudonymisation key file is empty: {path}")
        return key
    if key_env is not None:
        value = os.environ.get(key_env, "").strip()
        if not value:
            raise ConfigError(
                f"environment variable {key_env} with the pseudonymisation key is not set"
            )
        return value.encode()
    raise ConfigError(
        "no pseudonymisation key configured: give a key file or an environment variable"
    )


DEMO_KEY_FILE = "config/demo.key"


def load_site_key(cfg: dict) -> bytes:
    """The key named by the study config's ``pseudonymisation`` section.

    A non-demo study must name its own key (file or environment variable): the bundled
    demo key is refused there, and a missing key stops the run with a ConfigError.
    """
    key_file, key_env = cfg.get("key_file"), cfg.get("key_env")
    if not cfg.get("demo", False):
        if key_file is None and key_env is None:
            raise ConfigError(
                "pseudonymisation: no key configured; set pseudonymisation.key_file or "
                "pseudonymisation.key_env (the demo key is only for demo: true)"
            )
        if key_file is not None and Path(key_file).as_posix().endswith(DEMO_KEY_FILE):
            raise ConfigError(
                "pseudonymisation: the bundled demo key cannot be used with demo: false; "
                "name a key file outside the repository or an environment variable"
            )
    return load_key(key_file, key_env)
