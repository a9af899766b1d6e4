"""Gradient noise found and suppressed without a frame rate (``suppress_mri_noise(audio)``)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from vtract.acoustics import scanner_recording, suppress_mri_noise, synth_vowel
from vtract.errors import VtractWarning

SR = 16000.0


def _clean(dur=2.4):
    return synth_vowel(f0_hz=130.0, formants_hz=(700.0, 1200.0, 2600.0, 3500.0),
                       duration_s=dur, sample_rate_hz=SR, jitter=0.003, seed=1)


@pytest.mark.parametrize("readout", ["cartesian", "golden"])
def test_found_and_suppressed_without_fps(readout):
    clean = _clean()
    rec = scanner_recording(clean, fps=25.0, trs_per_frame=4, n_frames=45, audio_offset_s=0.3,
                            snr_db=-3.0, readout=readout, band_hz=None, seed=2)
    den = suppress_mri_noise(rec)
    info = den.metadata["mri_noise"]
    assert info["found"] and info["detection"] == "automatic"
    # without a frame rate a repeating waveform can be reported at TR/2 (its halves alternate,
    # which is as low-rank); the period is exact either way
    ratio = 0.01 / info["tr_s"]
    assert ratio in (pytest.approx(1.0, rel=0.01), pytest.approx(2.0, rel=0.01))
    if readout == "golden":
        assert not info["waveform_repeats"]  # the rotating-read-out model was used
    a, b = info["scan_span_s"]
    assert abs(a - 0.3) < 0.002 and abs(b - (0.3 + 45 / 25.0)) < 0.002
    sel = slice(int(0.5 * SR), int(1.9 * SR))
    before = np.std(rec.samples[sel] - clean.samples[sel])
    after = np.std(den.samples[sel] - clean.samples[sel])
    assert after < 0.5 * before


def test_clean_voice_left_alone():
    v = synth_vowel(duration_s=2.0, sample_rate_hz=SR, jitter=0.01, vibrato_rate_hz=5.5,
                    vibrato_extent_cents=50.0, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VtractWarning)
        out = suppress_mri_noise(v)
    assert out.metadata["mri_noise"]["found"] is False
    assert np.array_equal(out.samples, v.samples)
