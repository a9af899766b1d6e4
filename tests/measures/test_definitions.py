"""Each measure definition on a hand-built geometry whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from vtract.measures import MEASURE_COLUMNS, measures_table, regions


def test_known_values(simple_geometry):
    m = measures_table(simple_geometry).iloc[0]
    assert list(m.index) == MEASURE_COLUMNS
    assert m["larynx_height_mm"] == pytest.approx(100.0)  # glottis y 160, plane y 60
    assert m["lip_protrusion_mm"] == pytest.approx(20.0)  # ridge x 30, lip front x 10
    assert m["lip_aperture_mm"] == pytest.approx(6.0)
    assert m["jaw_opening_mm"] == pytest.approx(78.0 - 62.0)  # lower lip top y 78, ridge y 62
    assert m["tongue_tip_cd_mm"] == pytest.approx(3.0)
    assert m["tongue_tip_cl_mm"] == pytest.approx(5.0)  # x 35 is 5 mm behind the ridge
    assert m["tongue_dorsum_cd_mm"] == pytest.approx(5.0)
    assert m["tongue_dorsum_cl_mm"] == pytest.approx(41.0)
    assert m["pharynx_width_oro_mm"] == pytest.approx(4.0) == m["tongue_root_cd_mm"]
    assert m["pharynx_width_hypo_mm"] == pytest.approx(10.0)
    assert m["tongue_dorsum_height_mm"] == pytest.approx(20.0)
    assert m["velum_opening_mm"] == 0.0 and m["airway_area_mm2"] == 1500.0
    assert m["time_s"] == 0.5
    # pharynx 70 mm (160 -> 90), the bend (100, 90) -> (95, 75), oral 85 mm (95 -> 10)
    assert m["tract_length_mm"] == pytest.approx(70.0 + np.hypot(5, 15) + 84.0, abs=0.01)


def test_regions_are_disjoint_and_in_mm_from_the_landmarks(simple_geometry):
    r = regions(simple_geometry)
    stack = np.stack([r[k][0] for k in ("lips", "tip", "dorsum", "oropharynx")])
    assert stack.sum(axis=0).max() == 1
    mid = simple_geometry.midline[0]
    assert np.all(mid[r["lips"][0], 0] < 30.0 - 6.0)
    assert np.all((mid[r["tip"][0], 0] >= 30.0) & (mid[r["tip"][0], 0] <= 45.0))
    assert np.all((mid[r["oropharynx"][0], 1] > 85.0) & (mid[r["oropharynx"][0], 1] < 135.0))


def test_tongue_tip_roof_includes_the_incisors_and_its_floor_is_the_tongue(simple_geometry):
    """A 2 mm gap 3 mm in front of the ridge (x = 27, at the upper incisors' lingual face)."""
    g = simple_geometry
    i = int(np.argmin(np.abs(g.midline[0, :, 0] - 27.0) + np.abs(g.midline[0, :, 1] - 75.0)))
    g.lower[0, i, 1] = g.upper[0, i, 1] + 2.0
    g.distance[0, i] = 2.0
    # in front of the tongue tip (x = 33) that floor is the lower incisors / lip: the jaw, not the tongue
    m = measures_table(g).iloc[0]
    assert m["tongue_tip_cd_mm"] == pytest.approx(3.0) and m["tongue_tip_cl_mm"] == pytest.approx(5.0)
    g.landmarks["tongue_tip"][0] = [26.0, 78.0]  # the tongue tip reaches the incisors (a dental /θ/)
    g.extra.clear()
    m = measures_table(g).iloc[0]
    assert m["tongue_tip_cd_mm"] == pytest.approx(2.0)
    assert m["tongue_tip_cl_mm"] == pytest.approx(-3.0)  # 3 mm in front of the ridge


def test_a_closed_line_gives_zero(simple_geometry):
    g = simple_geometry
    i = int(np.argmin(np.abs(g.midline[0, :, 0] - 35.0) + np.abs(g.midline[0, :, 1] - 75.0)))
    g.distance[0, i] = 0.0
    g.upper[0, i] = g.lower[0, i] = g.midline[0, i]
    assert measures_table(g)["tongue_tip_cd_mm"].iloc[0] == 0.0


@pytest.mark.parametrize("front_x, tip, dorsum", [(50.0, 0.0, 5.0), (97.0, 0.0, 0.0)])
def test_airway_ending_behind_a_region_is_a_closure_there(simple_geometry, front_x, tip, dorsum):
    """A label map whose oral airway stops behind the ridge (the tongue cut the front air off)."""
    g = simple_geometry
    cut = g.midline[0, :, 0] < front_x - 1e-6
    cut &= np.isclose(g.midline[0, :, 1], 75.0)
    for a in (g.midline, g.upper, g.lower):
        a[0, cut] = np.nan
    g.distance[0, cut] = np.nan
    g.landmarks["lip_opening"][0] = [front_x, 75.0]
    m = measures_table(g).iloc[0]
    assert m["tongue_tip_cd_mm"] == tip and np.isnan(m["tongue_tip_cl_mm"])
    assert m["tongue_dorsum_cd_mm"] == pytest.approx(dorsum)
