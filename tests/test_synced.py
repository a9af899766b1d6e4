"""synced_table / frame_spans (vtract.synced): frame spans from the session clock, drift applied."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import vtract
from vtract import Audio, Sequence, Session
from vtract.clock import Clock
from vtract.errors import DataValueError
from vtract.sync import SyncResult
from vtract.synced import frame_spans, session_clock, synced_table

FPS, N, OFFSET, DRIFT = 50.0, 500, 0.3, 1000.0  # 10 s of frames; drift 1000 ppm = 10 ms at the end


def _drifting():
    """A session and an acoustic column whose value is the index of the frame sounding at that time.

    The acoustic samples (1 ms apart, half-way between ms so no sample lies on a frame edge) carry
    ``true_frame``: the frame that the DRIFTING clock puts at that audio time, so the frame average
    is exactly ``k`` only when the drift is applied.
    """
    seq = Sequence(np.zeros((N, 4, 4), np.float32), fps=FPS, pixel_spacing_mm=(1.0, 1.0), t0_s=2.0)
    audio = Audio(np.zeros(int(11.0 * 8000)), 8000.0)
    t = np.arange(0.0, 11.0, 0.001) + 0.0005
    period = (1 + DRIFT * 1e-6) / FPS
    true_frame = np.floor((t - OFFSET) / period)
    acoustics = pd.DataFrame({"time_s": t, "true_frame": true_frame})
    return Session(seq, audio, audio_offset_s=OFFSET, session_id="drift"), acoustics


def test_last_frame_correct_only_with_drift():
    session, acoustics = _drifting()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        no_drift = synced_table(session, None, acoustics)
        with_drift = synced_table(session.with_offset(OFFSET, drift_ppm=DRIFT), None, acoustics)
    # without the drift the last frame's span is 10 ms (half a frame) early: it mixes frames 498, 499
    assert no_drift["true_frame"].iloc[-1] == pytest.approx(498.5, abs=0.05)
    np.testing.assert_allclose(with_drift["true_frame"], np.arange(N))
    # the image clock is untouched, the audio clock stretches by the drift
    np.testing.assert_allclose(with_drift["time_s"], 2.0 + (np.arange(N) + 0.5) / FPS)
    np.testing.assert_allclose(with_drift["audio_time_s"],
                               OFFSET + (np.arange(N) + 0.5) * (1 + DRIFT * 1e-6) / FPS)


def test_sync_result_and_report_give_the_same_clock():
    session, acoustics = _drifting()
    res = SyncResult(OFFSET, "gradient-noise", 0.9, DRIFT, FPS, N, 11.0)
    a = synced_table(session.with_offset(0.0), None, acoustics, res)  # the sync result wins
    b = synced_table(session, None, acoustics, res.to_dict())
    c = synced_table(session.with_sync(res), None, acoustics)
    np.testing.assert_allclose(a["true_frame"], np.arange(N))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    assert session.with_sync(res).drift_ppm == DRIFT


def test_frame_spans_from_clock_and_sync_result():
    clock = Clock(OFFSET, FPS, t0_s=2.0, drift_ppm=DRIFT)
    start, end = frame_spans(clock, 3)
    np.testing.assert_allclose(start, OFFSET + np.arange(3) * 0.020020)
    np.testing.assert_allclose(end - start, 0.020020)
    s2, e2 = frame_spans(SyncResult(OFFSET, "metadata", 1.0, DRIFT, FPS, 3, 11.0))
    np.testing.assert_allclose(s2, start)
    np.testing.assert_allclose(e2, end)
    with pytest.raises(DataValueError, match="n_frames"):
        frame_spans(clock)


def test_session_clock_fallbacks():
    session, _ = _drifting()
    unknown = Session(session.sequence, session.audio, session_id="x")
    with pytest.raises(vtract.errors.MissingMetadataError, match="audio_offset_s is unknown"):
        session_clock(unknown)
    zero = session_clock(unknown, assume_zero=True)
    assert (zero.audio_offset_s, zero.drift_ppm, zero.t0_s) == (0.0, 0.0, 2.0)


def test_wrong_frame_count_names_the_session():
    session, acoustics = _drifting()
    with pytest.raises(DataValueError, match="'drift'.*7 frames"):
        synced_table(session, None, acoustics, SyncResult(OFFSET, "metadata", 1.0, 0.0, FPS, 7, 11.0))


def test_public_names_unchanged():
    assert vtract.synced_table is synced_table
    assert vtract.sync.synced_table is synced_table
    assert vtract.sync.frame_spans is frame_spans
