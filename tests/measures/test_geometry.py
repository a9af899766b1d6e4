"""The geometry record: palatal plane and plane coordinates."""

from __future__ import annotations

import numpy as np
import pytest

from vtract.measures import palatal_plane


def test_palatal_plane_of_a_tilted_line():
    x = np.linspace(30, 80, 11)
    pts = np.column_stack([x, 60 + np.tan(np.radians(10)) * (x - 30)])
    c, n = palatal_plane(pts)
    np.testing.assert_allclose(c, pts.mean(0))
    # normal points down (y grows), perpendicular to the line
    assert n[1] > 0
    assert np.degrees(np.arctan2(-n[0], n[1])) == pytest.approx(10.0, abs=1e-6)


def test_palatal_plane_tilt_is_clipped():
    pts = np.array([[0.0, 0.0], [10.0, 10.0]])  # 45 degrees: the fit caught something else
    _, n = palatal_plane(pts, max_tilt_deg=20.0)
    assert np.degrees(np.arctan2(-n[0], n[1])) == pytest.approx(20.0)


def test_plane_coords(simple_geometry):
    g = simple_geometry
    u, h = g.plane_coords(np.array([[[60.0, 70.0]]]))
    # plane through (50, 60), horizontal: u = x - 50, h = y - 60
    assert u[0, 0] == pytest.approx(10.0) and h[0, 0] == pytest.approx(10.0)
