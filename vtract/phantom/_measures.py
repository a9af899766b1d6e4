"""Ground-truth articulatory measures from the phantom geometry (the contract's per-frame columns).

Every value is computed from the model polygons in field-of-view mm (``x`` face -> back, ``y`` down), not
from the rendered pixels, so it is exact for the model (grid lines every ~3 mm / 6 degrees).
Definitions follow the shared measures contract (see ``vtract.measures``):

* ``lip_aperture_mm``: vertical gap between the upper- and lower-lip inner surfaces (0 when pressed;
  with a clarinet mouthpiece between the lips it is the mouthpiece thickness at the lips).
* ``lip_protrusion_mm``: ``x`` of the alveolar-ridge front minus ``x`` of the most anterior upper-lip point.
* ``jaw_opening_mm``: ``y`` of the lower-incisor edge minus ``y`` of the upper-incisor edge (negative
  with the teeth together because of the overbite).
* Constriction degree/location (``*_cd_mm`` / ``*_cl_mm``): the minimum sagittal distance over the tract
  grid lines whose outer wall is in the region (tip: upper incisors and the front 30 % of the hard palate;
  dorsum: the rest of the hard palate, the velum; root: the posterior pharyngeal wall between the velum-tip
  and epiglottis-tip levels), and the midline arc length from the glottis to that line.
* ``velum_opening_mm``: minimum distance between the velum and the pharyngeal-wall polygons (0 on contact).
* ``larynx_height_mm`` / ``tongue_dorsum_height_mm``: perpendicular distance below the palatal plane (a
  line fitted to the hard palate's oral surface) of the glottis (midpoint of the lowest grid line) and of
  the highest tongue point.
* ``pharynx_width_oro_mm``: = root-region minimum; ``pharynx_width_hypo_mm``: the horizontal airway width
  on the grid line closest to midway between the epiglottis tip and the glottis.
* ``tract_length_mm``: midline length glottis -> lips; ``airway_area_mm2``: area of label 1 on the
  supersampled grid.
"""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path as MplPath
from scipy.spatial.distance import cdist

from ._geometry import OUTER_NAMES, FrameGeometry

__all__ = ["MEASURE_COLUMNS", "frame_measures", "palatal_plane", "velum_opening"]

MEASURE_COLUMNS: tuple[str, ...] = (
    "lip_aperture_mm", "lip_protrusion_mm", "jaw_opening_mm", "tongue_tip_cd_mm", "tongue_tip_cl_mm",
    "tongue_dorsum_cd_mm", "tongue_dorsum_cl_mm", "tongue_root_cd_mm", "velum_opening_mm",
    "larynx_height_mm", "pharynx_width_oro_mm", "pharynx_width_hypo_mm", "tongue_dorsum_height_mm",
    "tract_length_mm", "airway_area_mm2")


def palatal_plane(geom: FrameGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Point on and unit normal (pointing down/inferior) of the palatal plane (mm)."""
    pts = geom.curves["palate_oral"]
    c = pts.mean(axis=0)
    _, _, vt = np.linalg.svd(pts - c)
    d = vt[0]
    n = np.array([-d[1], d[0]])
    if n[1] < 0:
        n = -n
    return c, n


def velum_opening(geom: FrameGeometry) -> float:
    """Velopharyngeal port opening (mm): minimum velum-to-pharyngeal-wall distance, 0 on contact."""
    vel, wall = geom.curves["velum"], geom.curves["wall"]
    if MplPath(wall).contains_points(vel).any():
        return 0.0
    return float(cdist(vel, wall).min())


def _min_cd(d: np.ndarray, cl: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    if not mask.any():
        return np.nan, np.nan
    i = np.flatnonzero(mask)[np.argmin(d[mask])]
    return float(d[i]), float(cl[i])


def frame_measures(geom: FrameGeometry, airway_area_mm2: float) -> dict:
    """Measures of one frame.

    Parameters
    ----------
    geom : FrameGeometry
        The frame geometry.
    airway_area_mm2 : float
        Airway area from the rasterised label map (mm^2).

    Returns
    -------
    dict
        One value per name in :data:`MEASURE_COLUMNS` (mm or mm^2; NaN where undefined).
    """
    lm = geom.landmarks
    d = geom.distance_mm
    mid = geom.midline
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(mid, axis=0), axis=1))])
    out_pts = geom.grid_origin + geom.grid_dir * geom.outer_mm[:, None]
    hit = np.array([OUTER_NAMES[h] if h >= 0 else "" for h in geom.outer_hit])
    ridge_x = lm["ridge_front"][0]
    pns_x = lm["pns"][0]
    alveolar_lim = ridge_x + 0.3 * (pns_x - ridge_x)
    tip_mask = ((hit == "upper_incisor") | ((hit == "hard_palate") & (out_pts[:, 0] <= alveolar_lim)))
    dors_mask = (((hit == "hard_palate") & (out_pts[:, 0] > alveolar_lim)) | (hit == "velum")
                 | (hit == "port"))
    y_vt, y_ep = lm["velum_tip"][1], lm["epiglottis_tip"][1]
    root_mask = (hit == "pharyngeal_wall") & (out_pts[:, 1] >= y_vt) & (out_pts[:, 1] <= y_ep)
    tip_cd, tip_cl = _min_cd(d, arc, tip_mask)
    dor_cd, dor_cl = _min_cd(d, arc, dors_mask)
    root_cd, _ = _min_cd(d, arc, root_mask)

    glottis = mid[0]
    y_hypo = 0.5 * (y_ep + glottis[1])
    ph = np.flatnonzero(np.isin(geom.region, ("epilarynx", "hypopharynx", "pharynx")))
    hypo = float(d[ph[np.argmin(np.abs(mid[ph, 1] - y_hypo))]]) if ph.size else np.nan

    c, n = palatal_plane(geom)
    larynx_h = float((glottis - c) @ n)
    tongue = geom.curves["tongue"]
    tongue_h = float(np.min((tongue - c) @ n))

    vel_open = velum_opening(geom)

    ul, ll = lm["upper_lip_inner"], lm["lower_lip_inner"]
    return {
        "lip_aperture_mm": float(np.linalg.norm(ll - ul)),
        "lip_protrusion_mm": float(ridge_x - lm["lip_front"][0]),
        "jaw_opening_mm": float(lm["lower_incisor_edge"][1] - lm["upper_incisor_edge"][1]),
        "tongue_tip_cd_mm": tip_cd, "tongue_tip_cl_mm": tip_cl,
        "tongue_dorsum_cd_mm": dor_cd, "tongue_dorsum_cl_mm": dor_cl,
        "tongue_root_cd_mm": root_cd,
        "velum_opening_mm": vel_open,
        "larynx_height_mm": larynx_h,
        "pharynx_width_oro_mm": root_cd,
        "pharynx_width_hypo_mm": hypo,
        "tongue_dorsum_height_mm": tongue_h,
        "tract_length_mm": float(arc[-1]),
        "airway_area_mm2": float(airway_area_mm2),
    }
