"""The :class:`Segmentation` result: label maps, midline, walls, landmarks and QC per frame."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import labels as L
from ..sequence import Sequence
from ._labelgeom import air_facing_contour

__all__ = ["Segmentation", "CONTOUR_STRUCTURES"]

#: Named contours taken from the label maps when the structure is labelled: name -> (label value,
#: labels its surface faces (the airway and what it may touch in a closure), (axis, whether the first
#: point has the larger coordinate on it)), so each runs as its wall piece does: the tongue from the
#: root (back) to the tip, the velum from its tip (low) up to the palate, the pharyngeal wall upwards.
_LABEL_CONTOURS = {
    "tongue": (L.TONGUE, (L.AIRWAY, L.HARD_PALATE, L.VELUM, L.PHARYNGEAL_WALL, L.TEETH), (0, True)),
    "velum": (L.VELUM, (L.AIRWAY, L.TONGUE), (1, True)),
    "pharyngeal_wall": (L.PHARYNGEAL_WALL, (L.AIRWAY, L.TONGUE, L.VELUM), (1, True)),
}

#: Contour names returned by :meth:`Segmentation.contours` (all polylines, (k, 2) in mm).
CONTOUR_STRUCTURES = ("midline", "upper_wall", "lower_wall", "tongue", "hard_palate", "velum",
                      "pharyngeal_wall", "upper_lip", "lower_lip")


@dataclass(frozen=True, eq=False)
class Segmentation:
    """Per-frame segmentation of a :class:`~vtract.Sequence`.

    Attributes
    ----------
    labels : ndarray uint8, shape (n, ny, nx)
        Canonical-view label maps (values in :mod:`vtract.labels`: 0 background, 1 airway,
        2 tongue, 3 hard palate, 4 velum).
    sequence : Sequence
        The segmented sequence (reference, not copied).
    midline, upper, lower : ndarray float32, shape (n, n_points, 2)
        Tract midline (glottis -> lips) and the air-tissue wall points on its upper/posterior and
        lower/anterior side, in pixel coordinates ``(x, y) = (col, row)``.
    width_px : ndarray float32, shape (n, n_points)
        Cross distance between the walls along each grid line (pixels, 0 at a closure, NaN where
        no wall was found).
    landmarks : ndarray int16, shape (n, 6)
        Per-frame wall landmark indices, columns :attr:`LANDMARK_NAMES`.
    palate_px : ndarray float32, shape (k, 2)
        Oral surface of the hard palate (fixed: found on the reference image), pixels.
    velum_port_px : ndarray float32, shape (n,)
        Velopharyngeal port opening (pixels; 0 when closed, NaN when not measurable).
    upper_lip_front_px : ndarray float32, shape (n,)
        Column (x, pixels) of the most anterior upper-lip point (for lip protrusion).
    confidence : ndarray float32, shape (n,)
        0..1 per frame (image contrast x fraction of the tract followed through air).
    flags : pandas.DataFrame
        One row per frame: ``lost_track``, ``area_jump``, ``low_contrast``, ``low_confidence``,
        ``dropout`` (bool), ``ok`` and ``airway_area_px`` (see :func:`vtract.qc.frame_flags`).
    settings : dict
        Settings used (for sidecars).
    geometry_cache : vtract.measures._from_labels.FrameGeometryCache or None
        Per-frame label geometry the segmenter already derived (the learned segmenter keeps it),
        reused by :func:`vtract.measure` while the labels are unchanged; not saved to disk.
    """

    labels: np.ndarray
    sequence: Sequence
    midline: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    width_px: np.ndarray
    landmarks: np.ndarray
    palate_px: np.ndarray
    velum_port_px: np.ndarray
    upper_lip_front_px: np.ndarray
    confidence: np.ndarray
    flags: pd.DataFrame
    settings: Mapping[str, Any] = field(default_factory=dict)
    geometry_cache: Any = field(default=None, repr=False)

    LANDMARK_NAMES = ("bend", "velum_tip", "pns", "alveolar", "epiglottis", "tongue_tip")

    # -- basic properties -----------------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.labels.shape[0])

    @property
    def times(self) -> np.ndarray:
        """Frame centre times (s), from the sequence."""
        return self.sequence.times

    def landmark(self, name: str) -> np.ndarray:
        """Per-frame index of one wall landmark (see :attr:`LANDMARK_NAMES`).

        Parameters
        ----------
        name : str
            One of :attr:`LANDMARK_NAMES`.

        Returns
        -------
        ndarray of int, shape (n_frames,)
            Index along the wall of the landmark in each frame.
        """
        return self.landmarks[:, self.LANDMARK_NAMES.index(name)].astype(int)

    def to_mm(self, xy_px: np.ndarray) -> np.ndarray:
        """Convert pixel ``(x, y)`` coordinates to ``(x_mm, y_mm)`` (needs pixel spacing).

        Parameters
        ----------
        xy_px : array_like, shape (..., 2)
            Pixel coordinates ``(x = column, y = row)``.

        Returns
        -------
        ndarray, shape (..., 2)
            ``(x_mm, y_mm)`` from the top-left pixel centre.
        """
        row_mm, col_mm = self.sequence.require_spacing()
        return np.asarray(xy_px, float) * np.array([col_mm, row_mm])

    # -- contours -------------------------------------------------------------------------------
    def contours_px(self, frame: int) -> dict[str, np.ndarray]:
        """Contours of one frame in pixel coordinates (x = col, y = row); see :meth:`contours`.

        Parameters
        ----------
        frame : int
            Frame index.

        Returns
        -------
        dict of str -> ndarray, shape (n_points, 2)
            ``midline``, ``upper_wall``, ``lower_wall``, ``tongue``, ``hard_palate``, ... as
            ``(x, y)`` pixel coordinates.
        """
        k = int(frame)
        mid, up, lo = self.midline[k], self.upper[k], self.lower[k]
        lm = dict(zip(self.LANDMARK_NAMES, self.landmarks[k].astype(int), strict=True))
        vt, pns, alv, epi = lm["velum_tip"], lm["pns"], lm["alveolar"], lm["epiglottis"]
        tip = lm["tongue_tip"]
        out = {
            "midline": mid,
            "upper_wall": up,
            "lower_wall": lo,
            "tongue": lo[epi:tip + 1],
            "hard_palate": self.palate_px,
            "velum": up[vt:pns + 1],
            "pharyngeal_wall": up[:vt],
            "upper_lip": up[alv:],
            "lower_lip": lo[tip:],
        }
        # where the labels hold the structure, its contour is the labelled surface facing the airway
        # (the wall pieces between landmarks are only an approximation of it)
        for name, (value, facing, (axis, first_high)) in _LABEL_CONTOURS.items():
            c = air_facing_contour(self.labels[k], value, facing=facing)
            if len(c):
                out[name] = c if (c[0, axis] >= c[-1, axis]) == first_high else c[::-1]
        return out

    def contours(self, frame: int) -> dict[str, np.ndarray]:
        """Air-tissue boundary polylines of one frame in mm.

        Parameters
        ----------
        frame : int

        Returns
        -------
        dict
            ``structure -> ndarray (k, 2)`` of ``(x_mm, y_mm)`` (x from the face backwards, y
            downwards, origin at the top-left pixel centre), for the names in
            :data:`CONTOUR_STRUCTURES`: the tract ``midline`` (glottis -> lips), the
            ``upper_wall`` (posterior pharyngeal wall, velum, palate, upper lip) and
            ``lower_wall`` (epiglottis, tongue, lower lip) along the grid lines, and the
            per-structure parts of the walls.
        """
        return {name: self.to_mm(pts) for name, pts in self.contours_px(frame).items()}

    def contours_table(self) -> pd.DataFrame:
        """All contours of all frames as a long table.

        Returns
        -------
        pandas.DataFrame
            Columns ``frame, structure, point, x_mm, y_mm``.
        """
        parts = []
        for k in range(self.n_frames):
            for name, pts in self.contours(k).items():
                m = len(pts)
                parts.append(pd.DataFrame({"frame": np.full(m, k), "structure": name,
                                           "point": np.arange(m), "x_mm": pts[:, 0],
                                           "y_mm": pts[:, 1]}))
        if not parts:
            return pd.DataFrame(columns=["frame", "structure", "point", "x_mm", "y_mm"])
        return pd.concat(parts, ignore_index=True)

    # -- output ---------------------------------------------------------------------------------
    def to_nifti(self, path: str | os.PathLike) -> Path:
        """Write the label maps as NIfTI on the input's grid (see :func:`vtract.io.write_labels`).

        Parameters
        ----------
        path : path
            ``.nii`` or ``.nii.gz``.

        Returns
        -------
        Path
            ``path``.
        """
        from ..io import write_labels

        return write_labels(self.labels, path, like=self.sequence)

    def summary(self) -> dict[str, Any]:
        """Short per-session QC summary (see :func:`vtract.qc.summary`).

        Returns
        -------
        dict
            Counts of flagged frames per flag, ``frac_ok``, ``mean_confidence``, ... (see
            :func:`vtract.qc.summary`).
        """
        from ._flags import summary

        return summary(self)
