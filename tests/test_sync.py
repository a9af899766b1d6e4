"""Offset estimation (:func:`vtract.synchronize`) on realistic simulated scanner recordings.

One test per hard feature of :func:`vtract.acoustics.scanner_recording`, each asserting the
offset error; plus the image-only path (no gradient noise) and real recordings (``real``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vtract import Sequence, Session
from vtract.acoustics import scanner_recording, synth_vowel
from vtract.sync import synchronize

SR = 16000.0
REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def _session(*, fps=25.0, trs=4, n_frames=60, offset=0.8, dur=3.6, frames=None, **kw):
    voice = synth_vowel(f0_hz=140.0, formants_hz=(650.0, 1200.0, 2500.0, 3400.0),
                        duration_s=dur, sample_rate_hz=SR, jitter=0.003, seed=3)
    rec = scanner_recording(voice, fps=fps, trs_per_frame=trs, n_frames=n_frames,
                            audio_offset_s=offset, seed=5, **kw)
    if frames is None:
        frames = np.zeros((n_frames, 8, 8), np.float32)
    seq = Sequence(frames, fps=fps, pixel_spacing_mm=(2.0, 2.0))
    return Session(seq, audio=rec, session_id="sim"), rec.metadata["truth"]


def _err_ms(kw):
    kw = dict({"snr_db": -3.0}, **kw)  # scan noise louder than the voice, as in most scanners
    s, truth = _session(**kw)
    r = synchronize(s, use_images=False)
    return (r.audio_offset_s - truth["audio_offset_s"]) * 1e3, r


@pytest.mark.parametrize("feature, kw", [
    ("cartesian", dict(readout="cartesian")),
    ("interleaved", dict(readout="interleaved")),
    ("golden", dict(readout="golden")),
    ("gain_jitter_drift", dict(gain_jitter=0.08, gain_drift_db=3.0)),
    ("dummy_scans", dict(dummy_scans=6, offset=1.1)),
    ("localiser", dict(localiser_tr_s=0.009, offset=1.6, dur=4.2)),
    ("prescan_hum", dict(prescan_hum=True, offset=1.0)),
    ("early_stop", dict(n_frames=40, offset=0.8, dur=3.6)),
])
def test_offset_error_per_feature(feature, kw):
    err, r = _err_ms(kw)
    assert abs(err) < 1.0, (feature, err, r.details.get("why"))


def test_audio_starts_after_frame0():
    err, r = _err_ms(dict(offset=-0.4, readout="golden", dur=2.8))
    assert abs(err) < 1.0
    assert r.method == "gradient-noise-end"


@pytest.mark.parametrize("drift", [-200.0, 200.0])
def test_clock_drift(drift):
    err, r = _err_ms(dict(drift_ppm=drift, dummy_scans=4, offset=0.9))
    assert abs(err) < 1.0
    assert abs(r.drift_ppm - drift) < 10.0


def test_dummy_scans_reported():
    _, r = _err_ms(dict(dummy_scans=6, offset=1.1))
    assert r.details["dummy_scans"] == 6
    assert r.method == "gradient-noise-end"
    assert [e["name"] for e in r.details["estimates"]][:2] == ["noise-onset", "noise-end"]


def test_clock_property():
    _, r = _err_ms(dict())
    c = r.clock
    assert c.audio_offset_s == r.audio_offset_s and c.drift_ppm == r.drift_ppm
    assert float(c.frame_start_audio_s(np.array([10]))[0]) == pytest.approx(
        r.audio_offset_s + 10 * r.frame_period_audio_s)


def test_image_only_path():
    """No gradient noise: frames whose mouth opens with the voice give the offset alone."""
    fps, n, offset = 25.0, 100, 0.37
    rng = np.random.default_rng(0)
    dur = 5.0
    # syllables: voice on/off at random lengths; the mouth (a bright disc) opens with it
    t = np.arange(int(dur * SR)) / SR
    edges = np.cumsum(rng.uniform(0.12, 0.35, 40))
    on = (np.searchsorted(edges, t) % 2 == 0).astype(float)
    voice = synth_vowel(f0_hz=130.0, duration_s=dur, sample_rate_hz=SR, seed=2, jitter=0.01,
                        vibrato_rate_hz=5.5, vibrato_extent_cents=50.0)
    voice = voice.replace(samples=voice.samples * (0.05 + on))
    tf = offset + (np.arange(n) + 0.5) / fps
    open_ = np.interp(tf, t, on)
    yy, xx = np.mgrid[:16, :16]
    frames = np.stack([(np.hypot(yy - 8, xx - 8) < 2 + 4 * o).astype(np.float32)
                       + 0.05 * rng.standard_normal((16, 16)) for o in open_])
    s = Session(Sequence(frames, fps=fps, pixel_spacing_mm=(2.0, 2.0)), audio=voice,
                session_id="img")
    r = synchronize(s)
    assert r.method == "images"
    assert abs(r.audio_offset_s - offset) < 0.5 / fps
    assert r.details["chosen"] == "images"


@pytest.mark.real
def test_real_usc_shifts_consistent():
    root = REAL / "real" / "usc_timit_av"
    if not root.exists():
        pytest.skip("../shared/data/real/usc_timit_av not available")
    from vtract.io import read_audio, read_sequence

    seq = read_sequence(root / "lac12112011_13_30_52.avi")
    a = read_audio(root / "lac12112011_13_30_52.wav")
    est = []
    for shift in (-0.1, 0.25):
        k = int(round(abs(shift) * a.sample_rate_hz))
        x = np.concatenate([np.zeros(k), a.samples]) if shift > 0 else a.samples[k:]
        r = synchronize(Session(seq, audio=a.replace(samples=x), session_id="usc"))
        assert r.method == "images"
        est.append(r.audio_offset_s - shift)
    assert all(abs(e) < 0.5 / seq.fps for e in est)
    assert abs(est[0] - est[1]) < 0.002
