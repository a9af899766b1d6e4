"""The :class:`Clock`: the one conversion between the image clock and the audio clock of a session.

Every place in vtract that turns an audio time into an image time or back (synchronised tables,
videos, stills, comparisons, TextGrid export) goes through this class; nothing else writes the
conversion out by hand.

Conventions (``shared/DESIGN.md``):

- image clock: frame ``k`` spans ``[t0_s + k / fps, t0_s + (k + 1) / fps)`` seconds;
- audio clock: seconds from the first sample of the audio file (at the rate its header states);
- ``audio_offset_s`` is the audio time at which frame 0 starts;
- ``drift_ppm`` is how much faster the audio recorder's clock runs than the scanner's: one second of
  image time lasts ``1 + drift_ppm * 1e-6`` seconds of audio time.

So frame ``k`` starts at audio time ``audio_offset_s + k / fps * (1 + drift_ppm * 1e-6)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Clock"]


@dataclass(frozen=True)
class Clock:
    """Map times between a session's image clock and its audio clock.

    Parameters
    ----------
    audio_offset_s : float
        Audio time (s) at which frame 0 starts; negative when the audio started after frame 0.
    fps : float
        Nominal frame rate of the sequence (frames/s, on the scanner's clock).
    t0_s : float
        Image-clock time (s) at which frame 0 starts (``Sequence.t0_s``).
    drift_ppm : float
        Audio-clock drift relative to the scanner clock (parts per million); positive when the
        recorder's clock runs fast, i.e. one image second lasts ``1 + drift_ppm * 1e-6`` audio seconds.

    Examples
    --------
    >>> c = Clock(audio_offset_s=0.5, fps=25.0)
    >>> float(c.frame_to_audio_time(0.04))
    0.54
    >>> float(c.audio_to_frame_time(0.54))
    0.04
    """

    audio_offset_s: float
    fps: float
    t0_s: float = 0.0
    drift_ppm: float = 0.0

    @classmethod
    def from_sync(cls, sync: Any, *, t0_s: float = 0.0, fps: float | None = None) -> Clock:
        """Build the clock a synchronisation result describes.

        Parameters
        ----------
        sync : SyncResult or mapping
            :class:`vtract.sync.SyncResult` or its JSON report (``sync.json``): ``audio_offset_s``
            (s), ``fps`` (frames/s) and ``drift_ppm`` (ppm; 0 when absent).
        t0_s : float
            Image-clock time (s) at which frame 0 starts (``Sequence.t0_s``).
        fps : float, optional
            Frame rate (frames/s) when ``sync`` has none (or a NaN one).

        Returns
        -------
        Clock
            Offset, frame rate and drift of ``sync`` on the sequence's image clock.
        """
        def get(key: str) -> Any:
            return sync.get(key) if isinstance(sync, Mapping) else getattr(sync, key, None)

        rate = get("fps")
        if rate is None or not np.isfinite(float(rate)):
            rate = fps
        drift = get("drift_ppm")
        return cls(audio_offset_s=float(get("audio_offset_s")), fps=float(rate) if rate else np.nan,
                   t0_s=float(t0_s), drift_ppm=0.0 if drift is None else float(drift))

    def __post_init__(self) -> None:
        from .errors import VtractError

        if not np.isfinite(self.audio_offset_s):
            raise VtractError(f"Clock: audio_offset_s must be finite, got {self.audio_offset_s!r}")
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise VtractError(f"Clock: fps must be a positive number, got {self.fps!r}")
        if not np.isfinite(self.drift_ppm):
            raise VtractError(f"Clock: drift_ppm must be finite, got {self.drift_ppm!r}")

    @property
    def rate(self) -> float:
        """Audio seconds per image second, ``1 + drift_ppm * 1e-6``."""
        return 1.0 + self.drift_ppm * 1e-6

    @property
    def frame_period_audio_s(self) -> float:
        """Duration of one frame on the audio clock (s), drift included."""
        return self.rate / self.fps

    def frame_to_audio_time(self, t_image_s: float | np.ndarray) -> np.ndarray:
        """Convert image-clock times (s) to audio-clock times (s).

        Parameters
        ----------
        t_image_s : float or ndarray
            Times on the image clock (s), e.g. ``Sequence.times``.

        Returns
        -------
        ndarray
            The same instants on the audio clock (s from the first audio sample).
        """
        t = np.asarray(t_image_s, dtype=float)
        return self.audio_offset_s + (t - self.t0_s) * self.rate

    def audio_to_frame_time(self, t_audio_s: float | np.ndarray) -> np.ndarray:
        """Convert audio-clock times (s) to image-clock times (s).

        Parameters
        ----------
        t_audio_s : float or ndarray
            Times on the audio clock (s from the first audio sample), e.g. an acoustic table's
            ``time_s`` or TextGrid boundaries.

        Returns
        -------
        ndarray
            The same instants on the image clock (s), comparable with ``Sequence.times``.
        """
        t = np.asarray(t_audio_s, dtype=float)
        return self.t0_s + (t - self.audio_offset_s) / self.rate

    def frame_start_audio_s(self, frames: int | np.ndarray) -> np.ndarray:
        """Audio time (s) at which each frame starts.

        Parameters
        ----------
        frames : int or ndarray of int
            A number of frames ``n`` (gives frames ``0 .. n-1``) or an array of frame indices.

        Returns
        -------
        ndarray
            Audio-clock start time (s) of each frame.
        """
        k = np.arange(frames) if np.ndim(frames) == 0 else np.asarray(frames, dtype=float)
        return self.audio_offset_s + k * self.frame_period_audio_s

    def frame_spans_audio_s(self, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
        """Start and end audio times (s) of frames ``0 .. n_frames-1``.

        Parameters
        ----------
        n_frames : int
            Number of frames.

        Returns
        -------
        start, end : ndarray, shape (n_frames,)
            Audio-clock span of each frame (s).
        """
        start = self.frame_start_audio_s(int(n_frames))
        return start, start + self.frame_period_audio_s
