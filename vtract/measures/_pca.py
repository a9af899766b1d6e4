"""Tongue contour shape across a session: resampled contours and their principal components."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..segmentation import Segmentation

__all__ = ["tongue_pca"]


def tongue_pca(seg: Segmentation, *, n_points: int = 30,
               n_components: int = 3) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Tongue contour shape: resampled contours and PCA scores across a session.

    Parameters
    ----------
    seg : Segmentation
    n_points : int
        Points per resampled tongue contour (root -> tip, equal arc length).
    n_components : int

    Returns
    -------
    scores : pandas.DataFrame
        ``frame, time_s, tongue_pc1 ... tongue_pcK`` (mm).
    mean_shape : ndarray (n_points, 2)
        Mean contour (x_mm, y_mm).
    components : ndarray (K, n_points, 2)
        Principal modes (unit vectors over the flattened contour).
    """
    from ..segmentation._tract import resample_polyline

    shapes = []
    for k in range(seg.n_frames):
        c = seg.contours(k)["tongue"]
        if len(c) < 2:
            c = seg.contours(k)["lower_wall"]
        shapes.append(resample_polyline(c, n_points).ravel())
    x = np.asarray(shapes)
    mean = x.mean(0)
    xc = x - mean
    k_eff = max(1, min(n_components, x.shape[0], x.shape[1]))
    _, _, vt = np.linalg.svd(xc, full_matrices=False)
    comps = vt[:k_eff]
    scores = xc @ comps.T
    df = pd.DataFrame({"frame": np.arange(seg.n_frames), "time_s": seg.times})
    for i in range(k_eff):
        df[f"tongue_pc{i + 1}"] = scores[:, i]
    return df, mean.reshape(n_points, 2), comps.reshape(k_eff, n_points, 2)
