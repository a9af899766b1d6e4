"""Tract midline, walls and landmarks of one frame from its airway probability / label map.

The learned segmenter gives per-pixel class probabilities; everything :mod:`vtract.measures` needs is
derived from them with the grid-line machinery of the classic tracker (:mod:`._tract`) applied to the
clean image ``1 - p(airway)`` (air 0, everything else 1, threshold 0.5), so walls sit sub-pixel where the
airway probability crosses 0.5:

* the **glottis end** is the lowest airway pixel; the **mouth end** the most anterior airway pixel
  below the hard palate (above it only the nasal cavity, through an open port, can be airway);
* a minimum-cost path through the airway joins them; :func:`fit_midline` re-centres it between the
  walls and casts the grid lines; :func:`find_landmarks` places the wall landmarks;
* the **hard palate's oral surface** is where the palate probability falls through 0.5 going down
  each column (on the sequence's mean palate probability: the palate is rigid);
* the **velopharyngeal port** is the narrowest airway run behind the velum, row by row;
* the **upper-lip front** is the most anterior lip (label 5) pixel, else the mouth end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from skimage.graph import MCP_Geometric

from ._anatomy import find_landmarks
from ._tract import fit_midline

__all__ = ["FrameWalls", "frame_walls", "palate_surface"]


@dataclass(frozen=True)
class FrameWalls:
    """Midline/walls (pixels, x = col, y = row, glottis -> lips) and measures of one frame."""

    midline: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    width: np.ndarray
    landmarks: tuple[int, int, int, int, int, int]
    closed_frac: float
    port_px: float
    lip_front_px: float


def palate_surface(p_palate: np.ndarray) -> np.ndarray:
    """Oral surface of the hard palate: per column, where ``p_palate`` falls through 0.5 downwards.

    Parameters
    ----------
    p_palate : ndarray (ny, nx)
        Hard-palate probability (or a 0/1 mask).

    Returns
    -------
    ndarray float32, shape (k, 2)
        Points ``(x, y)`` in pixels, front to back (increasing x); empty when no palate.
    """
    mask = p_palate >= 0.5
    if not mask.any():
        return np.zeros((0, 2), np.float32)
    lab, n = ndi.label(mask)
    keep = np.argmax(np.bincount(lab.ravel())[1:]) + 1
    mask = lab == keep
    pts = []
    for c in np.nonzero(mask.any(0))[0]:
        r = int(np.nonzero(mask[:, c])[0].max())
        if r + 1 < mask.shape[0]:
            v0, v1 = float(p_palate[r, c]), float(p_palate[r + 1, c])
            f = np.clip((v0 - 0.5) / max(v0 - v1, 1e-6), 0.0, 1.0)
        else:
            f = 0.5
        pts.append((float(c), r + f))
    return np.asarray(pts, np.float32)


def _ends(air: np.ndarray, palate_row: float | None) -> tuple[tuple[int, int], tuple[int, int]]:
    rr, cc = np.nonzero(air)
    g = int(np.argmax(rr + 1e-3 * cc))  # lowest (then most posterior) pixel
    sel = rr > palate_row if palate_row is not None and np.any(rr > palate_row) else np.ones_like(rr, bool)
    m = int(np.argmin(np.where(sel, cc, np.iinfo(np.int64).max)))
    return (int(rr[g]), int(cc[g])), (int(rr[m]), int(cc[m]))


def frame_walls(p_air: np.ndarray, air: np.ndarray, *, px_mm: float, n_points: int = 64,
                max_wall_mm: float = 30.0, palate_row: float | None = None,
                velum: np.ndarray | None = None, lips: np.ndarray | None = None) -> FrameWalls | None:
    """Midline, walls, widths and landmarks of one frame.

    Parameters
    ----------
    p_air : ndarray (ny, nx)
        Airway probability.
    air : ndarray bool (ny, nx)
        Post-processed airway label (one connected component).
    px_mm : float
        Pixel size (mm), for the anatomical distances of the landmarks.
    n_points : int
        Grid lines along the midline.
    max_wall_mm : float
        Longest search for a wall along a grid line (mm).
    palate_row : float, optional
        Mean row of the hard palate's oral surface (the mouth end is sought below it).
    velum, lips : ndarray bool (ny, nx), optional
        Velum and lip labels (velopharyngeal port, upper-lip front).

    Returns
    -------
    FrameWalls or None
        None when the airway has fewer than 4 pixels.
    """
    if np.count_nonzero(air) < 4:
        return None
    img = np.where(air, np.minimum(1.0 - p_air, 0.49), np.maximum(1.0 - p_air, 0.5)).astype(np.float32)
    glottis, mouth = _ends(air, palate_row)
    cost = np.where(air, 0.05 + img, 50.0)
    mcp = MCP_Geometric(cost, fully_connected=True)
    mcp.find_costs([glottis], [mouth], find_all_ends=False)
    path = np.asarray(mcp.traceback(mouth), float)
    if len(path) < 2:
        path = np.array([glottis, mouth], float)
    max_px = max_wall_mm / px_mm
    mid, up, lo, width = fit_midline(img, 0.5, path[:, ::-1], n_points, max_px, smooth=1.5)
    lm = find_landmarks(mid, up, lo, px_mm)
    closed = float(np.mean(~np.isnan(width) & (width <= 0.0)))
    port = np.nan
    if velum is not None and velum.any():
        gaps = []
        for r in np.unique(np.nonzero(velum)[0]):
            c0 = int(np.nonzero(velum[r])[0].max())
            run = air[r, c0 + 1:]
            k = int(np.argmin(run)) if run.size and not run.all() else run.size
            gaps.append(float(k))
        port = float(min(gaps)) if gaps else np.nan
    if lips is not None and lips.any():
        front = float(np.nonzero(lips.any(0))[0].min())
    else:
        front = float(mouth[1])
    return FrameWalls(mid.astype(np.float32), up.astype(np.float32), lo.astype(np.float32),
                      width.astype(np.float32),
                      (lm.bend, lm.velum_tip, lm.pns, lm.alveolar, lm.epiglottis, lm.tongue_tip),
                      closed, port, front)
