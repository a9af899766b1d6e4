"""The :class:`Audio` object: mono samples with their own clock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import DataValueError, MissingMetadataError

__all__ = ["Audio"]


@dataclass(frozen=True, eq=False)
class Audio:
    """A mono audio recording.

    Parameters
    ----------
    samples : ndarray, shape (n_samples,)
        Samples as float64, nominally in [-1, 1].
    sample_rate_hz : float
        Sampling rate in Hz.
    source : str or None
        The file the samples were read from.
    metadata : dict
        e.g. the original channel count, which channel was used, the subtype.

    Notes
    -----
    Audio time 0 is the first sample; ``times[i] = i / sample_rate_hz``.
    """

    samples: np.ndarray
    sample_rate_hz: float
    source: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f" in {self.source}" if self.source else ""
        x = np.asarray(self.samples)
        if x.ndim != 1:
            raise DataValueError(
                f"audio samples{where} must be 1D (mono); got shape {x.shape}. Pick a channel "
                "(channel=0) or mix them (channel='mix')")
        if x.size == 0:
            raise DataValueError(f"audio{where} has no samples")
        x = x.astype(np.float64, copy=False)
        if not np.all(np.isfinite(x)):
            raise DataValueError(f"audio{where} contains NaN/inf samples")
        x = np.ascontiguousarray(x)
        x.setflags(write=False)
        object.__setattr__(self, "samples", x)
        if self.sample_rate_hz is None or not (float(self.sample_rate_hz) > 0):
            raise MissingMetadataError(f"invalid sample rate {self.sample_rate_hz!r}{where}")
        object.__setattr__(self, "sample_rate_hz", float(self.sample_rate_hz))
        object.__setattr__(self, "metadata", dict(self.metadata))

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        """Duration in seconds."""
        return self.n_samples / self.sample_rate_hz

    @property
    def times(self) -> np.ndarray:
        """Sample times in seconds (read-only, derived)."""
        t = np.arange(self.n_samples) / self.sample_rate_hz
        t.setflags(write=False)
        return t

    def replace(self, **changes: Any) -> Audio:
        """Return a copy with some fields replaced.

        Parameters
        ----------
        **changes
            New values of ``samples``, ``sample_rate_hz`` (Hz), ``source`` or ``metadata``.

        Returns
        -------
        Audio
            A validated copy.
        """
        kw = {f: getattr(self, f) for f in ("samples", "sample_rate_hz", "source", "metadata")}
        kw.update(changes)
        return Audio(**kw)

    def crop(self, start_s: float, end_s: float) -> Audio:
        """Return the samples between ``start_s`` and ``end_s`` (audio clock, s).

        Parameters
        ----------
        start_s, end_s : float
            Span on the audio clock (s from the first sample).

        Returns
        -------
        Audio
            The samples in the span, at the same rate (its time 0 is ``start_s``).
        """
        i0 = max(0, int(round(start_s * self.sample_rate_hz)))
        i1 = min(self.n_samples, int(round(end_s * self.sample_rate_hz)))
        if i1 <= i0:
            raise DataValueError(f"no audio between {start_s} s and {end_s} s")
        return self.replace(samples=self.samples[i0:i1])

    def to_parselmouth(self):
        """Return a ``parselmouth.Sound`` (created on demand; never pickled)."""
        import parselmouth

        return parselmouth.Sound(self.samples, sampling_frequency=self.sample_rate_hz)

    def to_xarray(self):
        """Return the samples as an ``xarray.DataArray`` with a ``time`` coordinate in s."""
        import xarray as xr

        return xr.DataArray(self.samples, dims=("time",),
                            coords={"time": ("time", self.times, {"units": "s"})},
                            name="audio", attrs={"sample_rate_hz": self.sample_rate_hz})

    def __repr__(self) -> str:
        return (f"<Audio {self.n_samples} samples, {self.sample_rate_hz:g} Hz, "
                f"{self.duration_s:.3g} s, source={self.source}>")
