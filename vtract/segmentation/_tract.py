"""Geometry of one frame: head mask, tract midline and air-tissue walls along grid lines.

The vocal tract is followed with a minimum-cost path through dark (air) pixels from the glottis
to the lips (scikit-image ``MCP_Geometric``); the path is smoothed and resampled to a fixed
number of points, and at each point a grid line normal to the midline is cast to both sides.
The first crossing of the air/tissue threshold on each side (linear interpolation between
samples, so sub-pixel) gives the upper/posterior and lower/anterior wall points and the
cross-sectional distance (Proctor et al. 2010, "Rapid semi-automatic segmentation of real-time
magnetic resonance images for parametric vocal tract analysis", Interspeech). The midline is then
re-centred between the two walls and the grid lines are cast again.

Coordinates here are pixel ``(x, y) = (col, row)`` floats; conversion to mm happens in the
:class:`~vtract.segmentation.Segmentation`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from skimage.filters import threshold_multiotsu, threshold_otsu
from skimage.graph import MCP_Geometric
from skimage.morphology import disk

__all__ = ["head_mask", "air_threshold", "tract_path", "resample_polyline", "cast_walls",
           "fit_midline"]


def head_mask(ref: np.ndarray, spacing_mm: float, *, close_mm: float = 7.0,
              level: float | None = None) -> np.ndarray:
    """Mask of the head and neck with the internal air spaces filled.

    The image is thresholded at half the Otsu level (tissue vs background), holes are filled
    with the top and bottom image borders treated as tissue (the field of view cuts the skull
    and the neck, so the airway touching those borders still counts as inside), the mask is
    closed with a disk of ``close_mm`` to bridge an open mouth, and the largest component kept.

    Parameters
    ----------
    ref : ndarray, shape (ny, nx)
        Normalised reference image (air ~0, tissue ~1).
    spacing_mm : float
        Pixel size in mm (mean of row and column spacing).
    close_mm : float
        Radius of the closing disk in mm.
    level : float, optional
        Tissue level; default half of Otsu's threshold of the whole image. Passing the air/tissue
        threshold keeps faint low-signal regions at the edge of the coil outside the head.

    Returns
    -------
    ndarray of bool, shape (ny, nx)
    """
    if level is None:
        level = 0.5 * float(threshold_otsu(ref))
    m = ref > level
    m = _fill_holes_tb(m)
    r = max(1, int(round(close_mm / spacing_mm)))
    pad = r + 1
    mp = np.pad(m, pad, mode="edge")
    mp = ndi.binary_closing(mp, structure=disk(r))
    m = mp[pad:-pad, pad:-pad] | m
    m = _fill_holes_tb(m)
    lab, n = ndi.label(m)
    if n > 1:
        sizes = ndi.sum_labels(m, lab, index=np.arange(1, n + 1))
        m = lab == (1 + int(np.argmax(sizes)))
    return m


def _fill_holes_tb(m: np.ndarray) -> np.ndarray:
    """Fill holes treating the top and bottom borders behind the face/neck front as foreground.

    The field of view cuts the skull and the neck; air touching those cut borders (trachea,
    nasal cavity) is still inside the head, while the air in front of the neck is not: each
    border row is padded with tissue from its first tissue pixel (the face/neck front) backwards.
    """
    nx = m.shape[1]
    rows = []
    for border in (m[0], m[-1]):
        first = int(np.argmax(border)) if border.any() else nx
        row = np.zeros(nx, bool)
        row[first:] = True
        rows.append(row)
    p = np.vstack([rows[0], m, rows[1]])
    p = np.pad(p, ((0, 0), (1, 1)), constant_values=False)
    return ndi.binary_fill_holes(p)[1:-1, 1:-1]


def air_threshold(img: np.ndarray, mask: np.ndarray, method: str = "otsu") -> float:
    """Return the air/tissue threshold: Otsu's level on the pixels inside ``mask``.

    This is the half-way point between the air and tissue classes, i.e. the half-maximum edge of
    a blurred boundary.

    With ``method="low"`` the lower of the three-class multi-Otsu levels is used instead (air
    vs all tissue when bright fat would otherwise pull Otsu's level above muscle).
    """
    vals = img[mask]
    if vals.size < 16 or np.ptp(vals) <= 0:
        return float(np.mean(img))
    if method == "low":
        return float(threshold_multiotsu(vals, classes=3, nbins=128)[0])
    return float(threshold_otsu(vals))


def tract_path(cost: np.ndarray, start: tuple[int, int],
               ends: list[tuple[int, int]] | np.ndarray) -> np.ndarray:
    """Minimum-cost 8-connected path from ``start`` to the cheapest of ``ends``.

    Parameters
    ----------
    cost : ndarray (ny, nx)
        Positive per-pixel cost.
    start : (row, col)
    ends : sequence of (row, col)

    Returns
    -------
    ndarray, shape (k, 2)
        Path pixels as (row, col), from ``start`` to the reached end.
    """
    mcp = MCP_Geometric(cost, fully_connected=True)
    ends = [tuple(int(v) for v in e) for e in ends]
    cum, _ = mcp.find_costs([start], ends, find_all_ends=False)
    e_cost = np.array([cum[e] for e in ends])
    best = ends[int(np.argmin(e_cost))]
    return np.asarray(mcp.traceback(best), dtype=float)


def resample_polyline(pts: np.ndarray, n: int, *, smooth: float = 0.0) -> np.ndarray:
    """Smooth and resample a polyline to ``n`` points equally spaced in arc length.

    The optional Gaussian smoothing has a sigma of ``smooth`` points.

    Parameters
    ----------
    pts : ndarray (k, 2)
    n : int
    smooth : float

    Returns
    -------
    ndarray (n, 2)
    """
    pts = np.asarray(pts, float)
    if len(pts) < 2:
        return np.repeat(pts[:1], n, axis=0)
    if smooth > 0 and len(pts) > 3:
        pts = ndi.gaussian_filter1d(pts, smooth, axis=0, mode="nearest")
    seg = np.hypot(*np.diff(pts, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] <= 0:
        return np.repeat(pts[:1], n, axis=0)
    q = np.linspace(0.0, s[-1], n)
    return np.column_stack([np.interp(q, s, pts[:, 0]), np.interp(q, s, pts[:, 1])])


def normals(mid: np.ndarray) -> np.ndarray:
    """Return unit normals of a polyline (x, y) running glottis -> lips.

    They point to the upper/posterior wall (tangent rotated by +90 degrees in image coordinates).
    """
    t = np.gradient(mid, axis=0)
    t /= np.maximum(np.hypot(t[:, 0], t[:, 1]), 1e-9)[:, None]
    return np.column_stack([-t[:, 1], t[:, 0]])


def cast_walls(img: np.ndarray, thr: float, mid: np.ndarray, max_px: float,
               step: float = 0.5, local_px: float = 2.0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cast grid lines normal to the midline and find the first air->tissue crossing each side.

    Parameters
    ----------
    img : ndarray (ny, nx)
        Image with tissue >= ``thr`` (pixels outside the head should be set to tissue).
    thr : float
        Air/tissue threshold.
    mid : ndarray (n, 2)
        Midline points (x, y) in pixels.
    max_px : float
        Maximum search distance along each grid line, pixels.
    step : float
        Sampling step, pixels.
    local_px : float
        Window beyond the global crossing searched for the local tissue level, pixels.

    Returns
    -------
    upper, lower : ndarray (n, 2)
        Wall points (x, y) on the upper/posterior and lower/anterior side.
    d_up, d_lo : ndarray (n,)
        Distances (pixels) from the midline point to each wall; 0 where the midline point
        itself is tissue (a closure); ``max_px`` where no wall was found.
    """
    nrm = normals(mid)
    s = np.arange(0.0, max_px + step, step)
    out = []
    for sign in (1.0, -1.0):
        xy = mid[:, None, :] + sign * s[None, :, None] * nrm[:, None, :]
        vals = ndi.map_coordinates(img, [xy[..., 1].ravel(), xy[..., 0].ravel()], order=1,
                                   mode="constant", cval=max(thr * 2, 1.0)).reshape(xy.shape[:2])
        rows = np.arange(len(mid))
        tissue = vals >= thr
        first = np.argmax(tissue, axis=1)
        found = tissue[rows, first]
        # local half-maximum edge (Proctor et al. 2010 use a threshold per grid line): half-way
        # between the darkest air sample before the wall and the brightest tissue sample within
        # ``local_px`` beyond the global crossing
        idx = np.arange(vals.shape[1])[None, :]
        win = int(round(local_px / step))
        air_lv = np.where(idx <= first[:, None], vals, np.inf).min(axis=1)
        beyond = (idx >= first[:, None]) & (idx <= first[:, None] + win)
        peak_i = np.argmax(np.where(beyond, vals, -np.inf), axis=1)
        tis_lv = vals[rows, peak_i]
        loc = np.where(found, 0.5 * (air_lv + tis_lv), thr)
        hit = (vals >= loc[:, None]) & (idx <= peak_i[:, None])
        first_l = np.where(found, np.argmax(hit, axis=1), first)
        j = np.maximum(first_l, 1)
        v0 = vals[rows, j - 1]
        v1 = vals[rows, j]
        frac = np.clip((loc - v0) / np.where(v1 - v0 == 0, 1e-9, v1 - v0), 0.0, 1.0)
        dist = np.where(found, (j - 1 + frac) * step, max_px)
        dist = np.where(first_l == 0, 0.0, dist)
        dist = np.where(tissue[:, 0], 0.0, dist)
        out.append(dist)
    d_up, d_lo = out
    upper = mid + d_up[:, None] * nrm
    lower = mid - d_lo[:, None] * nrm
    return upper, lower, d_up, d_lo


def fit_midline(img: np.ndarray, thr: float, path_xy: np.ndarray, n_points: int, max_px: float,
                smooth: float, median: int = 1, n_centre: int = 2
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Midline and walls from a rough path: resample, cast, re-centre between the walls, cast again.

    ``n_centre`` re-centring passes; ``median`` > 1 applies a running median of that many grid
    lines to the wall distances.

    Returns
    -------
    mid, upper, lower : ndarray (n_points, 2)
    width : ndarray (n_points,)
        Cross distance in pixels (0 at closures).
    """
    mid = resample_polyline(path_xy, n_points, smooth=smooth)
    for _ in range(n_centre):
        up, lo, du, dl = cast_walls(img, thr, mid, max_px)
        ok = (du < max_px) & (dl < max_px)
        centre = np.where(ok[:, None], 0.5 * (up + lo), mid)
        mid = resample_polyline(centre, n_points, smooth=1.5)
    up, lo, du, dl = cast_walls(img, thr, mid, max_px)
    # optional: isolated grid lines that slip through a thin gap in the wall are spikes; a running
    # median over ``median`` lines removes them and keeps steps (velum tip, epiglottis)
    if median > 1:
        du = ndi.median_filter(du, size=median, mode="nearest")
        dl = ndi.median_filter(dl, size=median, mode="nearest")
    nrm = normals(mid)
    up = mid + du[:, None] * nrm
    lo = mid - dl[:, None] * nrm
    width = np.where((du < max_px) & (dl < max_px), du + dl, np.nan)
    return mid, up, lo, width

