"""BED / EQD2 / unit conversion against published and R-computed values.

R reference (base R 4.2.2, no package):
  bed <- function(D, n, ab = 10) D * (1 + D / n / ab); eqd2 <- function(D, n, ab = 10)
  bed(D, n, ab) / (1 + 2 / ab)
"""

import numpy as np
import pytest

from spinepair.endpoints.dose import bed, eqd2, to_gy
from spinepair.errors import ConfigError


@pytest.mark.parametrize(
    ("total", "n", "ab", "want_bed", "want_eqd2"),
    [
        # brief / paper worked values: 8 Gy x 1 single fraction (also the 1-fraction SRS case)
        (8, 1, 10, 14.4, 12.0),  # R: bed(8, 1); eqd2(8, 1)
        # 30 Gy / 10 fractions, the common palliative RT schedule
        (30, 10, 10, 39.0, 32.5),  # R: bed(30, 10); eqd2(30, 10)
        # standard 2-Gy schedule 70 Gy / 35 (Fowler 1989 Br J Radiol 62:679 reference
        # schedule): 84 Gy10; late tissue a/b 3: 116.67 Gy3, EQD2 = 70 by definition
        (70, 35, 10, 84.0, 70.0),  # R: bed(70, 35); eqd2(70, 35)
        (70, 35, 3, 116.6666666666667, 70.0),  # R: bed(70, 35, 3); eqd2(70, 35, 3)
        # RTOG 0631 spine radiosurgery arm, 16 Gy x 1
        (16, 1, 10, 41.6, 34.6666666666667),  # R: bed(16, 1); eqd2(16, 1)
        # paper Fig. 1 SRS case, 40 Gy in 4 fractions
        (40, 4, 10, 80.0, 66.6666666666667),  # R: bed(40, 4); eqd2(40, 4)
    ],
)
def test_bed_eqd2_reference_values(total, n, ab, want_bed, want_eqd2):
    assert bed(total, n, ab) == pytest.approx(want_bed, rel=1e-12)
    assert eqd2(total, n, ab) == pytest.approx(want_eqd2, rel=1e-12)


def test_vectorised_and_scalar_types():
    got = eqd2(np.array([8.0, 30.0, np.nan]), np.array([1, 10, 5]))
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got[:2], [12.0, 32.5])  # R: eqd2(c(8, 30), c(1, 10))
    assert np.isnan(got[2])
    assert isinstance(bed(8, 1), float)


def test_eqd2_of_2gy_fractions_is_the_total_dose():
    # EQD2 of any 2-Gy schedule equals its total dose, whatever alpha/beta
    for ab in (2.0, 3.0, 10.0):
        assert eqd2(46, 23, ab) == pytest.approx(46.0)


def test_to_gy_converts_cgy():
    assert to_gy(2400, "cGy") == 24.0
    assert to_gy(24, "Gy") == 24.0
    np.testing.assert_allclose(to_gy([800, 3000], "CGY"), [8.0, 30.0])
    # a cGy export converted then fed to eqd2: 800 cGy x 1 -> 12 Gy EQD2
    assert eqd2(to_gy(800, "cGy"), 1) == pytest.approx(12.0)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ConfigError, match="unknown dose unit 'mGy'"):
        to_gy(1, "mGy")
    with pytest.raises(ConfigError, match="alpha_beta"):
        bed(8, 1, alpha_beta=0)
    with pytest.raises(ValueError, match="fractions must be positive"):
        bed(8, 0)


def test_docstring_examples():
    import doctest

    import spinepair.endpoints.dose

    assert doctest.testmod(spinepair.endpoints.dose).failed == 0
