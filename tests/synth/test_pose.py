"""Random grids and placements honour the ranges of issue 12."""

from __future__ import annotations

import numpy as np
import pytest

from vtract.synth import sample
from vtract.synth._pose import (
    FOV_RANGE_MM,
    MATRIX_RANGE,
    ORAL_CENTRE,
    PIXEL_RANGE_MM,
    ROTATION_RANGE_DEG,
    Placement,
    random_grid,
)


def test_random_grid_ranges():
    rng = np.random.default_rng(0)
    grids = [random_grid(rng) for _ in range(400)]
    fov = np.array([g.fov_mm for g in grids])
    sp = np.array([g.spacing_mm for g in grids])
    mx = np.array([g.matrix for g in grids])
    assert fov.min() >= FOV_RANGE_MM[0] - 1e-6 and fov.max() <= FOV_RANGE_MM[1] + 1e-6
    assert sp.min() >= PIXEL_RANGE_MM[0] - 1e-9 and sp.max() <= PIXEL_RANGE_MM[1] + 1e-9
    assert mx.min() >= MATRIX_RANGE[0] and mx.max() <= MATRIX_RANGE[1]
    # The ranges are actually used, not just respected.
    assert fov.min() < 195 and fov.max() > 285
    assert sp.min() < 1.4 and sp.max() > 2.9
    assert mx.min() < 75 and mx.max() > 145
    fine = np.array([g.fine_spacing_mm for g in grids])
    assert fine.min() >= 0.4 and fine.max() <= 0.8 + 1e-9


def test_placement_maps_oral_centre_and_rotates():
    p = Placement(scale=1.1, rotation_deg=90.0, centre_mm=(80.0, 100.0), neck_bend_deg=0.0)
    np.testing.assert_allclose(p(ORAL_CENTRE[None]), [[80.0, 100.0]], atol=1e-9)
    # 10 mm towards the back of the head, rotated by 90 deg, scaled 1.1 -> 11 mm down.
    np.testing.assert_allclose(p(ORAL_CENTRE[None] + [10.0, 0.0]), [[80.0, 111.0]], atol=1e-9)


def test_neck_bend_moves_only_below_the_mandible():
    p = Placement(scale=1.0, rotation_deg=0.0, centre_mm=tuple(ORAL_CENTRE), neck_bend_deg=10.0)
    pts = np.array([[100.0, 100.0], [100.0, 200.0]])
    out = p(pts)
    assert out[0] == pytest.approx(pts[0])
    assert out[1, 0] > pts[1, 0] + 5.0


def test_sampled_parameters_within_ranges():
    rng = np.random.default_rng(11)
    for _ in range(15):
        m = sample(rng).meta
        lo, hi = ROTATION_RANGE_DEG
        assert lo <= m["placement"]["rotation_deg"] <= hi
        # Tract length of the sampled pose (glottis to lips); the scale clip (0.8-1.25) rarely binds.
        assert 128.0 <= m["tract_length_mm"] <= 202.0
        assert FOV_RANGE_MM[0] - 1e-6 <= m["grid"]["fov_mm"] <= FOV_RANGE_MM[1] + 1e-6


def test_anatomy_draws_within_documented_ranges():
    from vtract.synth._anatomy import ANATOMY_RANGES, random_anatomy

    rng = np.random.default_rng(4)
    draws = [random_anatomy(rng) for _ in range(200)]
    for k, (lo, hi) in ANATOMY_RANGES.items():
        v = np.array([d[k] for d in draws])
        assert lo <= v.min() and v.max() <= hi
        assert v.max() - v.min() > 0.7 * (hi - lo)  # the whole range is used
