"""Hospital ids and fake direct identifiers, as real EMR exports carry them (all synthetic)."""

from __future__ import annotations

import numpy as np
import pandas as pd

SURNAMES = "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나"
GIVEN = "민서준지현우도윤하은수영예진호성재연유채건시아주원승혜동희태경소"
# Per patient, in draw order: surname, two given-name syllables, RRN serial, two phone blocks.
_LOW = np.array([0, 0, 0, 0, 2000, 0])
_HIGH = np.array([len(SURNAMES), len(GIVEN), len(GIVEN), 1_000_000, 10_000, 10_000])


def raw_ids(rng: np.random.Generator, site: str, n: int) -> np.ndarray:
    """``n`` distinct seven-digit hospital ids prefixed by the site code, in sorted order."""
    nums = np.sort(rng.choice(9_000_000, size=n, replace=False) + 1_000_000)
    return (site + pd.Series(nums).astype(str)).to_numpy(object)


def fake_identities(rng: np.random.Generator, birth, sex) -> pd.DataFrame:
    """Name, resident registration number and mobile phone per patient (synthetic).

    The RRN starts with the birth date; its seventh digit codes sex and century; two
    patients never share one (a serial drawn twice for one birth date is drawn again).
    """
    birth = pd.Series(pd.to_datetime(np.asarray(birth)))
    n = len(birth)
    d = rng.integers(np.broadcast_to(_LOW, (n, 6)), np.broadcast_to(_HIGH, (n, 6)))
    sur, given = np.array(list(SURNAMES), object), np.array(list(GIVEN), object)
    names = sur[d[:, 0]] + given[d[:, 1]] + given[d[:, 2]]
    digit = np.where(np.asarray(sex) == "M", 1, 2) + np.where(birth.dt.year >= 2000, 2, 0)
    head = birth.dt.strftime("%y%m%d") + "-" + pd.Series(digit).astype(str)
    serial = pd.Series(d[:, 3])
    while (twice := (head + serial.astype(str)).duplicated()).any():  # one person, one RRN
        serial[twice] = rng.integers(0, 1_000_000, int(twice.sum()))
    rrn = head + serial.map("{:06d}".format)
    phone = "010-" + pd.Series(d[:, 4]).astype(str) + "-" + pd.Series(d[:, 5]).map("{:04d}".format)
    return pd.DataFrame({"name": names, "rrn": rrn, "phone": phone}, dtype="string")
