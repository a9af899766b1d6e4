"""One session's view in a video: the MRI panel with contours, the strip below and text overlays.

Also resolves the optional inputs of the renderers (label maps from a ``Segmentation``, the acoustic
table computed on demand, the audio offset).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..clock import Clock
from ..errors import DataValueError, VtractWarning
from ..session import Session
from ..synced import session_clock
from ._compose import DEFAULT_SHOW, PanelRenderer, intensity_window
from ._draw import TextAtlas, paste_rgba, render_text
from ._strip import MIN_STRIP_HEIGHT, Strip
from ._timeline import frame_positions

__all__ = ["SessionView", "resolve_labels", "resolve_acoustics", "audio_clock", "clip_span",
           "denoised"]

DEFAULT_TRACES = ("larynx_height_mm", "lip_aperture_mm")


def resolve_labels(session: Session, labels, *, segment: bool = False) -> np.ndarray | None:
    """Label maps (n_frames, ny, nx) uint8 from an array, a ``Segmentation`` or by segmenting.

    Parameters
    ----------
    session : Session
        The session the labels belong to.
    labels : ndarray, object with ``.labels``, or None
        Label maps in the canonical view.
    segment : bool
        When ``labels`` is None, run :func:`vtract.segment` on the sequence.
    """
    if labels is None and segment:
        import vtract

        labels = vtract.segment(session.sequence)
    if labels is None:
        return None
    arr = np.asarray(getattr(labels, "labels", labels))
    if arr.shape != session.sequence.frames.shape:
        raise DataValueError(
            f"session {session.session_id!r}: labels shape {arr.shape} does not match the frames "
            f"{session.sequence.frames.shape}; pass the label maps of this session (canonical view)")
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise DataValueError("label values must lie in 0..255")
    return arr.astype(np.uint8, copy=False)


def resolve_acoustics(session: Session, acoustics: pd.DataFrame | None, *, analyze: bool = True
                      ) -> pd.DataFrame | None:
    """Return the acoustic table: as given, else from :func:`vtract.analyze_audio` when available."""
    if acoustics is not None:
        if "time_s" not in acoustics:
            raise DataValueError("acoustics table needs a 'time_s' column (audio clock, s); got "
                                 f"{list(acoustics.columns)}")
        return acoustics
    if session.audio is None or not analyze:
        return None
    from ..acoustics import analyze_audio

    try:
        return analyze_audio(session.audio, voice=_voice_preset(session))
    except Exception as exc:  # the video is still useful without tracks
        warnings.warn(f"session {session.session_id!r}: acoustic analysis failed ({exc}); the strip "
                      "shows the spectrogram without f0/formant tracks", VtractWarning, stacklevel=3)
        return None


def denoised(session: Session, denoise: bool) -> Session:
    """Return the session with MRI gradient noise removed from its audio when ``denoise`` is set.

    Uses :func:`vtract.suppress_mri_noise` (noise period = the frame period); the sound track and
    the spectrogram of the video then carry the cleaned recording.
    """
    if not denoise or session.audio is None:
        return session
    from dataclasses import replace

    from ..acoustics import suppress_mri_noise

    clean = suppress_mri_noise(session.audio, fps=session.sequence.fps)
    return replace(session, audio=clean)


def _voice_preset(session: Session) -> str:
    """Analysis preset from the session's group keys: wind players, singers, else speech."""
    group = {str(k): str(v).lower() for k, v in session.group.items()}
    if group.get("kind") == "wind" or "instrument" in group:
        preset = "wind"
    elif group.get("kind") == "singing" or "style" in group:
        preset = "singing"
    else:
        preset = "speech"
    from ..acoustics import VOICE_PRESETS

    return preset if preset in VOICE_PRESETS else "speech"


def audio_clock(session: Session) -> Clock:
    """Return the session's :class:`~vtract.clock.Clock` (offset and drift).

    Parameters
    ----------
    session : Session
        The session.

    Returns
    -------
    Clock
        ``session.clock``; when ``audio_offset_s`` is unknown, offset 0 s and no drift (with a
        :class:`~vtract.errors.VtractWarning` when the session has audio).
    """
    if session.audio_offset_s is None:
        if session.audio is not None:
            warnings.warn(
                f"session {session.session_id!r}: audio_offset_s is unknown, assuming 0 s (audio "
                "and frames start together); run vtract.synchronize() or pass --offset",
                VtractWarning, stacklevel=3)
    return session_clock(session, assume_zero=True)


def clip_span(session: Session, start_s: float | None, end_s: float | None) -> tuple[float, float]:
    """Image-clock span (s) covering the frames whose centres lie in ``[start_s, end_s)``."""
    seq = session.sequence
    t = seq.times
    k0 = 0 if start_s is None else int(np.searchsorted(t, start_s, side="left"))
    k1 = seq.n_frames if end_s is None else int(np.searchsorted(t, end_s, side="left"))
    if k1 <= k0:
        raise DataValueError(
            f"session {session.session_id!r}: no frames between start {start_s} s and end {end_s} s "
            f"(frames cover {seq.t0_s:.3f}-{seq.t0_s + seq.duration_s:.3f} s on the image clock)")
    return seq.t0_s + k0 / seq.fps, seq.t0_s + k1 / seq.fps


class SessionView:
    """Renders one session between two image-clock times: MRI panel on top, strip below.

    Parameters
    ----------
    session : Session
        The session.
    t_start, t_end : float
        Image-clock span (s) shown.
    labels : ndarray or None
        Label maps of the whole session.
    acoustics, measures : DataFrame or None
        See :func:`vtract.video.render_video`.
    size : int
        MRI panel height in pixels.
    strip_height : int or None
        Strip height in pixels (0 for none; default ``size // 3`` when there is audio or a trace).
    title : str or None
        Text in the panel's top-left corner.
    interpolate : bool
        Cross-fade between frames (else repeat them).
    show_time : bool
        Print the image-clock time in the panel's bottom-left corner.
    badge : str or None
        Extra text after the time (e.g. ``"0.25x"``).
    """

    def __init__(self, session: Session, t_start: float, t_end: float, *,
                 labels: np.ndarray | None, acoustics: pd.DataFrame | None = None,
                 measures: pd.DataFrame | None = None, traces: Sequence[str] = DEFAULT_TRACES,
                 colors: Mapping | None = None, show: Sequence[int | str] = DEFAULT_SHOW,
                 size: int = 720, strip_height: int | None = None, title: str | None = None,
                 interpolate: bool = True, line_width: float | None = None,
                 show_time: bool = True, badge: str | None = None,
                 force_strip: bool = False) -> None:
        seq = session.sequence
        self.session = session
        self.t_start, self.t_end = float(t_start), float(t_end)
        self.interpolate = interpolate
        k0 = max(int(np.floor((self.t_start - seq.t0_s) * seq.fps)), 0)
        k1 = min(int(np.ceil((self.t_end - seq.t0_s) * seq.fps)), seq.n_frames)
        window = intensity_window(seq.frames[k0:max(k1, k0 + 1)])
        self.panel = PanelRenderer(seq.frames, labels, height=size, pixel_spacing_mm=seq.pixel_spacing_mm,
                                   show=show, colors=colors, line_width=line_width, window=window)
        self.width = self.panel.width
        has_traces = measures is not None and any(c in measures for c in traces)
        want_strip = session.audio is not None or has_traces or force_strip
        if strip_height is None:
            strip_height = (size // 3) // 2 * 2 if want_strip else 0
            if strip_height < MIN_STRIP_HEIGHT:
                strip_height = 0  # too small to read at this size
        self.strip = None
        if strip_height > 0:
            self.strip = Strip(self.width, int(strip_height) // 2 * 2, t_start=self.t_start,
                               t_end=self.t_end, audio=session.audio,
                               clock=audio_clock(session) if session.audio is not None
                               or acoustics is not None else None, acoustics=acoustics,
                               measures=measures,
                               traces=traces)
        self.height = self.panel.height + (self.strip.height if self.strip is not None else 0)
        fpx = max(11, size // 30)
        self._title = render_text(title, fpx, background=(0, 0, 0, 150), pad=3) if title else None
        self._atlas = TextAtlas(max(10, size // 34)) if show_time else None
        self._badge = f"  {badge}" if badge else ""

    def position(self, t: float) -> float:
        """Continuous frame position shown at image-clock time ``t`` (s)."""
        seq = self.session.sequence
        return float(frame_positions(np.array([t]), t0_s=seq.t0_s, fps=seq.fps,
                                     n_frames=seq.n_frames, interpolate=self.interpolate)[0])

    def render_into(self, out: np.ndarray, t: float) -> None:
        """Draw the view at image-clock time ``t`` (s) into ``out`` (height, width, 3) uint8."""
        ph = self.panel.height
        panel = out[:ph]
        self.panel.render_into(panel, self.position(t))
        m = max(4, ph // 80)
        if self._title is not None:
            paste_rgba(panel, self._title, m, m)
        if self._atlas is not None:
            txt = self._atlas.render(f"{t:7.3f} s{self._badge}")
            paste_rgba(panel, txt, ph - txt.shape[0] - m, m)
        if self.strip is not None:
            self.strip.render_into(out[ph:ph + self.strip.height], t)
