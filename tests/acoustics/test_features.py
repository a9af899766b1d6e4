"""analyze_audio: known f0 and formants of synthetic vowels, settings, chunking, real recording."""

from __future__ import annotations

import numpy as np
import pytest

from vtract.acoustics import FEATURE_COLUMNS, analyze_audio, settings_for_voice, synth_vowel
from vtract.errors import DataValueError


@pytest.fixture(scope="module")
def vowel():
    return synth_vowel(f0_hz=120.0, formants_hz=(700.0, 1220.0, 2600.0, 3500.0, 4500.0),
                       duration_s=1.5, jitter=0.003)


def test_columns_and_clock(vowel):
    df = analyze_audio(vowel)
    assert list(df.columns) == FEATURE_COLUMNS
    assert np.allclose(np.diff(df["time_s"]), 0.01)
    assert df["time_s"].iloc[0] == pytest.approx(0.005)
    assert df["time_s"].iloc[-1] < vowel.duration_s


def test_f0_and_formants(vowel):
    df = analyze_audio(vowel).iloc[20:-20]
    cents = 1200 * np.log2(df["f0_hz"] / 120.0)
    assert np.nanmedian(np.abs(cents)) < 5
    for k, f in ((1, 700.0), (2, 1220.0), (3, 2600.0)):
        assert abs(np.nanmedian(df[f"f{k}_hz"]) / f - 1) < 0.03
    assert np.nanmedian(df["hnr_db"]) > 20
    assert np.nanmedian(df["cpp_db"]) > 15
    assert np.nanmedian(df["b1_hz"]) < 300


def test_silence_is_nan_and_cpp_lower_for_noise():
    sr = 16000
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(sr) * 0.05
    df = analyze_audio(noise, sample_rate_hz=sr, max_formant_hz=5000)
    assert df["f0_hz"].isna().mean() > 0.9
    v = synth_vowel(sample_rate_hz=sr, duration_s=1.0)
    dv = analyze_audio(v, max_formant_hz=5000)
    assert np.nanmedian(dv["cpp_db"]) > np.nanmedian(df["cpp_db"]) + 10


def test_settings_recorded_and_presets(vowel):
    df = analyze_audio(vowel, voice="tenor", time_step_s=0.005)
    s = df.attrs["settings"]
    assert s["voice"] == "tenor" and s["pitch_floor_hz"] == 100 and s["time_step_s"] == 0.005
    assert any(c.startswith("selectObject: sound\nTo Pitch (ac)... 0.005 100") for c in
               s["praat_commands"])
    assert settings_for_voice("soprano").pitch_ceiling_hz > settings_for_voice("bass").pitch_ceiling_hz
    with pytest.raises(DataValueError, match="unknown voice"):
        analyze_audio(vowel, voice="castrato")
    with pytest.raises(DataValueError, match="Nyquist"):
        analyze_audio(vowel, max_formant_hz=12000)


def test_chunking_matches_single_pass(vowel):
    a = synth_vowel(f0_hz=150.0, duration_s=4.0)
    one = analyze_audio(a)
    parts = analyze_audio(a, chunk_s=1.0, n_jobs=2)
    assert len(one) == len(parts)
    np.testing.assert_allclose(one["time_s"], parts["time_s"])
    inner = slice(10, -10)
    d = np.abs(one["f0_hz"].to_numpy()[inner] - parts["f0_hz"].to_numpy()[inner])
    assert np.nanmax(d) < 0.5
    d1 = np.abs(one["f1_hz"].to_numpy()[inner] - parts["f1_hz"].to_numpy()[inner])
    assert np.nanmedian(d1) < 1.0


@pytest.mark.real
def test_real_arctic_agrees_with_praat_defaults(real_dir):
    wav = real_dir / "arctic" / "arctic_a0007.wav"
    from vtract.io import read_audio

    a = read_audio(wav)
    df = analyze_audio(a, voice="speech")
    praat = a.to_parselmouth().to_pitch()  # Praat defaults: ac, 0.75/75 Hz floor, 600 Hz
    f = praat.selected_array["frequency"]
    ref = float(np.median(f[f > 0]))
    ours = float(np.nanmedian(df["f0_hz"]))
    assert 100 < ours < 150
    assert abs(1200 * np.log2(ours / ref)) < 10
