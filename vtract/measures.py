"""Articulatory measures from a :class:`~vtract.segmentation.Segmentation` (one row per frame).

Columns follow the shared contract (``/work/shared/DESIGN.md`` and the team contract): distances in
mm, NaN where undefined. Definitions used here:

* midline: the grid-line midline from the glottis (index 0) to the lips; ``tract_length_mm`` its
  length; ``df_000_mm``... the cross distance along it at ``n_samples`` equally spaced points.
* area function: ``af_000_mm2``... = ``alpha * d ** beta`` (Soquet et al. 2002 style power law,
  Heinz & Stevens 1964); default ``alpha = 1.6, beta = 1.5`` (d in mm, mm^2), documented and
  overridable; NaN where the distance is undefined.
* constriction degree/location: minimum cross distance (mm) and its arc length from the glottis
  (mm) within the tongue-tip region (alveolar ridge +/- 15 mm along the palate), dorsum region
  (velum tip to alveolar region) and root region (epiglottis to velum tip).
* ``lip_aperture_mm``: smallest partial-volume airway width (air fraction integrated across the
  tract) between the front of the hard palate and the upper-lip front;
  ``lip_protrusion_mm``: ridge x (anterior end of the palate contour) minus x of the most
  anterior upper-lip point (first tissue pixel from the face side in the 12 mm above the mouth).
* ``jaw_opening_mm``: estimated as the vertical distance between the alveolar ridge (upper wall)
  and the lower wall point at the same midline index (lower incisor / tongue-tip level).
* ``velum_opening_mm``: narrowest air gap behind the velum to the pharyngeal wall.
* palatal plane: least-squares line through the hard palate's oral surface (tilt clipped to
  +/- 20 degrees from the image horizontal); ``larynx_height_mm``
  = perpendicular distance of the glottis end of the midline below it;
  ``tongue_dorsum_height_mm`` = smallest distance of the tongue contour below it.
* ``pharynx_width_oro_mm``: minimum cross distance between the velum tip and epiglottis tip;
  ``pharynx_width_hypo_mm``: cross distance midway between epiglottis tip and glottis.
* ``airway_area_mm2``: airway label pixel count x pixel area.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .segmentation import Segmentation

__all__ = ["measure", "tongue_pca", "MEASURE_COLUMNS", "area_from_distance"]

MEASURE_COLUMNS = ["frame", "time_s", "lip_aperture_mm", "lip_protrusion_mm", "jaw_opening_mm",
                   "tongue_tip_cd_mm", "tongue_tip_cl_mm", "tongue_dorsum_cd_mm",
                   "tongue_dorsum_cl_mm", "tongue_root_cd_mm", "velum_opening_mm",
                   "larynx_height_mm", "pharynx_width_oro_mm", "pharynx_width_hypo_mm",
                   "tongue_dorsum_height_mm", "tract_length_mm", "airway_area_mm2"]


def area_from_distance(d_mm: np.ndarray, alpha: float = 1.6, beta: float = 1.5) -> np.ndarray:
    """Midsagittal distance to cross-sectional area, ``A = alpha * d ** beta`` (mm -> mm^2)."""
    d = np.asarray(d_mm, float)
    return alpha * np.power(np.clip(d, 0, None), beta)


def _plane(palate_mm: np.ndarray, max_tilt_deg: float = 20.0
           ) -> tuple[np.ndarray, np.ndarray] | None:
    """Point and unit normal (pointing down) of the palatal plane (line through the palate)."""
    if len(palate_mm) < 2:
        return None
    c = palate_mm.mean(0)
    _, _, vt = np.linalg.svd(palate_mm - c)
    t = vt[0]
    # the palatal plane is within ~20 degrees of the image horizontal in a head-first midsagittal
    # scan; a steeper fit means the palate contour caught teeth or velum: clip the tilt
    ang = np.arctan2(t[1], t[0])
    ang = (ang + np.pi / 2) % np.pi - np.pi / 2
    ang = float(np.clip(ang, -np.radians(max_tilt_deg), np.radians(max_tilt_deg)))
    t = np.array([np.cos(ang), np.sin(ang)])
    nrm = np.array([-t[1], t[0]])
    if nrm[1] < 0:
        nrm = -nrm
    return c, nrm


def _min_at(d: np.ndarray, s: np.ndarray, i0: int, i1: int) -> tuple[float, float]:
    i0, i1 = max(0, i0), min(len(d), i1)
    if i1 <= i0:
        return np.nan, np.nan
    seg = d[i0:i1]
    if np.all(np.isnan(seg)):
        return np.nan, np.nan
    j = int(np.nanargmin(seg))
    return float(seg[j]), float(s[i0 + j])


def _partial_volume_width_px(frame: np.ndarray, centre: np.ndarray, normal: np.ndarray,
                             half_px: float, air: float, tissue: float) -> float:
    """Airway width (px) across one profile, counting each sample by its air fraction.

    Thresholded walls quantise a nearly closed opening (a 3 mm lip gap is ~1 px at 2.4 mm) to 0 or
    2 px; integrating the partial-volume air fraction ``(tissue - I) / (tissue - air)`` along the
    profile gives a sub-pixel width instead. Written by hand: no library measures this.
    """
    from scipy.ndimage import map_coordinates

    step = 0.25
    t = np.arange(-half_px, half_px + step / 2, step)
    pts = centre[None, :] + t[:, None] * normal[None, :]  # (x, y) in px
    vals = map_coordinates(frame, [pts[:, 1], pts[:, 0]], order=1, mode="nearest")
    frac = np.clip((tissue - vals) / max(tissue - air, 1e-6), 0.0, 1.0)
    return float(frac.sum() * step)


def _air_tissue_levels(frame: np.ndarray, airway: np.ndarray) -> tuple[float, float]:
    """Intensity of air (inside the segmented airway) and of the tissue lining it (a 2-px ring)."""
    from scipy.ndimage import binary_dilation

    if airway.sum() < 10:
        return float(np.percentile(frame, 5)), float(np.percentile(frame, 80))
    ring = binary_dilation(airway, iterations=2) & ~binary_dilation(airway, iterations=1)
    air = float(np.median(frame[airway]))
    tissue = float(np.median(frame[ring])) if ring.any() else float(np.percentile(frame, 80))
    return air, max(tissue, air + 1e-6)


def _lip_aperture_mm(frame: np.ndarray, airway: np.ndarray, mid_px: np.ndarray, width_px: np.ndarray,
                     front_x_px: float, ridge_x_px: float, col_mm: float) -> float:
    """Smallest partial-volume airway width between the alveolar ridge and the lip front (mm)."""
    sel = np.flatnonzero((mid_px[:, 0] <= ridge_x_px) & (mid_px[:, 0] >= front_x_px - 1.0))
    if sel.size == 0:
        return np.nan
    air, tissue = _air_tissue_levels(frame, airway)
    tang = np.gradient(mid_px, axis=0)
    widths = []
    for i in sel:
        tv = tang[i] / (np.hypot(*tang[i]) + 1e-9)
        nrm = np.array([-tv[1], tv[0]])
        w = width_px[i] if np.isfinite(width_px[i]) else 0.0
        widths.append(_partial_volume_width_px(frame, mid_px[i], nrm, w / 2 + 1.5, air, tissue))
    return float(np.min(widths)) * col_mm


def measure(seg: Segmentation, *, n_samples: int = 32, alpha: float = 1.6,
            beta: float = 1.5) -> pd.DataFrame:
    """Per-frame articulatory measures.

    Parameters
    ----------
    seg : Segmentation
    n_samples : int
        Points of the distance/area function along the midline (columns ``df_XXX_mm`` and
        ``af_XXX_mm2``, glottis -> lips).
    alpha, beta : float
        Area-function power law (see :func:`area_from_distance`).

    Returns
    -------
    pandas.DataFrame
        :data:`MEASURE_COLUMNS` plus ``tract_length_mm``-normalised distance and area functions.

    Raises
    ------
    vtract.errors.MissingMetadataError
        When the sequence has no pixel spacing.
    """
    row_mm, col_mm = seg.sequence.require_spacing()
    scale = np.array([col_mm, row_mm])
    px_area = row_mm * col_mm
    palate = seg.palate_px * scale
    frames = seg.sequence.frames
    plane = _plane(palate)
    rows = []
    dfs = np.full((seg.n_frames, n_samples), np.nan)
    for k in range(seg.n_frames):
        mid = seg.midline[k] * scale
        up = seg.upper[k] * scale
        lo = seg.lower[k] * scale
        d = np.hypot(*(up - lo).T)
        d[np.isnan(seg.width_px[k])] = np.nan
        s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(mid, axis=0).T))])
        length = float(s[-1])
        lm = dict(zip(seg.LANDMARK_NAMES, seg.landmarks[k].astype(int), strict=True))
        vt, alv, epi = lm["velum_tip"], lm["alveolar"], lm["epiglottis"]
        n = len(d)
        # tongue-tip region: +/- 15 mm of arc around the alveolar ridge index
        w = np.searchsorted(s, [s[alv] - 15.0, s[alv] + 15.0])
        tip_cd, tip_cl = _min_at(d, s, int(w[0]), min(int(w[1]), n - 2))
        dor_cd, dor_cl = _min_at(d, s, vt, int(w[0]))
        root_cd, _ = _min_at(d, s, epi, vt)
        ridge_x_px = (float(seg.palate_px[np.argmin(seg.palate_px[:, 0]), 0]) if len(seg.palate_px)
                      else float(seg.midline[k][alv, 0]))
        front_px = float(seg.upper_lip_front_px[k])
        lip_ap = _lip_aperture_mm(frames[k], seg.labels[k] == 1, seg.midline[k], seg.width_px[k],
                                  front_px if np.isfinite(front_px) else -np.inf, ridge_x_px, col_mm)
        front_x = float(seg.upper_lip_front_px[k]) * col_mm
        if np.isnan(front_x):
            front_x = float(min(up[alv:, 0].min(), lo[alv:, 0].min()))
        ridge = palate[np.argmin(palate[:, 0])] if len(palate) else up[alv]
        protr = float(ridge[0] - front_x)
        jaw = float(lo[alv, 1] - ridge[1])
        oro, _ = _min_at(d, s, epi, vt)
        hypo_i = int(round(epi / 2))
        hypo = float(d[hypo_i]) if hypo_i < n else np.nan
        if plane is not None:
            c, nrm = plane
            larynx = float(np.dot(mid[0] - c, nrm))
            tongue = lo[epi:lm['tongue_tip'] + 1]
            dorsum_h = float(np.min((tongue - c) @ nrm)) if len(tongue) else np.nan
        else:
            larynx = dorsum_h = np.nan
        port = float(seg.velum_port_px[k]) * col_mm
        rows.append(dict(frame=k, time_s=float(seg.times[k]), lip_aperture_mm=lip_ap,
                         lip_protrusion_mm=protr, jaw_opening_mm=jaw, tongue_tip_cd_mm=tip_cd,
                         tongue_tip_cl_mm=tip_cl, tongue_dorsum_cd_mm=dor_cd,
                         tongue_dorsum_cl_mm=dor_cl, tongue_root_cd_mm=root_cd,
                         velum_opening_mm=port, larynx_height_mm=larynx,
                         pharynx_width_oro_mm=oro, pharynx_width_hypo_mm=hypo,
                         tongue_dorsum_height_mm=dorsum_h, tract_length_mm=length,
                         airway_area_mm2=float((seg.labels[k] == 1).sum() * px_area)))
        q = np.linspace(0, length, n_samples)
        ok = ~np.isnan(d)
        if ok.sum() >= 2:
            dfs[k] = np.interp(q, s[ok], d[ok])
    out = pd.DataFrame(rows, columns=MEASURE_COLUMNS)
    df_cols = {f"df_{i:03d}_mm": dfs[:, i] for i in range(n_samples)}
    af = area_from_distance(dfs, alpha, beta)
    af_cols = {f"af_{i:03d}_mm2": af[:, i] for i in range(n_samples)}
    return pd.concat([out, pd.DataFrame(df_cols), pd.DataFrame(af_cols)], axis=1)


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
    from .segmentation._tract import resample_polyline

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
