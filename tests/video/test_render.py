"""render_video: streams, frame count, duration, audio sync, overlay colours, slow motion."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from vtract.errors import DataValueError
from vtract.labels import AIRWAY, LABEL_COLORS, TONGUE
from vtract.video import render_video
from vtract.video._compose import PanelRenderer, interpolation_matrix, panel_size
from vtract.video._timeline import frame_positions, make_timeline

from . import _probe
from .conftest import (
    FLASH_FRAME,
    FPS,
    N_FRAMES,
    SHAPE,
    TONE_HZ,
    TONGUE_CENTRE,
    TONGUE_RADIUS,
    acoustics_table,
    measures_table,
)

SIZE = 240


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One real-time render shared by several tests."""
    from .conftest import label_maps, make_session

    s = make_session()
    out = tmp_path_factory.mktemp("render") / "lesson.mp4"
    render_video(s, out, labels=label_maps(), acoustics=acoustics_table(),
                 measures=measures_table(s.sequence), size=SIZE, line_width=4)
    return s, out


def test_streams_codec_and_layout(rendered):
    s, out = rendered
    st = _probe.streams(out)
    assert [x["type"] for x in st] == ["video", "audio"]
    v, a = st
    assert v["codec"] == "h264" and v["pix_fmt"] == "yuv420p"
    assert a["codec"] == "aac"
    ph, pw = panel_size(SHAPE, (2.4, 2.4), SIZE)
    assert (v["height"], v["width"]) == (ph + SIZE // 3 // 2 * 2, pw)
    assert float(v["rate"]) == pytest.approx(FPS)
    # +faststart: the moov atom precedes the media data
    head = out.read_bytes()[:4096]
    assert 0 <= head.find(b"moov") < max(head.find(b"mdat"), 4096)


def test_frame_count_and_duration(rendered):
    s, out = rendered
    times, frames = _probe.video_frames(out)
    assert len(frames) == N_FRAMES
    assert times[-1] + 1 / FPS == pytest.approx(N_FRAMES / FPS, abs=1e-3)
    dur = [x["duration_s"] for x in _probe.streams(out)]
    assert dur[0] == pytest.approx(N_FRAMES / FPS, abs=1e-3)
    assert dur[1] == pytest.approx(N_FRAMES / FPS, abs=0.03)


def test_audio_in_sync_with_frames(rendered):
    """The click (middle of the flash frame on the audio clock) lands in the flash frame."""
    s, out = rendered
    times, frames = _probe.video_frames(out)
    ph = panel_size(SHAPE, (2.4, 2.4), SIZE)[0]
    bright = np.array([f[:ph].mean() for f in frames])
    k = int(np.argmax(bright))
    assert k == FLASH_FRAME
    flash_centre = times[k] + 0.5 / FPS
    x, sr, start = _probe.audio_samples(out)
    hp = np.diff(x)  # the 220 Hz tone is tiny after differencing, the click is not
    click_t = start + (int(np.argmax(np.abs(hp))) + 20) / sr
    assert abs(click_t - flash_centre) < 1 / FPS
    assert abs(click_t - flash_centre) < 0.01  # in practice: within AAC's precision


def test_overlay_colours_where_the_labels_are(rendered):
    s, out = rendered
    _, frames = _probe.video_frames(out)
    f = frames[0].astype(int)
    ph, pw = panel_size(SHAPE, (2.4, 2.4), SIZE)
    scale = ph / SHAPE[0]
    red = np.array(LABEL_COLORS[TONGUE])
    row = int(round((TONGUE_CENTRE[0] + 0.5) * scale))
    line = f[row, :pw]
    is_red = np.linalg.norm(line - red, axis=1) < 70
    cols = np.flatnonzero(is_red)
    left = (TONGUE_CENTRE[1] - TONGUE_RADIUS) * scale
    right = (TONGUE_CENTRE[1] + TONGUE_RADIUS + 1) * scale
    assert cols.size >= 4
    # red only on the tongue's left and right boundaries (within the line width and blur)
    assert np.all(np.minimum(np.abs(cols - left), np.abs(cols - right)) < 2 * scale)
    assert np.any(np.abs(cols - left) < 2 * scale) and np.any(np.abs(cols - right) < 2 * scale)
    # airway: contour colour on its boundary rows, nowhere in the empty top-left corner
    blue = np.array(LABEL_COLORS[AIRWAY])
    corner = f[: int(6 * scale), : int(6 * scale)]
    assert not np.any(np.linalg.norm(corner - red, axis=-1) < 70)
    col = int(round(35.5 * scale))
    ys = np.flatnonzero(np.linalg.norm(f[:ph, col] - blue, axis=-1) < 70)
    assert ys.size and abs(ys.min() - 34 * scale) < 2 * scale and abs(ys.max() - 46 * scale) < 2 * scale


def test_decoded_frame_matches_composite(rendered):
    s, out = rendered
    from .conftest import label_maps

    _, frames = _probe.video_frames(out)
    p = PanelRenderer(s.sequence.frames, label_maps(), height=SIZE, pixel_spacing_mm=(2.4, 2.4),
                      line_width=4, window=None)
    ref = np.zeros((p.height, p.width, 3), np.uint8)
    p.render_into(ref, 5.0)
    dec = frames[5][:p.height].astype(float)
    # text overlays differ (title, time); compare the middle of the panel
    sl = (slice(p.height // 5, p.height * 4 // 5), slice(p.width // 5, p.width * 4 // 5))
    mse = np.mean((dec[sl] - ref[sl]) ** 2)
    assert 10 * np.log10(255 ** 2 / mse) > 28


def test_slow_motion_lengthens_audio_keeps_pitch(tmp_path):
    import parselmouth

    from .conftest import label_maps, make_session

    s = make_session(flash_frame=39)  # keep the click out of the analysed span
    out = render_video(s, tmp_path / "slow.mp4", labels=label_maps(), size=160, slow=0.25,
                       analyze=False, end_s=1.0)
    times, frames = _probe.video_frames(out)
    assert len(frames) == 120  # 1 s of frames * 4 at 30 frames/s
    x, sr, _ = _probe.audio_samples(out)
    assert len(x) / sr == pytest.approx(4.0, abs=0.05)
    pitch = parselmouth.Sound(x[int(0.5 * sr):int(3.5 * sr)], sr).to_pitch()
    f0 = pitch.selected_array["frequency"]
    assert np.median(f0[f0 > 0]) == pytest.approx(TONE_HZ, rel=0.02)


def test_mute_gives_a_silent_track(tmp_path):
    from .conftest import make_session

    out = render_video(make_session(), tmp_path / "mute.mp4", size=128, slow=0.5,
                       slow_audio="mute", analyze=False, poster=tmp_path / "poster.png",
                       poster_s=1.0 + 0.5 / FPS)
    # the poster is the flash frame of the video, same size
    from PIL import Image

    poster = np.asarray(Image.open(tmp_path / "poster.png").convert("RGB"))
    times, frames = _probe.video_frames(out)
    assert poster.shape == frames[0].shape
    assert poster[:128].mean() > 200
    x, sr, _ = _probe.audio_samples(out)
    assert len(x) / sr == pytest.approx(N_FRAMES / FPS / 0.5, abs=0.05)
    assert np.sqrt(np.mean(x ** 2)) < 1e-3


def test_crossfade_blends_neighbouring_frames():
    from .conftest import label_maps, make_session

    s = make_session()
    f = s.sequence.frames
    p = PanelRenderer(f, label_maps(), height=96, window=(0.0, 1.0))
    mid = 0.5 * (f[19] + f[20]) * 255.0
    ref = np.clip(ndimage.zoom(mid, 2, order=3, mode="nearest", grid_mode=True), 0, 255)
    np.testing.assert_allclose(p.gray(19.5), ref, atol=1e-2)
    assert not np.allclose(p.gray(19.5), p.gray(19)) and not np.allclose(p.gray(19.5), p.gray(20))


def test_timeline_and_positions():
    tl = make_timeline(2.0, 20.0, slow=0.25)
    assert float(tl.fps_out) == 30 and tl.n_out == 240
    pos = frame_positions(tl.clip_times, t0_s=0.0, fps=20.0, n_frames=40)
    assert pos[0] == 0 and pos[-1] == pytest.approx(39.0, abs=0.1)
    assert np.all(np.diff(pos) >= 0)
    tl1 = make_timeline(2.0, 20.0)
    assert tl1.n_out == 40
    np.testing.assert_array_equal(frame_positions(tl1.clip_times, t0_s=0.0, fps=20.0,
                                                  n_frames=40), np.arange(40))
    with pytest.raises(DataValueError):
        make_timeline(2.0, 20.0, slow=0.0)
    rep = frame_positions(tl.clip_times, t0_s=0.0, fps=20.0, n_frames=40, interpolate=False)
    assert np.all(rep == np.round(rep)) and np.all(np.bincount(rep.astype(int)) == 6)


def test_session_without_audio_has_video_only(tmp_path):
    from vtract import Session

    from .conftest import make_session

    s = Session(make_session().sequence, session_id="silent")
    out = render_video(s, tmp_path / "silent.mp4", size=96)
    assert [x["type"] for x in _probe.streams(out)] == ["video"]
    assert len(_probe.video_frames(out)[1]) == N_FRAMES


def test_interpolation_matrix_equals_scipy_zoom():
    rng = np.random.default_rng(1)
    img = rng.random((12, 9))
    ry, rx = interpolation_matrix(12, 60), interpolation_matrix(9, 45)
    ref = ndimage.zoom(img, (5, 5), order=3, mode="nearest", grid_mode=True)
    np.testing.assert_allclose(ry @ img @ rx.T, ref, atol=1e-5)


def test_bad_inputs_raise(tmp_path, session):
    with pytest.raises(DataValueError, match="labels shape"):
        render_video(session, tmp_path / "x.mp4", labels=np.zeros((3, 4, 4), np.uint8))
    with pytest.raises(DataValueError, match="no frames"):
        render_video(session, tmp_path / "x.mp4", start_s=5.0, end_s=6.0)
    with pytest.raises(DataValueError, match="lengthened"):
        render_video(session, tmp_path / "x.mp4", slow=0.05, size=64, analyze=False)
    assert not (tmp_path / "x.mp4").exists()
    assert not list(tmp_path.glob(".x.*"))  # no temporary left behind


def test_strip_cursor_follows_time(rendered):
    from vtract.video._view import SessionView

    from .conftest import label_maps

    s, out = rendered
    view = SessionView(s, 0.0, N_FRAMES / FPS, labels=label_maps(), acoustics=acoustics_table(),
                       measures=measures_table(s.sequence), size=SIZE, line_width=4)
    times, frames = _probe.video_frames(out)
    ph = view.panel.height
    y0, y1 = view.strip._y0, view.strip._y1
    for k in (3, 17, 36):
        strip = frames[k][ph + y0 + 2:ph + y1 - 2].astype(float)
        # the cursor is white in every row: the column profile of the darkest channel peaks there
        prof = strip.min(axis=2).mean(axis=0)
        peak = int(np.argmax(prof))
        win = np.arange(max(peak - 3, 0), min(peak + 4, prof.size))
        w = np.clip(prof[win] - np.median(prof), 0, None)
        x = float((win * w).sum() / w.sum())
        t = (k + 0.5) / FPS
        assert x + 0.5 == pytest.approx(view.strip.x_of_t(t), abs=1.0)  # pixel centre vs x


def test_denoise_cleans_the_sound_track(tmp_path):
    from dataclasses import replace

    from vtract import Audio, acoustics

    from .conftest import OFFSET_S, SR, make_session

    s = make_session(flash_frame=39)
    n = s.audio.n_samples
    f_hz = 233.0  # not a harmonic of the 20 Hz frame rate (the noise period), as a voice is not
    tone = 0.2 * np.sin(2 * np.pi * f_hz * np.arange(n) / SR)
    noisy = acoustics.add_gradient_noise(Audio(tone, SR), fps=FPS, onset_s=OFFSET_S, snr_db=-6.0)
    s = replace(s, audio=noisy)

    def purity(path):
        x, sr, _ = _probe.audio_samples(path)
        x = x[int(0.2 * sr):int(1.8 * sr)]
        spec = np.abs(np.fft.rfft(x * np.hanning(x.size))) ** 2
        f = np.fft.rfftfreq(x.size, 1 / sr)
        return spec[np.abs(f - f_hz) < 5].sum() / spec.sum()

    raw = render_video(s, tmp_path / "raw.mp4", size=64, analyze=False)
    clean = render_video(s, tmp_path / "clean.mp4", size=64, analyze=False, denoise=True)
    assert purity(raw) < 0.5
    assert purity(clean) > 2 * purity(raw)
