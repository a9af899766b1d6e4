"""`measure`: the per-frame measures table of a segmentation (through its label maps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._area import area_from_distance
from ._definitions import measures_table
from ._from_labels import geometry_from_labels
from ._geometry import TractGeometry

if TYPE_CHECKING:
    from ..segmentation import Segmentation

__all__ = ["measure", "distance_function"]


def distance_function(geom: TractGeometry, n_samples: int = 32) -> np.ndarray:
    """Cross distance at ``n_samples`` equally spaced points along the midline (glottis -> lips).

    Parameters
    ----------
    geom : TractGeometry
        The geometry.
    n_samples : int
        Samples per frame.

    Returns
    -------
    ndarray, shape (n_frames, n_samples)
        Distances in mm (NaN for frames with fewer than two defined grid lines).
    """
    arc = geom.arc
    out = np.full((geom.n_frames, n_samples), np.nan)
    for k in range(geom.n_frames):
        d, s = geom.distance[k], arc[k]
        ok = np.isfinite(d) & np.all(np.isfinite(geom.midline[k]), axis=1)
        if ok.sum() >= 2:
            out[k] = np.interp(np.linspace(0.0, s[ok][-1], n_samples), s[ok], d[ok])
    return out


def measure(seg: Segmentation, *, n_samples: int = 32, alpha: float = 1.6,
            beta: float = 1.5) -> pd.DataFrame:
    """Per-frame articulatory measures of a segmentation.

    The geometry is derived from the segmentation's label maps (and its images for the sub-pixel
    lip gap) by :func:`geometry_from_labels` (reusing the per-frame results the segmenter kept,
    ``seg.geometry_cache``, while its labels are unchanged), then measured by the definitions of
    :data:`MEASURE_TABLE`: the same path for every segmenter.

    Parameters
    ----------
    seg : Segmentation
        Any segmentation (labels in the canonical view, with its sequence).
    n_samples : int
        Points of the distance/area function along the midline (columns ``df_XXX_mm`` and
        ``af_XXX_mm2``, glottis -> lips).
    alpha, beta : float
        Area-function law coefficients (:func:`area_from_distance`; for d in cm).

    Returns
    -------
    pandas.DataFrame
        :data:`MEASURE_COLUMNS`, then ``df_000_mm ...`` (mm) and ``af_000_mm2 ...`` (mm^2).

    Raises
    ------
    vtract.errors.MissingMetadataError
        When the sequence has no pixel spacing.
    """
    spacing = seg.sequence.require_spacing()
    geom = geometry_from_labels(seg.labels, spacing, seg.sequence.frames, times_s=seg.times,
                                cache=seg.geometry_cache)
    out = measures_table(geom)
    dfs = distance_function(geom, n_samples)
    df_cols = {f"df_{i:03d}_mm": dfs[:, i] for i in range(n_samples)}
    af = area_from_distance(dfs, alpha, beta)
    af_cols = {f"af_{i:03d}_mm2": af[:, i] for i in range(n_samples)}
    return pd.concat([out, pd.DataFrame(df_cols), pd.DataFrame(af_cols)], axis=1)
