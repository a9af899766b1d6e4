"""The geometry record: palatal plane and plane coordinates."""

from __future__ import annotations

import numpy as np
import pytest

from vtract.measures import palatal_plane, palate_columns, palate_landmarks
from vtract.measures._geometry import RIDGE_AREA_MM2


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


def test_palate_columns_reads_areas_and_the_oral_edge():
    m = np.zeros((20, 40), bool)
    m[5:8, 10:31] = True  # 3 px thick, columns 10..30
    m[8, 12] = True  # one deeper pixel
    x_edges, area, edge = palate_columns(m, 0.0, 0.0, 2.0, 1.0)
    assert x_edges[0] == pytest.approx(19.0) and x_edges[-1] == pytest.approx(61.0)
    np.testing.assert_allclose(area[:4], [6.0, 6.0, 8.0, 6.0])
    # the lower edge of each column's lowest pixel, at the column centre
    assert edge.shape == (21, 2)
    np.testing.assert_allclose(edge[0], [20.0, 7.5])
    np.testing.assert_allclose(edge[2], [24.0, 8.5])


def test_palate_landmarks_ridge_by_area_and_a_level_plane():
    m = np.zeros((20, 60), bool)
    m[5:8, 10:50] = True  # 1 mm pixels: 3 mm^2 per column
    ridge, c, n = palate_landmarks(*palate_columns(m, 0.0, 0.0, 1.0, 1.0))
    # RIDGE_AREA_MM2 (10 mm^2) of palate lies in front of x: 10 / 3 mm behind the front edge (9.5)
    assert ridge[0] == pytest.approx(9.5 + RIDGE_AREA_MM2 / 3.0)
    assert ridge[1] == pytest.approx(7.5)  # the oral edge
    np.testing.assert_allclose(n, [0.0, 1.0], atol=1e-12)  # a level palate: the normal points down
    assert c[1] == pytest.approx(7.5)


def test_palate_landmarks_of_a_tiny_palate_are_nan():
    m = np.zeros((10, 10), bool)
    m[2, 2:4] = True  # 2 mm^2 < RIDGE_AREA_MM2
    ridge, c, n = palate_landmarks(*palate_columns(m, 0.0, 0.0, 1.0, 1.0))
    assert np.isnan(ridge).all() and np.isnan(c).all() and np.isnan(n).all()


def test_ridge_and_plane_are_head_fixed_when_the_tongue_touches_the_roof():
    """The tongue tip against the alveolar ridge and the dorsum against the palate change the
    airway's upper wall, not the rigid palate: the ridge and the plane stay where they were."""
    from vtract.measures import geometry_from_labels
    from vtract.phantom import NEUTRAL, build_geometry, get_subject, rasterise

    subj = get_subject("sub01")
    geoms = []
    for change in ({}, {"tip_y_mm": -12.0, "tip_x_mm": -4.0}, {"dorsum_y_mm": -10.0}):
        _, lab, _ = rasterise(build_geometry(subj, {**NEUTRAL, **change}), 84, 2.4)
        geoms.append(geometry_from_labels(lab[None], (2.4, 2.4)))
    ref = geoms[0]
    for g in geoms[1:]:
        np.testing.assert_allclose(g.landmarks["ridge"], ref.landmarks["ridge"])
        np.testing.assert_allclose(g.plane_normal, ref.plane_normal)
