"""Fake direct identifiers, as real EMR exports carry them (all synthetic)."""

from __future__ import annotations

import numpy as np
import pandas as pd

SURNAMES = "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나"
GIVEN = "민서준지현우도윤하은수영예진호성재연유채건시아주원승혜동희태경소"


def fake_identities(rng: np.random.Generator, patients: list[dict]) -> pd.DataFrame:
    """Name, resident registration number and phone for each patient row (synthetic)."""
    names, rrns, phones = [], [], []
    for p in patients:
        names.append(rng.choice(list(SURNAMES)) + rng.choice(list(GIVEN)) + rng.choice(list(GIVEN)))
        birth = p["birth_date"]
        century = 0 if birth.year < 2000 else 2
        sex_digit = (1 if p["sex"] == "M" else 2) + century
        serial = int(rng.integers(0, 1_000_000))
        rrns.append(f"{birth:%y%m%d}-{sex_digit}{serial:06d}")
        phones.append(f"010-{int(rng.integers(2000, 10000)):04d}-{int(rng.integers(0, 10000)):04d}")
    return pd.DataFrame({"name": names, "rrn": rrns, "phone": phones}, dtype="string")
