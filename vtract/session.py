"""The :class:`Session`: one scan's sequence, its audio, the audio offset and manifest metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .audio import Audio
from .clock import Clock
from .sequence import Sequence

__all__ = ["Session"]


@dataclass(frozen=True, eq=False)
class Session:
    """A sequence plus its audio on one time base.

    Parameters
    ----------
    sequence : Sequence
        The rtMRI frames.
    audio : Audio or None
        The in-scanner recording, if any.
    audio_offset_s : float or None
        Audio time (s, from the first audio sample) at which frame 0 *starts*: frame ``k`` starts at
        audio time ``audio_offset_s + k / fps``. Negative when the audio started late. ``None`` when
        unknown (estimate it with :func:`vtract.synchronize`).
    session_id : str
        Identifier, unique within a study.
    subject, task : str or None
        Manifest metadata.
    group : dict of str to str
        Grouping variables, e.g. ``{"style": "classical"}`` or ``{"instrument": "trumpet"}``.
    labels : dict
        Free-form labels from the manifest.
    ground_truth : dict
        Paths to ground-truth files (phantom sessions), by kind.
    drift_ppm : float
        Audio-clock drift relative to the scanner clock (ppm), as measured by
        :func:`vtract.synchronize`; 0 when unknown or absent.
    """

    sequence: Sequence
    audio: Audio | None = None
    audio_offset_s: float | None = None
    session_id: str = "session"
    subject: str | None = None
    task: str | None = None
    group: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, Any] = field(default_factory=dict)
    ground_truth: Mapping[str, str] = field(default_factory=dict)
    drift_ppm: float = 0.0

    @property
    def clock(self) -> Clock:
        """The session's :class:`~vtract.clock.Clock` (offset + drift); requires ``audio_offset_s``."""
        if self.audio_offset_s is None:
            from .errors import MissingMetadataError

            raise MissingMetadataError(
                f"session {self.session_id!r}: audio_offset_s is unknown; run vtract.synchronize() "
                "or give audio_offset_s in the manifest")
        return Clock(audio_offset_s=float(self.audio_offset_s), fps=float(self.sequence.fps),
                     t0_s=float(self.sequence.t0_s), drift_ppm=float(self.drift_ppm))

    def frame_start_audio_s(self) -> np.ndarray:
        """Audio-clock start time (s) of every frame (drift included); requires ``audio_offset_s``.

        Returns
        -------
        ndarray, shape (n_frames,)
            Audio time (s) at which each frame starts.
        """
        return self.clock.frame_start_audio_s(self.sequence.n_frames)

    def with_offset(self, audio_offset_s: float, drift_ppm: float | None = None) -> Session:
        """Return a copy with ``audio_offset_s`` (and, when given, ``drift_ppm``) set.

        Parameters
        ----------
        audio_offset_s : float
            Audio time (s) at which frame 0 starts.
        drift_ppm : float or None
            Audio-clock drift (ppm); ``None`` keeps the current value.

        Returns
        -------
        Session
            A new session sharing the sequence and audio.
        """
        from dataclasses import replace

        drift = self.drift_ppm if drift_ppm is None else float(drift_ppm)
        return replace(self, audio_offset_s=float(audio_offset_s), drift_ppm=drift)

    def with_sync(self, sync: Any) -> Session:
        """Return a copy on the clock a synchronisation result measured (offset and drift).

        Parameters
        ----------
        sync : SyncResult or mapping
            :class:`vtract.sync.SyncResult` or its JSON report (``sync.json``) with
            ``audio_offset_s`` (s) and ``drift_ppm`` (ppm; 0 when absent).

        Returns
        -------
        Session
            A new session sharing the sequence and audio, whose :attr:`clock` applies the drift.
        """
        clock = Clock.from_sync(sync, t0_s=self.sequence.t0_s, fps=self.sequence.fps)
        return self.with_offset(clock.audio_offset_s, drift_ppm=clock.drift_ppm)

    def metadata_row(self) -> dict[str, Any]:
        """Flat metadata used as columns when tables are combined across sessions.

        Returns
        -------
        dict
            ``session_id``, ``subject``, ``task`` and one key per group variable.
        """
        row: dict[str, Any] = {"session_id": self.session_id, "subject": self.subject,
                               "task": self.task}
        row.update({str(k): v for k, v in self.group.items()})
        return row

    def to_xarray(self):
        """Return an ``xarray.Dataset`` with the frames (and audio on its own ``audio_time``)."""
        ds = self.sequence.to_xarray().to_dataset(name="frames")
        if self.audio is not None:
            a = self.audio.to_xarray().rename({"time": "audio_time"})
            ds["audio"] = a
        ds.attrs.update({"session_id": self.session_id,
                         "audio_offset_s": np.nan if self.audio_offset_s is None
                         else self.audio_offset_s})
        return ds

    def __repr__(self) -> str:
        return (f"<Session {self.session_id!r} subject={self.subject} group={dict(self.group)} "
                f"{self.sequence!r} audio={'yes' if self.audio is not None else 'no'} "
                f"offset={self.audio_offset_s}>")
