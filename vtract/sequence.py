"""The :class:`Sequence`: rtMRI frames in the canonical view with their own clock and units."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DataValueError, MissingMetadataError
from .grid import Grid

__all__ = ["Sequence"]


@dataclass(frozen=True, eq=False)
class Sequence:
    """A real-time MRI sequence of 2D midsagittal frames.

    Parameters
    ----------
    frames : ndarray, shape (n_frames, ny, nx)
        Image intensities in the canonical view (row 0 at the top of the head, column 0 at the face),
        stored as float32.
    fps : float
        Frame rate in frames per second (from the sequence: TR × lines per frame, not a video
        container's nominal rate when the two differ).
    pixel_spacing_mm : tuple of float (row_mm, col_mm) or None
        In-plane pixel size in mm; ``None`` when unknown (videos without a manifest). Measures in mm
        require it.
    t0_s : float
        Start time of frame 0 on the image clock, in seconds (default 0).
    source : str or None
        The file the frames were read from.
    grid : Grid or None
        The on-disk voxel grid, so outputs can be written back on the input's grid. Defaults to a
        canonical grid built from the spacing.
    metadata : dict
        Non-identifying metadata from the file header (never patient fields).

    Notes
    -----
    ``times`` is derived, never stored: frame ``k`` spans ``[t0_s + k/fps, t0_s + (k+1)/fps)`` and
    ``times[k]`` is its centre, ``t0_s + (k + 0.5)/fps``.

    Examples
    --------
    >>> import numpy as np
    >>> seq = Sequence(np.zeros((4, 8, 8)), fps=20.0, pixel_spacing_mm=(2.0, 2.0))
    >>> seq.times
    array([0.025, 0.075, 0.125, 0.175])
    """

    frames: np.ndarray
    fps: float
    pixel_spacing_mm: tuple[float, float] | None = None
    t0_s: float = 0.0
    source: str | None = None
    grid: Grid | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f" in {self.source}" if self.source else ""
        frames = np.asarray(self.frames)
        if frames.ndim == 2:
            frames = frames[np.newaxis]
        if frames.ndim != 3:
            raise DataValueError(
                f"frames{where} must have shape (n_frames, ny, nx); got {frames.ndim} dimensions "
                f"{frames.shape}"
            )
        if frames.shape[0] < 1 or frames.shape[1] < 2 or frames.shape[2] < 2:
            raise DataValueError(f"frames{where} are empty or degenerate: shape {frames.shape}")
        if not np.issubdtype(frames.dtype, np.number) or np.issubdtype(frames.dtype, np.complexfloating):
            raise DataValueError(f"frames{where} must be real numbers, got dtype {frames.dtype}")
        frames = frames.astype(np.float32, copy=False)
        if not np.all(np.isfinite(frames)):
            n_bad = int(np.count_nonzero(~np.isfinite(frames)))
            raise DataValueError(f"frames{where} contain {n_bad} NaN/inf values; clean or mask them first")
        frames = np.ascontiguousarray(frames)
        frames.setflags(write=False)
        object.__setattr__(self, "frames", frames)
        if self.fps is None:
            raise MissingMetadataError(
                f"no frame rate{where}: pass fps=... (or --fps / the manifest's fps key)")
        fps = float(self.fps)
        if not np.isfinite(fps) or fps <= 0:
            raise MissingMetadataError(f"invalid frame rate {self.fps!r}{where}: must be > 0 frames/s")
        object.__setattr__(self, "fps", fps)
        if self.pixel_spacing_mm is not None:
            sp = tuple(float(v) for v in np.broadcast_to(np.asarray(self.pixel_spacing_mm, float), (2,)))
            if not all(np.isfinite(v) and v > 0 for v in sp):
                raise DataValueError(
                    f"invalid pixel spacing {self.pixel_spacing_mm!r}{where}: must be > 0 mm")
            object.__setattr__(self, "pixel_spacing_mm", sp)
        object.__setattr__(self, "t0_s", float(self.t0_s))
        if self.grid is None:
            object.__setattr__(self, "grid",
                               Grid.canonical(frames.shape[1], frames.shape[2], self.pixel_spacing_mm))
        elif self.grid.canonical_shape != frames.shape[1:]:
            raise DataValueError(
                f"grid{where} has canonical shape {self.grid.canonical_shape}, frames {frames.shape[1:]}")
        object.__setattr__(self, "metadata", dict(self.metadata))

    # -- derived, read-only -------------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.frames.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        """Frame matrix ``(ny, nx)``."""
        return int(self.frames.shape[1]), int(self.frames.shape[2])

    @property
    def times(self) -> np.ndarray:
        """Frame centre times in seconds, shape (n_frames,) (read-only, derived from fps and t0_s)."""
        t = self.t0_s + (np.arange(self.n_frames) + 0.5) / self.fps
        t.setflags(write=False)
        return t

    @property
    def frame_duration_s(self) -> float:
        """Duration of one frame in seconds (``1 / fps``)."""
        return 1.0 / self.fps

    @property
    def duration_s(self) -> float:
        """Total duration in seconds (``n_frames / fps``)."""
        return self.n_frames / self.fps

    def require_spacing(self) -> tuple[float, float]:
        """Return ``pixel_spacing_mm`` or raise a clear error if it is unknown.

        Returns
        -------
        tuple of float
            ``(row_mm, col_mm)``.
        """
        if self.pixel_spacing_mm is None:
            src = self.source or "this sequence"
            raise MissingMetadataError(
                f"{src}: pixel spacing is unknown (videos and plain arrays carry none); pass "
                "pixel_spacing_mm=(row_mm, col_mm), --pixel-spacing, or the manifest's "
                "pixel_spacing_mm key to get measures in mm")
        return self.pixel_spacing_mm

    # -- transformations returning new objects ------------------------------------------------
    def replace(self, **changes: Any) -> Sequence:
        """Return a copy with some fields replaced (e.g. ``frames`` after preprocessing).

        Parameters
        ----------
        **changes
            New values of ``frames``, ``fps`` (frames/s), ``pixel_spacing_mm`` ((row, col) mm),
            ``t0_s`` (s), ``source``, ``grid`` or ``metadata``.

        Returns
        -------
        Sequence
            A validated copy.
        """
        kw = {f: getattr(self, f) for f in
              ("frames", "fps", "pixel_spacing_mm", "t0_s", "source", "grid", "metadata")}
        kw.update(changes)
        return Sequence(**kw)

    def crop_time(self, start_s: float | None = None, end_s: float | None = None) -> Sequence:
        """Frames whose centre lies in ``[start_s, end_s)``, with ``t0_s`` moved accordingly.

        Parameters
        ----------
        start_s, end_s : float, optional
            Span on the image clock (s); None means the first / last frame.

        Returns
        -------
        Sequence
            The frames in the span, with ``t0_s`` moved so their times are unchanged.
        """
        t = self.times
        lo = 0 if start_s is None else int(np.searchsorted(t, start_s, side="left"))
        hi = self.n_frames if end_s is None else int(np.searchsorted(t, end_s, side="left"))
        if hi <= lo:
            raise DataValueError(f"no frames between {start_s} s and {end_s} s")
        return self.replace(frames=self.frames[lo:hi], t0_s=self.t0_s + lo / self.fps)

    def __repr__(self) -> str:
        sp = ("?" if self.pixel_spacing_mm is None
              else f"{self.pixel_spacing_mm[0]:.3g}x{self.pixel_spacing_mm[1]:.3g} mm")
        return (f"<Sequence {self.n_frames} frames {self.shape[0]}x{self.shape[1]} px, {sp}, "
                f"{self.fps:.4g} fps, {self.duration_s:.3g} s, "
                f"source={Path(self.source).name if self.source else None}>")

    def to_xarray(self):
        """Return the frames as an ``xarray.DataArray`` with dims ``("time", "y", "x")``.

        Coordinates are the frame-centre time in s and the pixel-centre positions ``y_mm``/``x_mm``
        (pixel indices when the spacing is unknown).
        """
        import xarray as xr

        dy, dx = self.pixel_spacing_mm if self.pixel_spacing_mm else (1.0, 1.0)
        unit = "mm" if self.pixel_spacing_mm else "pixel"
        ny, nx = self.shape
        return xr.DataArray(
            self.frames, dims=("time", "y", "x"),
            coords={"time": ("time", self.times, {"units": "s"}),
                    "y": ("y", np.arange(ny) * dy, {"units": unit}),
                    "x": ("x", np.arange(nx) * dx, {"units": unit})},
            name="intensity", attrs={"fps": self.fps, "source": self.source or ""},
        )
