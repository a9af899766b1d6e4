"""Clock (vtract.clock): image <-> audio time with offset and drift, and its use by the renderers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vtract import Audio, Sequence, Session
from vtract.clock import Clock
from vtract.errors import VtractError


def test_round_trip_and_drift():
    c = Clock(audio_offset_s=0.5, fps=25.0, t0_s=1.0, drift_ppm=500.0)
    t = np.array([1.0, 3.0, 11.0])
    a = c.frame_to_audio_time(t)
    np.testing.assert_allclose(a, 0.5 + (t - 1.0) * 1.0005)
    np.testing.assert_allclose(c.audio_to_frame_time(a), t)
    np.testing.assert_allclose(c.frame_start_audio_s(3), 0.5 + np.arange(3) * 1.0005 / 25.0)


def test_from_sync_mapping_and_object():
    rep = {"audio_offset_s": 0.2, "fps": 50.0, "drift_ppm": 120.0}
    c = Clock.from_sync(rep, t0_s=0.5)
    assert (c.audio_offset_s, c.fps, c.t0_s, c.drift_ppm) == (0.2, 50.0, 0.5, 120.0)
    # a report without fps / drift (older sync.json): the sequence's fps, no drift
    c2 = Clock.from_sync({"audio_offset_s": 0.2, "fps": None}, fps=23.0)
    assert (c2.fps, c2.drift_ppm) == (23.0, 0.0)


@pytest.mark.parametrize("kw", [{"audio_offset_s": np.nan, "fps": 25.0},
                                {"audio_offset_s": 0.0, "fps": 0.0},
                                {"audio_offset_s": 0.0, "fps": 25.0, "drift_ppm": np.inf}])
def test_invalid(kw):
    with pytest.raises(VtractError, match="Clock"):
        Clock(**kw)


def test_event_time_applies_drift():
    from vtract.video._align import event_time

    seq = Sequence(np.zeros((10, 4, 4), np.float32), fps=10.0, pixel_spacing_mm=(1.0, 1.0), t0_s=0.0)
    s = Session(seq, Audio(np.zeros(8000 * 20), 8000.0), audio_offset_s=1.0, drift_ppm=10000.0)
    t = np.arange(0, 20, 0.01)
    f0 = np.where(t >= 11.1, 200.0, np.nan)  # a note starting at 11.1 s audio time
    onset = event_time(s, "note_onset", acoustics=pd.DataFrame({"time_s": t, "f0_hz": f0}))
    # audio 11.1 s - offset 1 s = 10.1 s of audio clock = 10.1 / 1.01 = 10.0 s of image clock
    assert onset == pytest.approx(10.0, abs=0.006)
