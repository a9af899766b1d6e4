"""vtract.preprocess: reference image, N4 bias field, normalisation, denoising and the chain."""

from __future__ import annotations

import numpy as np
import pytest

from vtract.preprocess import bias_field, denoise, normalize, preprocess, reference_image


def _head(n=64):
    """A bright disk (tissue, 1.0) with a dark hole (air, 0.05) on a zero background."""
    yy, xx = np.mgrid[:n, :n]
    r = np.hypot(yy - n / 2, xx - n / 2)
    img = np.where(r < n * 0.4, 1.0, 0.0)
    img[np.hypot(yy - n / 2, xx - n / 2 + 6) < 5] = 0.05
    return img.astype(np.float32), r < n * 0.4


def test_reference_image_is_the_strided_mean():
    frames = np.arange(10, dtype=np.float32)[:, None, None] * np.ones((10, 2, 3), np.float32)
    assert reference_image(frames)[0, 0] == pytest.approx(4.5)
    # at most 4 frames averaged: every third frame (0, 3, 6, 9)
    assert reference_image(frames, max_frames=4)[0, 0] == pytest.approx(4.5)
    assert reference_image(frames[:7], max_frames=3)[1, 2] == pytest.approx((0 + 3 + 6) / 3)


def test_n4_removes_a_smooth_multiplicative_field():
    img, inside = _head()
    yy, xx = np.mgrid[:64, :64]
    true = (0.6 + 0.8 * xx / 63).astype(np.float32)  # a coil near one side: 0.6 .. 1.4
    field = bias_field(img * true)
    assert field.shape == img.shape and field.dtype == np.float32
    assert field[inside].mean() == pytest.approx(1.0, abs=1e-3)
    corrected = (img * true / field)[inside & (img > 0.5)]
    biased = (img * true)[inside & (img > 0.5)]
    # tissue brightness varies far less after correction than before (coefficient of variation)
    assert corrected.std() / corrected.mean() < 0.4 * biased.std() / biased.mean()


def test_bias_field_of_an_empty_image_is_ones():
    assert np.array_equal(bias_field(np.zeros((16, 16), np.float32)), np.ones((16, 16), np.float32))


def test_normalize_maps_percentiles_and_clips():
    ref = np.linspace(0, 100, 101, dtype=np.float32).reshape(1, 101)
    out = normalize(np.array([[[0.0, 50.0, 100.0, 500.0]]], np.float32), ref, low=0, high=100)
    np.testing.assert_allclose(out[0, 0], [0.0, 0.5, 1.0, 1.5])


def test_denoise_temporal_mean_and_spatial_off():
    frames = np.zeros((5, 4, 4), np.float32)
    frames[2] = 3.0
    out = denoise(frames, sigma_px=0, temporal=1)
    np.testing.assert_allclose(out[:, 0, 0], [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(denoise(frames, sigma_px=0, temporal=0), frames)


def test_preprocess_puts_air_near_0_and_tissue_near_1():
    img, inside = _head()
    rng = np.random.default_rng(0)
    frames = 200 * img[None] * np.ones((6, 1, 1), np.float32) + rng.normal(0, 2, (6, 64, 64))
    out, ref, field = preprocess(frames.astype(np.float32), bias_correction=False)
    assert out.shape == frames.shape and out.dtype == np.float32
    assert np.array_equal(field, np.ones_like(field))
    tissue = inside & (img > 0.5)
    assert np.median(out[:, tissue]) == pytest.approx(1.0, abs=0.05)
    assert np.median(out[:, ~inside]) == pytest.approx(0.0, abs=0.05)
    assert ref.shape == (64, 64) and np.median(ref[tissue]) == pytest.approx(1.0, abs=0.05)
