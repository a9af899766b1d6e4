"""The synthetic sample contract (notes/synth_api.md): determinism, shapes, grids, labels."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import ndimage as ndi

from vtract import labels as L
from vtract.errors import VtractError
from vtract.synth import GENERATOR_VERSION, TARGET_LABELS, SynthSample, sample


@pytest.fixture(scope="module")
def samples() -> list[SynthSample]:
    rng = np.random.default_rng(20261130)
    return [sample(rng) for _ in range(12)]


def test_deterministic_from_seed():
    a = sample(np.random.default_rng(7), context=3)
    b = sample(np.random.default_rng(7), context=3)
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.meta == b.meta
    c = sample(np.random.default_rng(8), context=3)
    assert c.meta != a.meta


def test_shapes_spacing_and_field_of_view_align(samples):
    for s in samples:
        assert s.image.dtype == np.float32 and s.labels.dtype == np.uint8
        n_ctx, h, w = s.image.shape
        assert n_ctx == 1
        hh, ww = s.labels.shape
        assert h * s.spacing_mm == pytest.approx(hh * s.labels_spacing_mm, abs=1e-6)
        assert w * s.spacing_mm == pytest.approx(ww * s.labels_spacing_mm, abs=1e-6)
        assert 0.4 <= s.labels_spacing_mm <= 0.8
        assert 1.2 - 1e-9 <= s.spacing_mm <= 3.2 + 1e-9
        assert np.isfinite(s.image).all() and s.image.min() >= 0


def test_context_three_frames_share_grid_and_move_a_little():
    s = sample(np.random.default_rng(3), context=3)
    assert s.image.shape[0] == 3
    assert s.meta["context"] == 3
    # Neighbouring frames differ (articulation + noise) but are strongly correlated.
    a, b = s.image[0].ravel(), s.image[1].ravel()
    assert not np.array_equal(a, b)
    assert np.corrcoef(a, b)[0, 1] > 0.5


def test_bad_context_raises():
    with pytest.raises(VtractError, match="context"):
        sample(np.random.default_rng(0), context=2)


def test_meta_is_json_and_versioned(samples):
    for s in samples:
        d = json.loads(json.dumps(s.meta))
        assert d["generator_version"] == GENERATOR_VERSION


def test_label_values_and_anatomy_plausible(samples):
    for s in samples:
        vals = set(np.unique(s.labels).tolist())
        assert vals <= set(TARGET_LABELS)
        if s.meta["crop_px"] != [0, s.meta["grid"]["matrix"], 0, s.meta["grid"]["matrix"]]:
            continue  # a crop may cut structures off
        for v in (L.AIRWAY, L.TONGUE, L.HARD_PALATE, L.VELUM):
            assert v in vals
        area = {v: (s.labels == v).sum() * s.labels_spacing_mm ** 2 for v in (L.AIRWAY, L.TONGUE)}
        assert 150 < area[L.AIRWAY] < 4000  # mm^2, a midsagittal airway
        assert 1000 < area[L.TONGUE] < 7000
        # Tongue below the hard palate, along the head's own vertical (rotation <= 20 deg).
        rot = np.deg2rad(s.meta["placement"]["rotation_deg"])
        up = np.array([np.sin(rot), -np.cos(rot)])  # head "up" in (x, y) image mm

        h = {}
        for v in (L.TONGUE, L.HARD_PALATE):
            yy, xx = np.nonzero(s.labels == v)
            h[v] = (np.column_stack([xx, yy]) @ up).mean()
        assert h[L.TONGUE] < h[L.HARD_PALATE]


def test_airway_largest_component_spans_glottis_to_oral_cavity(samples):
    for s in samples:
        if s.meta["crop_px"] != [0, s.meta["grid"]["matrix"], 0, s.meta["grid"]["matrix"]]:
            continue
        comp, n = ndi.label(s.labels == L.AIRWAY)
        assert n >= 1
        sizes = np.bincount(comp.ravel())[1:]
        # Nearly all airway is in few big parts (closures split it), no speckle.
        assert sizes.max() >= 0.4 * sizes.sum()
        assert (sizes < 4).sum() <= 2


def _head_frame(s: SynthSample, xy: np.ndarray) -> np.ndarray:
    """(x, y) image mm -> head-aligned (forward, down) mm, undoing the random tilt."""
    rot = np.deg2rad(s.meta["placement"]["rotation_deg"])
    c, si = np.cos(rot), np.sin(rot)
    return xy @ np.array([[c, -si], [si, c]])


def test_airway_bounded_by_glottis_and_velopharyngeal_line(samples):
    for s in samples:
        yy, xx = np.nonzero(s.labels == L.AIRWAY)
        pts = (np.column_stack([xx, yy]) + 0.5) * s.labels_spacing_mm
        lm = {k: np.asarray(v) for k, v in s.meta["landmarks_mm"].items()}
        h = _head_frame(s, pts)
        g = _head_frame(s, lm["glottis"][None])[0]
        # Nothing of the airway lies more than 2 mm below the glottis line ...
        assert h[:, 1].max() <= g[1] + 2.0
        # ... nor above the velopharyngeal line behind the velum tip (the nasopharynx is not airway).
        tip, port = _head_frame(s, lm["velum_tip"][None])[0], _head_frame(s, lm["vp_port"][None])[0]
        behind = h[:, 0] > tip[0] + 1.0
        if behind.any():
            t = np.clip((h[behind, 0] - tip[0]) / max(port[0] - tip[0], 1e-6), 0, 1)
            line_y = tip[1] + t * (port[1] - tip[1])
            assert (h[behind, 1] >= line_y - 2.5).all()
