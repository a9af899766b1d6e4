"""Appearance randomisation changes intensities, never the labels."""

from __future__ import annotations

import numpy as np
import pytest

from vtract import labels as L
from vtract.synth import TISSUES
from vtract.synth._anatomy import random_anatomy
from vtract.synth._appearance import random_appearance, render_image
from vtract.synth._articulation import random_articulation
from vtract.synth._labelmap import build_head, rasterise
from vtract.synth._pose import ORAL_CENTRE, Grid, Placement


def _maps(seed=0):
    rng = np.random.default_rng(seed)
    anat = random_anatomy(rng)
    pose, info = random_articulation(rng, anat)
    grid = Grid(matrix=64, spacing_mm=3.0, factor=4)
    pl = Placement(scale=1.0, rotation_deg=0.0, centre_mm=(75.0, 105.0), neck_bend_deg=0.0)
    geom, shapes = build_head(anat, pose, info["instrument"])
    return rasterise(geom, shapes, pl, grid), grid, pl


def test_appearance_does_not_touch_labels_and_varies_images():
    maps, grid, pl = _maps()
    lab0, tis0 = maps.labels.copy(), maps.tissue.copy()
    imgs = []
    for seed in (1, 2):
        rng = np.random.default_rng(seed)
        a = random_appearance(rng, grid.spacing_mm)
        imgs.append(render_image([maps.tissue], grid.factor, grid.spacing_mm, a, pl.centre_mm, rng))
    np.testing.assert_array_equal(maps.labels, lab0)
    np.testing.assert_array_equal(maps.tissue, tis0)
    assert imgs[0].shape == (1, 64, 64)
    assert np.abs(imgs[0] - imgs[1]).mean() > 0.01 * imgs[0].mean()


def test_airway_label_is_airway_tissue():
    maps, _, _ = _maps(3)
    air = maps.labels == L.AIRWAY
    assert air.sum() > 100
    # the airway is the tract air plus the lower incisor and its alveolar bone (labels.AIRWAY_INCLUDES);
    # upper incisors: teeth
    teeth = maps.tissue == TISSUES.index("teeth")
    bone = maps.tissue == TISSUES.index("bone")
    assert (maps.tissue[air & ~teeth & ~bone] == TISSUES.index("airway")).all()
    assert (air & bone).any()
    assert not (maps.labels[maps.tissue == TISSUES.index("airway")] != L.AIRWAY).any()
    assert (teeth & air).any() and (maps.labels == L.TEETH).any()
    assert set(np.unique(maps.labels[teeth])) == {L.AIRWAY, L.TEETH}


def test_realistic_contrast_keeps_air_dark_and_fat_bright():
    rng = np.random.default_rng(5)
    n = 0
    for _ in range(40):
        a = random_appearance(rng, 2.0)
        if a.mode != "realistic":
            continue
        n += 1
        m = dict(zip(TISSUES, a.m1, strict=True))
        assert m["airway"] < 0.2 * m["muscle"]
        assert m["teeth"] < 0.5 * m["muscle"]
    assert n > 15
    assert ORAL_CENTRE.shape == (2,)


def test_image_and_fine_grid_share_the_field_of_view():
    """A block of tissue on the fine grid lands on the same mm in the native image (no shift)."""
    from vtract.synth._appearance import Appearance

    k, n = 4, 32
    tissue = np.zeros((n * k, n * k), np.uint8)
    r0, r1, c0, c1 = 37, 70, 50, 91  # fine pixels, deliberately not multiples of k
    tissue[r0:r1, c0:c1] = TISSUES.index("muscle")
    nt = len(TISSUES)
    m1 = np.zeros(nt)
    m1[TISSUES.index("muscle")] = 1.0
    a = Appearance(mode="test", m1=m1, m2=m1.copy(), sd=np.zeros(nt), texture_mm=2.0, mixture_mm=5.0,
                   slice_mix=0.0, slice_sigma_mm=1.0, coil_offset_mm=(0.0, 0.0), coil_width_mm=1e6,
                   coil_floor=1.0, bias_coef=np.zeros(5), res_frac=(1.0, 1.0), taper=0.0,
                   motion_px=0.0, motion_angle=0.0, ghost=0.0, ghost_axis=0, under_kind="none",
                   under_weight=0.0, under_n=8, snr=1e6, gamma=1.0, gain=1.0, clip_pct=0.0)
    img = render_image([tissue], k, 2.0, a, (0.0, 0.0), np.random.default_rng(0))[0]
    # Exact partial volume (the block fills > 5 % of the pixels, so the 95th-percentile scaling is
    # the muscle level): total signal = the block area, centroid = the block centroid.
    fine_mm, sp = 0.5, 2.0
    assert img.sum() * sp ** 2 == pytest.approx((r1 - r0) * (c1 - c0) * fine_mm ** 2, rel=1e-3)
    yy, xx = np.mgrid[0:n, 0:n]
    cy = ((yy + 0.5) * sp * img).sum() / img.sum()
    cx = ((xx + 0.5) * sp * img).sum() / img.sum()
    assert cy == pytest.approx((r0 + r1) / 2 * fine_mm, abs=0.01)
    assert cx == pytest.approx((c0 + c1) / 2 * fine_mm, abs=0.01)
