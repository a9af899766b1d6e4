"""Measure definitions: pure functions of a :class:`~vtract.measures.TractGeometry`.

Each function returns one value per frame (shape ``(n_frames,)``, mm, NaN where undefined). The
regions are fixed distances in mm relative to the head's own landmarks (alveolar ridge, velum tip,
glottis) and the palatal plane, never fractions of the image; the table of definitions is
:data:`vtract.measures.MEASURE_TABLE`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._columns import MEASURE_COLUMNS
from ._geometry import TractGeometry

__all__ = ["regions", "lip_aperture", "lip_protrusion", "jaw_opening", "constriction",
           "larynx_height", "pharynx_width_oro", "pharynx_width_hypo", "tongue_dorsum_height",
           "tract_length", "measures_table", "LIP_BEHIND_RIDGE_MM", "TIP_BEHIND_RIDGE_MM",
           "OROPHARYNX_ABOVE_GLOTTIS_MM", "HYPOPHARYNX_MM", "CONSTRICTED_MM"]

#: Grid lines more than this far in front of the alveolar ridge lie between the lips (the
#: upper incisors reach ~4-7 mm in front of it; wider lip openings than the incisor gap read the
#: incisor edge, which MRI does not show).
LIP_BEHIND_RIDGE_MM = 6.0
#: The tongue-tip region ends this far behind the ridge (the alveolar ridge and the front of the
#: palate, where /t d n s/ are made); the dorsum region (palate dome, velum) starts there.
TIP_BEHIND_RIDGE_MM = 15.0
#: The oropharynx ends (downwards) this far above the glottis (the epiglottis tip of an adult).
OROPHARYNX_ABOVE_GLOTTIS_MM = 25.0
#: Window above the glottis (mm) over which the hypopharyngeal width is averaged.
HYPOPHARYNX_MM = (8.0, 16.0)
#: A constriction *location* (``*_cl_mm``) locates a narrowing only where its degree (``*_cd_mm``)
#: is below this (mm); where the tongue lies as far from the whole region's roof as in an open
#: vowel (14-17 mm in the phantom's belting and wind poses), the position of the minimum along a
#: nearly flat stretch is arbitrary. The measures report the location in every frame; the accuracy
#: checks score it separately over the frames with a constriction.
CONSTRICTED_MM = 12.0


def _lm(geom: TractGeometry, name: str) -> tuple[np.ndarray, np.ndarray]:
    u, h = geom.plane_coords(geom.landmarks[name][:, None, :])
    return u[:, 0], h[:, 0]


def regions(geom: TractGeometry) -> dict[str, np.ndarray]:
    """Grid-line regions, each a bool mask of shape ``(n_frames, n_lines)``.

    ``lips``: midline more than :data:`LIP_BEHIND_RIDGE_MM` in front of the ridge; ``tip``: from the
    ridge to :data:`TIP_BEHIND_RIDGE_MM` behind it, above the velum tip (the lines between the lips
    and the ridge, at the upper incisors, are in no region; the tongue-tip constriction's roof
    reaches over them, :func:`constriction`); ``dorsum``: further
    back, above the velum tip; ``oropharynx``: below the velum tip and more than
    :data:`OROPHARYNX_ABOVE_GLOTTIS_MM` above the glottis; ``hypopharynx``: the window
    :data:`HYPOPHARYNX_MM` above the glottis. Heights (``h``) are along the palatal-plane normal.
    """
    cached = geom.extra.get("_regions")
    if cached is not None and cached[0] is geom.distance and cached[1] == geom.distance.tobytes():
        return cached[2]
    u, h = geom.plane_coords(geom.midline)
    ok = np.isfinite(u) & np.isfinite(geom.distance)
    u_r, _ = _lm(geom, "ridge")
    _, h_vt = _lm(geom, "velum_tip")
    _, h_g = _lm(geom, "glottis")
    u_r, h_vt, h_g = u_r[:, None], h_vt[:, None], h_g[:, None]
    with np.errstate(invalid="ignore"):
        lips = ok & (u < u_r - LIP_BEHIND_RIDGE_MM)
        oral = ok & ~lips & (h <= h_vt)
        tip = oral & (u >= u_r) & (u <= u_r + TIP_BEHIND_RIDGE_MM)
        dorsum = oral & (u > u_r + TIP_BEHIND_RIDGE_MM)
        oro = ok & (h > h_vt) & (h < h_g - OROPHARYNX_ABOVE_GLOTTIS_MM)
        hypo = ok & (h >= h_g - HYPOPHARYNX_MM[1]) & (h <= h_g - HYPOPHARYNX_MM[0])
    out = {"lips": lips, "tip": tip, "dorsum": dorsum, "oropharynx": oro, "hypopharynx": hypo}
    # memo for the measures of one table (keyed on the distances, which a caller may edit)
    geom.extra["_regions"] = (geom.distance, geom.distance.tobytes(), out)
    return out


def _dense_wall(pts: np.ndarray, sel: np.ndarray, max_gap_mm: float = 20.0,
                per_mm: float = 4.0) -> np.ndarray:
    """Wall points of the selected grid lines, densified along the wall between neighbours.

    Consecutive selected points closer than ``max_gap_mm`` are joined by points every
    ``1 / per_mm`` mm, so that the closest distance between two walls does not depend on how far
    apart the grid lines are (the phantom's grid and a segmenter's differ). Where the wall runs
    along the grid lines, as the upper incisors' lingual face does at the mouth's bend, two
    neighbouring lines' wall points lie 10-20 mm apart; only farther ones stay unjoined.
    """
    idx = np.flatnonzero(sel & np.all(np.isfinite(pts), axis=1))
    if idx.size == 0:
        return np.zeros((0, 2))
    p = pts[idx]
    a, b = p[:-1], p[1:]
    gap = np.hypot(*(b - a).T)
    join = (np.diff(idx) == 1) & (gap > 0) & (gap < max_gap_mm)
    # a joined pair gets ceil(gap * per_mm) points ending at b (t = 1/m ... 1), any other pair just b
    m = np.where(join, np.ceil(gap * per_mm), 1).astype(int)
    seg = np.repeat(np.arange(len(a)), m)
    t = (np.arange(seg.size) - np.repeat(np.cumsum(m) - m, m) + 1) / m[seg]
    return np.vstack([p[:1], a[seg] + t[:, None] * (b[seg] - a[seg])])


def _closest(geom: TractGeometry, up_mask: np.ndarray, lo_mask: np.ndarray | None = None, *,
             up_u: tuple[np.ndarray, np.ndarray] | None = None,
             lo_u_min: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Closest distance between the upper wall (lines in ``up_mask``) and the lower wall.

    ``up_u`` (per-frame ``u`` bounds, mm) keeps only the upper-wall points, after densification,
    that lie between them along the palatal plane, and ``lo_u_min`` only the lower-wall points
    behind it (NaN: all): a region then ends where the wall does, not at a grid line.

    Returns the distance (mm; 0 when a line of ``up_mask`` whose upper point is kept is closed) and
    the midpoint of the closest pair (mm), per frame.
    """
    from scipy.spatial.distance import cdist

    lo_mask = up_mask if lo_mask is None else lo_mask
    d = np.full(geom.n_frames, np.nan)
    at = np.full((geom.n_frames, 2), np.nan)
    u_up = geom.plane_coords(geom.upper)[0] if up_u is not None else None
    for k in range(geom.n_frames):
        up = _dense_wall(geom.upper[k], up_mask[k])
        lo = _dense_wall(geom.lower[k], lo_mask[k])
        lines = up_mask[k]
        if up_u is not None or lo_u_min is not None:
            fk = geom.frame(k)
            if up_u is not None:
                lo_b, hi_b = up_u[0][k], up_u[1][k]
                uu = fk.plane_coords(up[None])[0][0]
                up = up[(uu >= lo_b) & (uu <= hi_b)]
                with np.errstate(invalid="ignore"):
                    lines = lines & (u_up[k] >= lo_b) & (u_up[k] <= hi_b)
            if lo_u_min is not None and np.isfinite(lo_u_min[k]):
                lo = lo[fk.plane_coords(lo[None])[0][0] >= lo_u_min[k]]
        if len(up) == 0 or len(lo) == 0:
            continue
        closed = lines & (geom.distance[k] <= 0)
        if closed.any():
            d[k], at[k] = 0.0, geom.midline[k][np.flatnonzero(closed)[0]]
            continue
        dd = cdist(up, lo)
        i, j = np.unravel_index(int(np.argmin(dd)), dd.shape)
        d[k], at[k] = float(dd[i, j]), 0.5 * (up[i] + lo[j])
    return d, at


def _constriction_masks(geom: TractGeometry, region: str) -> tuple[np.ndarray, np.ndarray]:
    """Upper-wall and lower-wall line masks of a constriction region.

    For the dorsum the roof is selected by the upper-wall point's own position (the palate dome and
    velum), the floor is the whole oral lower wall behind the lips (the tongue, wherever it comes
    closest), so that the result does not depend on how the grid lines are tilted near the region's
    edges; the tongue tip's roof and floor are cut on the densified walls (:func:`constriction`).
    """
    r = regions(geom)
    if region in ("lips", "oropharynx"):
        return r[region], r[region]
    oral = r["tip"] | r["dorsum"] | _between(geom)
    if region == "tip":
        # every line in front of the velum tip; constriction() cuts the roof and the floor on the
        # densified walls themselves (the grid lines at the incisors are far apart)
        return oral | r["lips"], oral | r["lips"]
    if region != "dorsum":
        raise ValueError(f"region: expected tip, dorsum, oropharynx or lips, got {region!r}")
    u_up, _ = geom.plane_coords(geom.upper)
    u_r = _lm(geom, "ridge")[0][:, None]
    with np.errstate(invalid="ignore"):
        return oral & (u_up > u_r + TIP_BEHIND_RIDGE_MM), oral


def _between(geom: TractGeometry) -> np.ndarray:
    """Oral grid lines between the lips region and the ridge (the incisors)."""
    u, h = geom.plane_coords(geom.midline)
    u_r = _lm(geom, "ridge")[0][:, None]
    h_vt = _lm(geom, "velum_tip")[1][:, None]
    with np.errstate(invalid="ignore"):
        return (np.isfinite(geom.distance) & (u >= u_r - LIP_BEHIND_RIDGE_MM) & (u < u_r)
                & (h <= h_vt))


def lip_aperture(geom: TractGeometry) -> np.ndarray:
    """Closest distance (mm) between the upper and lower lip.

    Where the geometry's source sees the lips themselves (:attr:`TractGeometry.lip_gap_mm`: a lips
    label, the phantom's lip outlines), their closest distance, 0 when they touch. Elsewhere the
    walls in the lips region: their closest distance, 0 when the airway ends behind the lips region
    while the upper lip stands in front of it (closed lips: no grid line reaches between them).
    """
    gap = geom.lip_gaps()
    d = constriction(geom, "lips")[0]
    u_r, _ = _lm(geom, "ridge")
    u_open, _ = _lm(geom, "lip_opening")
    u_front, _ = _lm(geom, "lip_front")
    with np.errstate(invalid="ignore"):
        closed = (np.isnan(d) & (u_open >= u_r - LIP_BEHIND_RIDGE_MM)
                  & (u_front < u_r - LIP_BEHIND_RIDGE_MM))
    return np.where(np.isfinite(gap), gap, np.where(closed, 0.0, d))


def lip_protrusion(geom: TractGeometry) -> np.ndarray:
    """Distance (mm) of the most anterior upper-lip point in front of the alveolar ridge."""
    u_r, _ = _lm(geom, "ridge")
    u_l, _ = _lm(geom, "lip_front")
    return u_r - u_l


def jaw_opening(geom: TractGeometry) -> np.ndarray:
    """Depth (mm) of the lower lip's upper surface below the alveolar ridge.

    The median ``h`` of the lower wall between the lips (the lips region) minus the ridge's ``h``.
    The lower incisors and the mandible give no MRI signal; the lower lip rides on the jaw and its
    upper surface is a clear air-tissue edge (it also opens with the lips: in the phantom the lip
    surface drops by 0.55 x the jaw drop plus half the lip aperture).
    """
    _, h_r = _lm(geom, "ridge")
    _, h_lo = geom.plane_coords(geom.lower)
    m = regions(geom)["lips"] & np.isfinite(h_lo)
    d = np.where(m, h_lo, np.nan)
    top = np.full(geom.n_frames, np.nan)
    top[m.any(axis=1)] = np.nanmedian(d[m.any(axis=1)], axis=1)
    return top - h_r


def constriction(geom: TractGeometry, region: str) -> tuple[np.ndarray, np.ndarray]:
    """Constriction degree and location in one region.

    Parameters
    ----------
    geom : TractGeometry
        The geometry.
    region : {"tip", "dorsum", "oropharynx", "lips"}
        Region of :func:`regions`.

    Returns
    -------
    degree_mm : ndarray, shape (n_frames,)
        Closest distance between the upper and the lower wall in the region (mm; 0 when a grid
        line there is closed). Wall to wall, not along grid lines, so it does not depend on the
        grid (the same rule as manual tract variables: the minimum distance between two contours).
        For the dorsum the roof is the upper wall whose own position lies in the region and the
        floor the whole oral lower wall behind the lips. For the tip the roof runs from the upper
        incisors' lingual face (:data:`LIP_BEHIND_RIDGE_MM` in front of the ridge: dental places;
        the teeth are dark, so the airway's wall there is the tooth's surface) to
        :data:`TIP_BEHIND_RIDGE_MM` behind the ridge (alveolar places), and the floor is the
        tongue behind its tip (in front of it lie the lower incisors and lip: the jaw's distance,
        not the tongue's). When the airway ends behind the region's front (a closure cut the air in
        front of it off: the tongue against the incisors, the ridge or the palate), 0.
    location_mm : ndarray, shape (n_frames,)
        Where it is: the closest pair's midpoint's position along the palatal plane behind the
        alveolar ridge (mm, ``u - u_ridge``; positive = posterior), a head-fixed coordinate that
        does not depend on where the tract's ends were found; NaN for a closure inferred from where
        the airway ends.
    """
    u_r, _ = _lm(geom, "ridge")
    kw = {}
    if region == "tip":  # see degree_mm above
        kw = {"up_u": (u_r - LIP_BEHIND_RIDGE_MM, u_r + TIP_BEHIND_RIDGE_MM),
              "lo_u_min": _lm(geom, "tongue_tip")[0]}
    d, at = _closest(geom, *_constriction_masks(geom, region), **kw)
    u, _ = geom.plane_coords(at[:, None, :])
    if region in ("tip", "dorsum"):
        u_open, _ = _lm(geom, "lip_opening")
        front = u_r + (TIP_BEHIND_RIDGE_MM if region == "dorsum" else -LIP_BEHIND_RIDGE_MM)
        with np.errstate(invalid="ignore"):
            d = np.where(np.isnan(d) & (u_open > front), 0.0, d)
    return d, u[:, 0] - u_r


def larynx_height(geom: TractGeometry) -> np.ndarray:
    """Distance (mm) of the glottis below the palatal plane."""
    return _lm(geom, "glottis")[1]


def pharynx_width_oro(geom: TractGeometry) -> np.ndarray:
    """Smallest cross distance (mm) in the oropharynx."""
    return constriction(geom, "oropharynx")[0]


def pharynx_width_hypo(geom: TractGeometry) -> np.ndarray:
    """Mean cross distance (mm) over the hypopharynx window above the glottis."""
    m = regions(geom)["hypopharynx"]
    d = np.where(m, geom.distance, np.nan)
    with np.errstate(invalid="ignore"):
        s, c = np.nansum(d, axis=1), m.sum(axis=1)
    return np.where(c > 0, s / np.maximum(c, 1), np.nan)


def tongue_dorsum_height(geom: TractGeometry) -> np.ndarray:
    """Height (mm below the palatal plane) of the highest tongue-surface point."""
    out = np.full(geom.n_frames, np.nan)
    for k, surf in enumerate(geom.tongue_surface):
        if len(surf):
            _, h = geom.frame(k).plane_coords(np.asarray(surf, float)[None])
            if np.isfinite(h).any():  # NaN without a palatal plane
                out[k] = float(np.nanmin(h))
    return out


def tract_length(geom: TractGeometry) -> np.ndarray:
    """Midline length (mm) from the glottis to the lips."""
    ok = np.all(np.isfinite(geom.midline), axis=2)
    return np.where(ok.any(axis=1), geom.arc[:, -1], np.nan)


def measures_table(geom: TractGeometry) -> pd.DataFrame:
    """All measures of :data:`~vtract.measures.MEASURE_COLUMNS`, one row per frame.

    Parameters
    ----------
    geom : TractGeometry
        The geometry (from any producer).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~vtract.measures.MEASURE_COLUMNS` (mm, mm^2, s; NaN where undefined).
    """
    tip_cd, tip_cl = constriction(geom, "tip")
    dor_cd, dor_cl = constriction(geom, "dorsum")
    oro = pharynx_width_oro(geom)
    cols = {
        "frame": np.arange(geom.n_frames),
        "time_s": np.asarray(geom.times_s, float),
        "lip_aperture_mm": lip_aperture(geom),
        "lip_protrusion_mm": lip_protrusion(geom),
        "jaw_opening_mm": jaw_opening(geom),
        "tongue_tip_cd_mm": tip_cd, "tongue_tip_cl_mm": tip_cl,
        "tongue_dorsum_cd_mm": dor_cd, "tongue_dorsum_cl_mm": dor_cl,
        "tongue_root_cd_mm": oro,
        "velum_opening_mm": np.asarray(geom.velum_opening_mm, float),
        "larynx_height_mm": larynx_height(geom),
        "pharynx_width_oro_mm": oro,
        "pharynx_width_hypo_mm": pharynx_width_hypo(geom),
        "tongue_dorsum_height_mm": tongue_dorsum_height(geom),
        "tract_length_mm": tract_length(geom),
        "airway_area_mm2": np.asarray(geom.airway_area_mm2, float),
    }
    return pd.DataFrame(cols, columns=MEASURE_COLUMNS)
