"""Singing and wind measures on synthetic tones with known notes, vibrato and articulation."""

from __future__ import annotations

import numpy as np
import pytest

from vtract import Audio
from vtract.acoustics import (
    analyze_audio,
    formant_tuning,
    note_name,
    segment_notes,
    singers_formant,
    synth_vowel,
    vibrato,
    wind_events,
    wind_spectrum,
)

SR = 20000.0


@pytest.fixture(scope="module")
def two_notes():
    # A4 +3 cents with 5.5 Hz / +-60 cents vibrato, then C5 -10 cents with 6 Hz / +-40 cents
    a = synth_vowel(f0_hz=440 * 2 ** (3 / 1200), duration_s=1.5, vibrato_rate_hz=5.5,
                    vibrato_extent_cents=60, formants_hz=(700, 1200, 2600, 3000, 3400))
    b = synth_vowel(f0_hz=523.2511 * 2 ** (-10 / 1200), duration_s=1.2, vibrato_rate_hz=6.0,
                    vibrato_extent_cents=40, formants_hz=(700, 1200, 2600, 3000, 3400))
    audio = Audio(np.concatenate([a.samples, np.zeros(4000), b.samples]), SR)
    return audio, analyze_audio(audio, voice="soprano")


def test_note_segmentation(two_notes):
    _, df = two_notes
    notes = segment_notes(df)
    assert list(notes["note_name"]) == ["A4", "C5"]
    assert notes["onset_s"].iloc[0] < 0.05 and abs(notes["offset_s"].iloc[0] - 1.5) < 0.05
    assert abs(notes["onset_s"].iloc[1] - 1.7) < 0.05
    assert abs(notes["cents_deviation"].iloc[0] - 3) < 5
    assert abs(notes["cents_deviation"].iloc[1] + 10) < 5
    assert note_name(60) == "C4" and note_name(69.4) == "A4"


def test_vibrato_rate_extent_regularity(two_notes):
    _, df = two_notes
    v = vibrato(df)
    assert v["vibrato_rate_hz"].tolist() == pytest.approx([5.5, 6.0], abs=0.15)
    assert v["vibrato_extent_cents"].tolist() == pytest.approx([60, 40], rel=0.12)
    assert (v["vibrato_regularity"] > 0.9).all()
    assert (v["vibrato_cycle_cv"] < 0.1).all()


def test_singers_formant_stronger_with_clustered_f3_f5():
    sung = synth_vowel(f0_hz=220, formants_hz=(600, 1000, 2700, 3000, 3300), duration_s=1.0)
    spoken = synth_vowel(f0_hz=220, formants_hz=(600, 1000, 2500, 3500, 4500), duration_s=1.0)
    a, b = singers_formant(sung), singers_formant(spoken)
    assert 2600 <= a["singers_formant_hz"] <= 3400
    assert a["singers_formant_prominence_db"] > b["singers_formant_prominence_db"] + 3
    assert a["singing_power_ratio_db"] > b["singing_power_ratio_db"]


def test_formant_tuning():
    df = analyze_audio(synth_vowel(f0_hz=200, formants_hz=(600, 1400, 2600, 3500, 4500),
                                   duration_s=1.0)).iloc[20:-20]
    ft = formant_tuning(df)
    assert np.nanmedian(ft["f1_harmonic"]) == 3
    assert abs(np.nanmedian(ft["f1_f0_ratio"]) - 3.0) < 0.15
    assert abs(np.nanmedian(ft["f2_f0_ratio"]) - 7.0) < 0.3
    assert abs(np.nanmedian(ft["f1_minus_harmonic_hz"])) < 30


def test_wind_events_and_spectrum():
    t = np.arange(int(2 * SR)) / SR
    f = np.where(t < 1.0, 466.16, 523.25)
    env = np.ones_like(t)
    for tt in (0.5, 1.5):  # tongued repetitions: brief stops of the air
        env *= 1 - 0.95 * np.exp(-((t - tt) / 0.015) ** 2)
    env *= np.clip(np.minimum(t - 0.1, 1.95 - t) / 0.01, 0, 1)
    ph = np.cumsum(f / SR)
    x = sum(np.sin(2 * np.pi * k * ph) / k for k in range(1, 8)) * env * 0.2
    audio = Audio(x, SR)
    ev = wind_events(audio)
    assert ev["kind"].tolist() == ["attack", "tongued", "slur", "tongued"]
    np.testing.assert_allclose(ev["time_s"], [0.1, 0.5, 1.0, 1.5], atol=0.03)
    df = analyze_audio(audio, voice="wind")
    sp = wind_spectrum(audio, df, n_harmonics=4)
    row = sp.iloc[30]
    # harmonic k has amplitude 1/k: h2 is 6 dB below h1
    assert row["h1_db"] - row["h2_db"] == pytest.approx(6.0, abs=1.5)
    assert 466 < row["spectral_centroid_hz"] < 466 * 4
