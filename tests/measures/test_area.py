"""The area law against its published values (Heinz & Stevens, coefficients for cm)."""

from __future__ import annotations

import numpy as np
import pytest

from vtract.measures import area_from_distance


def test_ten_mm_is_160_mm2_with_the_published_coefficients():
    # A = 1.6 cm^2 * (1 cm)^1.5 for a 1 cm midsagittal distance (alpha 1.6, beta 1.5, cm units)
    assert area_from_distance(10.0, 1.6, 1.5) == pytest.approx(160.0)
    # 2 cm: 1.6 * 2^1.5 cm^2 = 4.525 cm^2
    assert area_from_distance(20.0) == pytest.approx(452.5483, rel=1e-6)


def test_closure_nan_and_per_section_coefficients():
    out = area_from_distance(np.array([-3.0, 0.0, np.nan, 10.0]), np.array([1.0, 1.0, 1.0, 2.0]), 1.0)
    np.testing.assert_allclose(out, [0.0, 0.0, np.nan, 200.0])


def test_no_second_definition():
    from vtract import tube

    assert tube.area_from_distance is area_from_distance
