"""``render_video``: one session as a teacher-facing MP4 (MRI + contours + strip + sound)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._atomic import atomic_path
from ..session import Session
from ._audio import check_slow_audio, soundtrack
from ._compose import DEFAULT_SHOW
from ._encode import VideoEncoder, poster_index, save_png, write_wav
from ._timeline import make_timeline
from ._view import (
    DEFAULT_TRACES,
    SessionView,
    audio_clock,
    clip_span,
    denoised,
    resolve_acoustics,
    resolve_labels,
)

__all__ = ["render_video"]


def render_video(session: Session, out_path: str | os.PathLike, *, labels=None,
                 acoustics: pd.DataFrame | None = None, measures: pd.DataFrame | None = None,
                 traces: Sequence[str] = DEFAULT_TRACES, colors: Mapping | None = None,
                 show: Sequence[int | str] = DEFAULT_SHOW, slow: float = 1.0,
                 slow_audio: str = "lengthen", start_s: float | None = None,
                 end_s: float | None = None, size: int = 720, fps_out: float | None = None,
                 strip_height: int | None = None, interpolate: bool = True,
                 title: str | None = None, line_width: float | None = None,
                 segment: bool = False, analyze: bool = True, denoise: bool = False,
                 crf: int = 20,
                 preset: str = "veryfast", threads: int | None = None,
                 poster: str | os.PathLike | None = None, poster_s: float | None = None) -> Path:
    """Render a session as an MP4 for teaching: MRI with contours, spectrogram strip and sound.

    Parameters
    ----------
    session : Session
        Sequence, audio and its clock (:attr:`vtract.Session.clock`: ``audio_offset_s`` and
        ``drift_ppm``; offset 0 is assumed, with a warning, when unknown).
    out_path : path
        Output ``.mp4`` (H.264 yuv420p + AAC, ``+faststart``), written atomically.
    labels : ndarray, shape (n_frames, ny, nx), uint8, or Segmentation, optional
        Label maps (:mod:`vtract.labels` values) drawn as coloured contours; ``None`` shows the MRI
        only (or segments first when ``segment=True``).
    acoustics : DataFrame, optional
        ``time_s`` on the AUDIO clock, ``f0_hz``, ``f1_hz``..``f4_hz``; computed with
        :func:`vtract.analyze_audio` when omitted, available and ``analyze=True``.
    measures : DataFrame, optional
        Per-frame measures (``time_s`` = frame centre on the image clock) for the traces.
    traces : sequence of str
        Measure columns plotted under the spectrogram (in mm).
    colors : mapping, optional
        Label value or name -> colour (RGB 0-255 tuple, name or hex), overriding
        :data:`vtract.labels.LABEL_COLORS`.
    show : sequence of int or str
        Structures to outline, in drawing order (default airway, hard palate, velum, tongue).
    slow : float
        Playback speed in (0, 1]: 0.25 plays four times slower than real time.
    slow_audio : {"lengthen", "mute"}
        In slow motion, lengthen the audio without changing pitch (Praat PSOLA overlap-add, up to
        10x) or replace it by silence.
    start_s, end_s : float, optional
        Image-clock span (s): frames whose centres lie in ``[start_s, end_s)``.
    size : int
        MRI panel height in pixels (the strip adds ``strip_height``, default ``size // 3``).
    fps_out : float, optional
        Output frame rate (frames/s); default ``fps * slow`` when in 20-60, else 30.
    strip_height : int, optional
        Strip height in pixels; 0 for no strip.
    interpolate : bool
        When output frames fall between source frames, cross-fade images and morph contours
        (``True``) or repeat the previous frame (``False``).
    title : str, optional
        Title in the top-left corner (default: the session id).
    line_width : float, optional
        Contour width in pixels (default ``size / 240``).
    segment : bool
        Segment with :func:`vtract.segment` when ``labels`` is None.
    analyze : bool
        Compute the acoustic table when ``acoustics`` is None.
    denoise : bool
        Remove MRI gradient noise from the sound track and spectrogram with
        :func:`vtract.suppress_mri_noise` (computed acoustics then use the cleaned audio too).
    crf : int
        H.264 quality (lower is better).
    preset : str
        x264 speed preset.
    threads : int, optional
        Encoder threads.
    poster : path, optional
        Also save one video frame as PNG (e.g. for a README or a notebook).
    poster_s : float, optional
        Image-clock time (s) of the poster frame (default: the middle of the clip).

    Returns
    -------
    Path
        ``out_path``.

    Examples
    --------
    >>> vtract.render_video(session, "lesson.mp4", labels=seg, slow=0.25)  # doctest: +SKIP
    """
    out_path = Path(out_path)
    seq = session.sequence
    check_slow_audio(slow, slow_audio, has_audio=session.audio is not None)
    session = denoised(session, denoise)
    lab = resolve_labels(session, labels, segment=segment)
    acoustics = resolve_acoustics(session, acoustics, analyze=analyze)
    t_start, t_end = clip_span(session, start_s, end_s)
    timeline = make_timeline(t_end - t_start, seq.fps, slow=slow, fps_out=fps_out)
    badge = f"{slow:g}x" if slow != 1.0 else None
    view = SessionView(session, t_start, t_end, labels=lab, acoustics=acoustics, measures=measures,
                       traces=traces, colors=colors, show=show, size=size,
                       strip_height=strip_height, title=session.session_id if title is None
                       else title, interpolate=interpolate, line_width=line_width, badge=badge)
    times = t_start + timeline.clip_times
    with tempfile.TemporaryDirectory(prefix="vtract_video_") as tmp:
        wav = None
        if session.audio is not None:
            a0, a1 = audio_clock(session).frame_to_audio_time([t_start, t_end]).tolist()
            sr = session.audio.sample_rate_hz
            track = soundtrack(session.audio, a0, a1,
                               slow=slow, n_out_samples=int(round(timeline.duration_s * sr)),
                               mode="mute" if slow_audio == "mute" else "lengthen")
            wav = write_wav(Path(tmp) / "audio.wav", track, sr)
        frame = np.zeros((view.height, view.width, 3), np.uint8)
        with atomic_path(out_path) as tmp_out:
            with VideoEncoder(tmp_out, view.width, view.height, timeline.fps_out, audio_path=wav,
                              crf=crf, preset=preset, threads=threads) as enc:
                j_poster = poster_index(times, poster_s) if poster is not None else -1
                for j, t in enumerate(times):
                    view.render_into(frame, float(t))
                    enc.write(frame)
                    if j == j_poster:
                        save_png(frame, poster)
    return out_path
