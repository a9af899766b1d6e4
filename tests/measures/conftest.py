"""Fixtures for the measures tests: the synthetic tract of the segmentation tests."""

from __future__ import annotations

import pytest

from tests.segmentation.synthetic import synthetic_sequence


@pytest.fixture(scope="session")
def synthetic():
    """``(sequence, true_airway, segmentation)`` of the synthetic tract (segmented once)."""
    import vtract

    seq, truth = synthetic_sequence()
    return seq, truth, vtract.segment(seq, method="classic")


@pytest.fixture()
def simple_geometry():
    """An L-shaped tract with known measures (palatal plane horizontal through (50, 60) mm).

    Pharynx: vertical from the glottis (100, 160) to y = 90, 10 mm wide, 4 mm at y = 120. Oral
    cavity: horizontal at y = 75 from x = 95 to the lips at x = 10, 12 mm high, 3 mm at x = 35
    (tongue tip), 5 mm at x = 71 (dorsum), 6 mm between the lips (x < 20).
    """
    import numpy as np

    from vtract.measures import TractGeometry

    ys = np.arange(160.0, 89.0, -2.0)
    wp = np.where(np.isclose(ys, 120.0), 4.0, 10.0)
    xs = np.arange(95.0, 9.0, -2.0)
    wo = np.full(xs.size, 12.0)
    wo[np.isclose(xs, 35.0)] = 3.0
    wo[np.isclose(xs, 71.0)] = 5.0
    wo[xs < 20.0] = 6.0
    mid = np.vstack([np.column_stack([np.full(ys.size, 100.0), ys]), np.column_stack([xs, np.full(xs.size, 75.0)])])
    up = np.vstack([np.column_stack([100.0 + wp / 2, ys]), np.column_stack([xs, 75.0 - wo / 2])])
    lo = np.vstack([np.column_stack([100.0 - wp / 2, ys]), np.column_stack([xs, 75.0 + wo / 2])])
    d = np.concatenate([wp, wo])
    lm = {"glottis": [100.0, 160.0], "lip_opening": [10.0, 75.0], "lip_front": [10.0, 70.0],
          "ridge": [30.0, 62.0], "pns": [80.0, 60.0], "velum_tip": [95.0, 85.0], "tongue_tip": [33.0, 78.0]}
    surface = np.column_stack([np.arange(40.0, 91.0, 5.0), np.full(11, 80.0)])
    return TractGeometry(midline=mid[None], upper=up[None], lower=lo[None], distance=d[None],
                         landmarks={k: np.array(v)[None] for k, v in lm.items()},
                         plane_point=np.array([[50.0, 60.0]]), plane_normal=np.array([[0.0, 1.0]]),
                         tongue_surface=(surface,), velum_opening_mm=np.array([0.0]),
                         airway_area_mm2=np.array([1500.0]), times_s=np.array([0.5]))
