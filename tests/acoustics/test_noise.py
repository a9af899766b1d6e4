"""MRI-noise suppression: errors of f0 and formants shrink against the clean truth."""

from __future__ import annotations

import numpy as np
import pytest

from vtract.acoustics import (
    add_gradient_noise,
    analyze_audio,
    estimate_period,
    find_gradient_noise,
    suppress_mri_noise,
    synth_vowel,
)
from vtract.errors import DataValueError, VtractWarning

F = (700.0, 1220.0, 2600.0, 3500.0, 4500.0)


@pytest.fixture(scope="module")
def pair():
    clean = synth_vowel(f0_hz=130.0, formants_hz=F, duration_s=3.0, jitter=0.003)
    noisy = add_gradient_noise(clean, fps=23.0, onset_s=0.4, snr_db=-5.0)
    return clean, noisy


def _errors(audio):
    df = analyze_audio(audio).iloc[60:-20]
    f0 = np.abs(1200 * np.log2(df["f0_hz"] / 130.0))
    f1 = np.abs(df["f1_hz"] / F[0] - 1)
    f2 = np.abs(df["f2_hz"] / F[1] - 1)
    return (np.nan_to_num(f0, nan=1200.0).mean(), np.nanmedian(f1), np.nanmedian(f2))


def test_periodic_suppression_restores_f0_and_formants(pair):
    clean, noisy = pair
    den = suppress_mri_noise(noisy, fps=23.0, method="periodic", per_burst=False)
    f0n, f1n, f2n = _errors(noisy)
    f0d, f1d, f2d = _errors(den)
    assert f0d < 5 and f1d < 0.03 and f2d < 0.03
    assert f1n > 2 * f1d or f2n > 2 * f2d or f0n > 2 * f0d
    resid = np.std(den.samples - clean.samples) / np.std(noisy.samples - clean.samples)
    assert resid < 0.2
    info = den.metadata["mri_noise"]
    assert info["found"] and abs(info["span_s"][0] - 0.4) < 1e-3


def test_hybrid_default_within_5_percent(pair):
    _, noisy = pair
    den = suppress_mri_noise(noisy, fps=23.0)
    assert den.metadata["mri_noise"]["method"] == "hybrid"
    f0d, f1d, f2d = _errors(den)
    assert f0d < 5 and f1d < 0.05 and f2d < 0.05


def test_other_methods_reduce_noise(pair):
    clean, noisy = pair
    base = np.std(noisy.samples - clean.samples)
    for m in ("spectral", "comb", "periodic"):
        den = suppress_mri_noise(noisy, fps=23.0, method=m)
        assert den.n_samples == noisy.n_samples
        assert np.std(den.samples - clean.samples) < 0.8 * base, m


def test_spectral_with_noise_only_range(pair):
    clean, noisy = pair
    x = np.concatenate([noisy.samples[: int(0.4 * 20000)] * 0,  # silence before the scan
                        noisy.samples])
    # a noise-only stretch: gradient noise alone (the clean voice removed)
    g = noisy.samples - clean.samples
    a = noisy.replace(samples=np.concatenate([g[8000:28000], noisy.samples]))
    den = suppress_mri_noise(a, noise_only=(0.05, 0.95), method="spectral")
    assert den.n_samples == a.n_samples and x.size > 0
    with pytest.raises(DataValueError):
        suppress_mri_noise(a, noise_only=(5.0, 5.001), method="spectral")


def test_no_noise_warns_and_returns_unchanged(pair):
    clean, _ = pair
    with pytest.warns(VtractWarning, match="no gradient noise"):
        out = suppress_mri_noise(clean, fps=23.0)
    np.testing.assert_array_equal(out.samples, clean.samples)


def test_audio_shorter_than_a_scoring_window_is_returned_unchanged(pair):
    # 0.1 s (shorter than the video it comes with): no noise to time, a warning, not a crash
    clean, _ = pair
    short = clean.crop(0.0, 0.1)
    assert short.duration_s < 0.11
    assert find_gradient_noise(short.samples, short.sample_rate_hz, period_s=1 / 23.0) is None
    with pytest.warns(VtractWarning, match="no gradient noise"):
        out = suppress_mri_noise(short, fps=23.0)
    np.testing.assert_array_equal(out.samples, short.samples)


def test_period_estimated_without_frame_rate(pair):
    _, noisy = pair
    p = estimate_period(noisy.samples, noisy.sample_rate_hz)
    # the frame period or one of its readout (TR) sub-periods (8 readouts per frame)
    ratio = (1 / 23.0) / p
    assert abs(ratio - round(ratio)) < 0.01 and round(ratio) in (1, 2, 4, 8)
    gn = find_gradient_noise(noisy.samples, noisy.sample_rate_hz, period_s=1 / 23.0)
    assert gn is not None and abs(gn.onset_s - 0.4) < 1e-3
