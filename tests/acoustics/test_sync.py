"""synchronize / synced_table: known offsets (+/-), frame rates, drift, short audio, images."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from vtract.acoustics import analyze_audio
from vtract.errors import MissingMetadataError, SyncError, VtractWarning
from vtract.sync import SyncResult, synced_table, synchronize

from ._helpers import noisy_session

# offset / drift estimation tests live in tests/test_sync.py (realistic simulator)


def test_metadata_wins_and_is_cross_checked(tmp_path):
    s, _ = noisy_session(offset_s=0.5, metadata_offset=0.52)
    r = synchronize(s)
    assert r.method == "metadata" and r.audio_offset_s == 0.52 and r.confidence == 1.0
    assert any("differs from the gradient-noise" in w for w in r.warnings)
    p = r.to_json(tmp_path / "sync.json")
    d = json.loads(p.read_text())
    assert d["audio_offset_s"] == 0.52 and d["method"] == "metadata" and "drift_ppm" in d


def test_audio_shorter_than_sequence_gives_nan_rows():
    s, _ = noisy_session(fps=23.0, offset_s=1.0, n_frames=80, audio_s=3.0)
    r = synchronize(s)
    assert any("does not cover" in w for w in r.warnings)
    feats = analyze_audio(s.audio)
    with pytest.warns(VtractWarning, match="outside the audio"):
        t = synced_table(s, None, feats, r)
    start = r.audio_offset_s + np.arange(80) / 23.0
    outside = start + 1 / 23.0 > 3.0
    assert t.loc[outside, "intensity_db"].isna().all()
    # frames well inside the audio have values (the last ~50 ms lack a full Praat window)
    assert t.loc[start + 1 / 23.0 < 3.0 - 0.05, "intensity_db"].notna().all()


def test_synced_table_averages_over_frame_span():
    s, _ = noisy_session(fps=23.0, offset_s=0.5, n_frames=40, audio_s=3.0)
    r = SyncResult(0.5, "metadata", 1.0, 0.0, 23.0, 40, 3.0)
    t_ac = np.arange(0, 3.0, 0.005) + 0.0025
    acoustics = pd.DataFrame({"time_s": t_ac, "x_db": t_ac * 10})
    measures = pd.DataFrame({"frame": np.arange(40), "time_s": 0.0,
                             "lip_aperture_mm": np.arange(40.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = synced_table(s, measures, acoustics, r)
    assert list(t.columns[:4]) == ["frame", "time_s", "audio_time_s", "lip_aperture_mm"]
    np.testing.assert_allclose(t["time_s"], (np.arange(40) + 0.5) / 23.0)
    np.testing.assert_allclose(t["audio_time_s"], 0.5 + (np.arange(40) + 0.5) / 23.0)
    k = 7
    a, b = 0.5 + k / 23.0, 0.5 + (k + 1) / 23.0
    inside = (t_ac >= a) & (t_ac < b)
    assert t.loc[k, "x_db"] == pytest.approx(np.mean(t_ac[inside] * 10))


def test_errors():
    s, _ = noisy_session()
    with pytest.raises(MissingMetadataError, match="no audio"):
        synchronize(type(s)(s.sequence, audio=None))
    from vtract.acoustics import synth_vowel

    # a natural voice (vibrato, jitter); a perfectly periodic synthetic one can pass for scan
    # noise at a divisor of the frame period (known limitation, see find_scan_noise)
    quiet = type(s)(s.sequence, audio=synth_vowel(duration_s=3.0, jitter=0.01,
                                                   vibrato_rate_hz=5.5,
                                                   vibrato_extent_cents=50.0))
    with pytest.raises(SyncError, match="no gradient|image"):
        synchronize(quiet)


def test_phantom_offsets_within_1ms(demo_quick_manifest):
    from vtract.manifest import load_session

    checked = 0
    for entry in demo_quick_manifest.sessions:
        s = load_session(demo_quick_manifest, entry.id)
        true = s.labels.get("true_audio_offset_s")
        if s.audio is None or true is None:
            continue
        r = synchronize(type(s)(s.sequence, audio=s.audio, session_id=entry.id))
        assert abs(r.audio_offset_s - float(true)) < 1e-3, entry.id
        assert r.method.startswith("gradient-noise")
        checked += 1
    assert checked >= 2
