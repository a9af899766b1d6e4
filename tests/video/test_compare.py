"""render_comparison: side-by-side layout, alignment on explicit times / note onset / TextGrid."""

from __future__ import annotations

import numpy as np
import pytest

from vtract import Audio, Session
from vtract.errors import DataValueError
from vtract.labels import LABEL_COLORS, TONGUE
from vtract.video import render_comparison
from vtract.video._align import event_time, note_onset_s, textgrid_interval_s
from vtract.video._compose import panel_size

from . import _probe
from .conftest import FPS, SHAPE, TONE_HZ, label_maps, make_session

SIZE = 180


def _red_cols(frame: np.ndarray, row: int, x0: int, x1: int) -> np.ndarray:
    red = np.array(LABEL_COLORS[TONGUE])
    return x0 + np.flatnonzero(np.linalg.norm(frame[row, x0:x1].astype(int) - red, axis=1) < 70)


def test_side_by_side_layout_and_explicit_alignment(tmp_path):
    a = make_session(flash_frame=20, session_id="student")
    b = make_session(flash_frame=10, session_id="reference", seed=1)
    lab_b = label_maps(shift_cols=8.0)  # reference tongue further back
    # align the two flashes: A's frame 20 and B's frame 10 (frame centres, image clock)
    out = render_comparison(a, b, tmp_path / "cmp.mp4", align=(20.5 / FPS, 10.5 / FPS),
                            labels_a=label_maps(), labels_b=lab_b, size=SIZE, analyze=False,
                            audio="mix", line_width=4)
    st = _probe.streams(out)
    assert [x["type"] for x in st] == ["video", "audio"]
    ph, pw = panel_size(SHAPE, (2.4, 2.4), SIZE)
    v = st[0]
    assert v["width"] == 2 * pw + 4
    assert v["height"] == ph + (SIZE // 3) // 2 * 2
    times, frames = _probe.video_frames(out)
    # window: 10 frames before the event (B's limit) and 20 after (B's limit: 40 - 10 - 0.5 ...)
    assert len(frames) == 30
    left = np.array([f[:ph, :pw].mean() for f in frames])
    right = np.array([f[:ph, pw + 4:].mean() for f in frames])
    assert int(np.argmax(left)) == int(np.argmax(right)) == 10
    f0 = frames[0]
    assert np.all(f0[:, pw:pw + 4] > 200)  # white separator
    row = int(round(30.5 * ph / SHAPE[0]))
    ca = _red_cols(f0, row, 0, pw)
    cb = _red_cols(f0, row, pw + 4, 2 * pw + 4) - (pw + 4)
    assert ca.size and cb.size
    shift_px = 8.0 * pw / SHAPE[1]
    assert cb.min() - ca.min() == pytest.approx(shift_px, abs=3)  # left boundary
    assert cb.max() - ca.max() == pytest.approx(shift_px, abs=3)  # right boundary


def test_note_onset_from_f0_track():
    t = np.arange(0, 2, 0.01)
    f0 = np.full(t.size, np.nan)
    f0[30:33] = 200.0  # a 30 ms blip: ignored
    f0[80:150] = 300.0
    assert note_onset_s(t, f0) == pytest.approx(0.795, abs=1e-9)
    with pytest.raises(DataValueError, match="no voiced run"):
        note_onset_s(t, np.full(t.size, np.nan))


def test_event_time_note_onset_uses_audio_clock():
    sr = 16000
    x = np.zeros(int(2.5 * sr))
    t = np.arange(x.size) / sr
    on = (t >= 1.2) & (t < 2.2)
    x[on] = 0.3 * np.sin(2 * np.pi * TONE_HZ * t[on])
    s = make_session()
    s2 = Session(s.sequence, Audio(x, sr), audio_offset_s=0.3)
    # onset at audio 1.2 s -> image clock 1.2 - 0.3 = 0.9 s (pitch tracked with Praat)
    assert event_time(s2, "note_onset") == pytest.approx(0.9, abs=0.03)


def test_textgrid_interval(tmp_path):
    tg = tmp_path / "phrases.TextGrid"
    tg.write_text(
        'File type = "ooTextFile"\nObject class = "TextGrid"\n\nxmin = 0\nxmax = 2\n'
        'tiers? <exists>\nsize = 1\nitem []:\n    item [1]:\n        class = "IntervalTier"\n'
        '        name = "phrase"\n        xmin = 0\n        xmax = 2\n        intervals: size = 3\n'
        '        intervals [1]:\n            xmin = 0\n            xmax = 0.7\n            text = ""\n'
        '        intervals [2]:\n            xmin = 0.7\n            xmax = 1.5\n'
        '            text = "ah"\n        intervals [3]:\n            xmin = 1.5\n'
        '            xmax = 2\n            text = ""\n', encoding="utf-8")
    assert textgrid_interval_s(tg, "ah") == pytest.approx(0.7)
    s = make_session()  # offset 0.3 s: audio 0.7 s = image 0.4 s
    assert event_time(s, "ah", textgrid=tg) == pytest.approx(0.4)
    with pytest.raises(DataValueError, match="no interval or point labelled"):
        textgrid_interval_s(tg, "oo")
    # vtract's own TextGrid objects (another module) work too when available
    from vtract import textgrid
    assert textgrid_interval_s(textgrid.read_textgrid(tg), "ah") == pytest.approx(0.7)
    with pytest.raises(DataValueError, match="no TextGrid"):
        event_time(s, "ah")
