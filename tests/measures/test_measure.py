"""vtract.measure / tongue_pca on the synthetic tract with known geometry (classic segmenter)."""

from __future__ import annotations

import numpy as np
import pytest

import vtract
from tests.segmentation.synthetic import SPACING_MM, synthetic_sequence
from vtract.errors import MissingMetadataError
from vtract.measures import MEASURE_COLUMNS, tongue_pca


def test_columns_and_times(synthetic):
    seq, _, seg = synthetic
    m = vtract.measure(seg)
    assert list(m.columns[: len(MEASURE_COLUMNS)]) == MEASURE_COLUMNS
    assert len(m) == seq.n_frames
    np.testing.assert_allclose(m["time_s"], seq.times)
    assert m["frame"].tolist() == list(range(seq.n_frames))
    assert {"df_000_mm", "df_031_mm", "af_000_mm2"} <= set(m.columns)


def test_lip_aperture_follows_the_true_opening(synthetic):
    seq, truth, seg = synthetic
    m = vtract.measure(seg)
    # true opening: height of the oral tube at the lips (column 12) in mm
    true_open = truth[:, :, 12].sum(axis=1) * SPACING_MM
    assert np.abs(m["lip_aperture_mm"] - true_open).mean() < 1.5
    assert np.corrcoef(m["lip_aperture_mm"], true_open)[0, 1] > 0.95


def test_pharynx_width_velum_and_area(synthetic):
    seq, truth, seg = synthetic
    m = vtract.measure(seg)
    # pharynx tube 5 px wide
    assert m["pharynx_width_hypo_mm"].median() == pytest.approx(5 * SPACING_MM, abs=1.5)
    # nasal cavity never joins the tract: the port is closed
    assert (m["velum_opening_mm"].fillna(0) < 1.0).all()
    true_area = truth.sum(axis=(1, 2)) * SPACING_MM**2
    assert np.abs(m["airway_area_mm2"] / true_area - 1).max() < 0.1
    # the glottis (bottom edge of row 74) lies 43.5 rows below the palate's oral surface (row 30.5)
    assert m["larynx_height_mm"].median() == pytest.approx(44 * SPACING_MM, abs=5)


def test_distance_function_and_area_function(synthetic):
    _, _, seg = synthetic
    m = vtract.measure(seg, n_samples=8)
    df = m[[f"df_{i:03d}_mm" for i in range(8)]].to_numpy()
    af = m[[f"af_{i:03d}_mm2" for i in range(8)]].to_numpy()
    np.testing.assert_allclose(af, 100 * 1.6 * (df / 10) ** 1.5)
    # the pharynx (first samples) is 5 px = 12.5 mm wide
    assert np.median(df[:, 1]) == pytest.approx(12.5, abs=2.0)


def test_measure_needs_spacing():
    seq, _ = synthetic_sequence(n_frames=2)
    seg = vtract.segment(seq.replace(pixel_spacing_mm=None))
    with pytest.raises(MissingMetadataError, match="pixel spacing"):
        vtract.measure(seg)


def test_tongue_pca_first_mode_is_tongue_height(synthetic):
    seq, truth, seg = synthetic
    scores, mean, comps = tongue_pca(seg, n_points=20, n_components=2)
    assert list(scores.columns) == ["frame", "time_s", "tongue_pc1", "tongue_pc2"]
    assert mean.shape == (20, 2) and comps.shape == (2, 20, 2)
    height = truth[:, :, 20].sum(axis=1)
    assert abs(np.corrcoef(scores["tongue_pc1"], height)[0, 1]) > 0.8
    assert scores["tongue_pc1"].var() >= scores["tongue_pc2"].var()
