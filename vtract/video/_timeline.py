"""Output timeline: which source frame (or blend of two) each output video frame shows.

Slow motion and frame-rate conversion both reduce to one mapping. Output frame ``j`` covers output
time ``[j / fps_out, (j + 1) / fps_out)``, i.e. clip time ``[j, j + 1) * slow / fps_out`` on the
image clock, and shows the source content at the centre of that span. The continuous *position*
``p`` is in frame units, integer ``k`` meaning the centre of source frame ``k``; a fractional
position is a cross-fade between frames ``floor(p)`` and ``floor(p) + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import DataValueError

__all__ = ["Timeline", "make_timeline", "choose_fps_out", "frame_positions"]

#: playback rates (frames/s) shown as they are; outside this range the output is resampled to 30.
_NATIVE_RANGE = (20.0, 60.0)
_DEFAULT_FPS_OUT = 30


@dataclass(frozen=True)
class Timeline:
    """Output video frames and the clip time each one shows.

    Attributes
    ----------
    n_out : int
        Number of output frames.
    fps_out : Fraction
        Output frame rate in frames/s (a rational number, as the MP4 time base needs).
    slow : float
        Playback speed factor (0.25 = four times slower than real time).
    """

    n_out: int
    fps_out: Fraction
    slow: float

    @property
    def duration_s(self) -> float:
        """Output duration in seconds (``n_out / fps_out``)."""
        return self.n_out / float(self.fps_out)

    @property
    def clip_times(self) -> np.ndarray:
        """Clip-relative image-clock time (s) at the centre of every output frame, shape (n_out,)."""
        return (np.arange(self.n_out) + 0.5) / float(self.fps_out) * self.slow


def choose_fps_out(source_fps: float, slow: float, fps_out: float | None = None) -> Fraction:
    """Pick the output frame rate.

    Parameters
    ----------
    source_fps : float
        Source frame rate in frames/s.
    slow : float
        Playback speed factor (1 = real time).
    fps_out : float or None
        Requested output rate in frames/s; ``None`` keeps ``source_fps * slow`` when that lies in
        20-60 frames/s (every source frame shown once, no resampling) and uses 30 otherwise.

    Returns
    -------
    Fraction
        The output rate as a rational number (denominator at most 1001).
    """
    if fps_out is None:
        eff = source_fps * slow
        fps_out = eff if _NATIVE_RANGE[0] <= eff <= _NATIVE_RANGE[1] else _DEFAULT_FPS_OUT
    if not np.isfinite(fps_out) or not (1.0 <= fps_out <= 240.0):
        raise DataValueError(f"fps_out must lie in 1-240 frames/s, got {fps_out!r}")
    return Fraction(float(fps_out)).limit_denominator(1001)


def make_timeline(duration_s: float, source_fps: float, *, slow: float = 1.0,
                  fps_out: float | None = None) -> Timeline:
    """Build the output timeline of a clip.

    Parameters
    ----------
    duration_s : float
        Clip duration on the image clock in s.
    source_fps : float
        Source frame rate in frames/s (chooses the default output rate).
    slow : float
        Playback speed factor in (0, 1] (0.25 = quarter speed).
    fps_out : float or None
        Output rate in frames/s (see :func:`choose_fps_out`).

    Returns
    -------
    Timeline
    """
    if not (0.0 < slow <= 1.0):
        raise DataValueError(f"slow must lie in (0, 1] (0.25 = quarter speed), got {slow!r}")
    rate = choose_fps_out(source_fps, slow, fps_out)
    n_out = max(1, int(round(duration_s / slow * float(rate))))
    return Timeline(n_out=n_out, fps_out=rate, slow=float(slow))


def frame_positions(times_s: np.ndarray, *, t0_s: float, fps: float, n_frames: int,
                    interpolate: bool = True) -> np.ndarray:
    """Continuous frame positions shown at image-clock times.

    Parameters
    ----------
    times_s : ndarray
        Image-clock times in s.
    t0_s, fps, n_frames
        The sequence's start time (s), frame rate (frames/s) and length.
    interpolate : bool
        Fractional positions (cross-fade between neighbours, integer = frame centre) when ``True``;
        otherwise the index of the frame whose span contains the time (frames repeated).

    Returns
    -------
    ndarray
        Positions clipped to ``[0, n_frames - 1]``.
    """
    u = (np.asarray(times_s, float) - t0_s) * fps
    pos = u - 0.5 if interpolate else np.floor(u)
    # Snap positions within 1e-6 frame of an integer so that 1:1 playback never blends.
    near = np.abs(pos - np.round(pos)) < 1e-6
    pos = np.where(near, np.round(pos), pos)
    return np.clip(pos, 0.0, n_frames - 1.0)
