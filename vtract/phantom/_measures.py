"""Ground-truth measures of the phantom: its exact geometry through vtract's one set of definitions.

:func:`tract_geometry` turns the model polygons and the semi-polar tract grid of one frame (field-of-
view mm, ``x`` face -> back, ``y`` down) into a :class:`vtract.measures.TractGeometry`; the measures
are then those of :func:`vtract.measures.measures_table`, exactly as for a segmentation (whose
geometry comes from its label maps through :func:`vtract.measures.geometry_from_labels`). The
landmarks are taken from the polygons by the same rules the label path applies to pixels:

* walls: the grid lines' exact crossings with the outer (pharyngeal wall, velum, palate, upper
  incisor, upper lip) and inner (tongue, epiglottis, larynx, lower lip) polygons as MRI shows them:
  the lower incisor is invisible, and the lower-incisor pocket is closed by a lid at the top of the
  lower lip (``FrameGeometry.visible``; the label path drops the same pocket,
  :func:`vtract.measures.lower_incisor_pocket`); the acoustic walls keep the incisor;
* glottis / lip opening: the ends of the grid midline; upper-lip front: the upper lip's most
  anterior point within 12 mm above the upper wall's anterior end;
* alveolar ridge and palatal plane: from the hard palate by :func:`vtract.measures.palate_landmarks`,
  as for labels, read from the palate's label region painted on a 0.1 mm raster
  (:func:`palate_mask_fine`); PNS = the model's posterior nasal spine;
* velum tip: the velum point farthest from the PNS; tongue surface: the tongue polygon;
* velum opening: the smallest velum-to-pharyngeal-wall distance (0 on contact);
* lip gap: the smallest distance between the upper and the lower lip's outlines (0 where they overlap).
"""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path as MplPath
from PIL import Image, ImageDraw
from scipy.spatial.distance import cdist

from .. import labels as L
from ..measures import (
    MEASURE_COLUMNS,
    TractGeometry,
    measures_table,
    palate_columns,
    palate_landmarks,
    roof_landmarks,
)
from ..measures._from_labels import LIP_WINDOW_MM
from ._geometry import FrameGeometry

__all__ = ["frame_measures", "tract_geometry", "velum_opening", "lip_gap", "palate_mask_fine",
           "PALATE_RASTER_MM"]



def velum_opening(geom: FrameGeometry) -> float:
    """Velopharyngeal port opening (mm): minimum velum-to-pharyngeal-wall distance, 0 on contact."""
    vel, wall = geom.curves["velum"], geom.curves["wall"]
    if MplPath(wall).contains_points(vel).any():
        return 0.0
    return float(cdist(vel, wall).min())


def _point_to_polygon(pts: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Exact distance (mm) from each point to a closed polygon's edges."""
    a = np.asarray(poly, float)
    b = np.roll(a, -1, axis=0)
    ab = b - a
    t = np.clip(((pts[:, None, :] - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0, 1)
    return np.hypot(*(pts[:, None, :] - (a + t[..., None] * ab)).transpose(2, 0, 1)).min(axis=1)


def lip_gap(geom: FrameGeometry) -> float:
    """Closest distance (mm) between the upper and the lower lip's outlines, 0 where they overlap.

    Exact: between two disjoint polygons the closest pair has a vertex of one of them.
    """
    shapes = {s.name: s.points for s in geom.shapes}
    up, lo = np.asarray(shapes["upper_lip"], float), np.asarray(shapes["lower_lip"], float)
    if MplPath(up).contains_points(_densify(lo)).any() or MplPath(lo).contains_points(_densify(up)).any():
        return 0.0
    return float(min(_point_to_polygon(up, lo).min(), _point_to_polygon(lo, up).min()))


def _densify(poly: np.ndarray, step_mm: float = 0.1) -> np.ndarray:
    """Points every ``step_mm`` along a closed polygon's edges."""
    a = np.asarray(poly, float)
    b = np.roll(a, -1, axis=0)
    out = [a[i] + np.linspace(0, 1, max(2, int(np.ceil(np.hypot(*(b[i] - a[i])) / step_mm))),
                              endpoint=False)[:, None] * (b[i] - a[i]) for i in range(len(a))]
    return np.vstack(out)


def _lip_front(upper_lip: np.ndarray, y_mouth: float) -> np.ndarray:
    """Most anterior point of the upper lip within ``LIP_WINDOW_MM`` above the mouth (mm)."""
    pts = _densify(upper_lip)
    win = pts[(pts[:, 1] >= y_mouth - LIP_WINDOW_MM) & (pts[:, 1] <= y_mouth)]
    if len(win) == 0:
        return np.full(2, np.nan)
    return win[np.argmin(win[:, 0])]


#: Pixel size (mm) of the fine raster the phantom's exact palate is read from
#: (:func:`palate_mask_fine`): its column areas and oral edge are then exact to this size.
PALATE_RASTER_MM = 0.1


def palate_mask_fine(geom: FrameGeometry, step_mm: float = PALATE_RASTER_MM
                     ) -> tuple[np.ndarray, float, float]:
    """Paint the hard-palate label of a frame's exact polygons on a fine raster.

    The shapes from the first hard-palate shape on are painted in order, as the renderer paints
    them (a later shape overwrites an earlier one: the upper incisor and the lips in front of the
    palate's tip), with PIL's polygon fill on a ``step_mm`` grid over the palate's bounding box.

    Parameters
    ----------
    geom : FrameGeometry
        The frame's polygons (field-of-view mm).
    step_mm : float
        Raster pixel size (mm).

    Returns
    -------
    mask : ndarray of bool, shape (rows, cols)
        Hard-palate pixels.
    x0_mm, y0_mm : float
        Centre of ``mask[0, 0]`` (mm).
    """
    first = next((i for i, s in enumerate(geom.shapes) if s.label == L.HARD_PALATE), None)
    if first is None:
        return np.zeros((0, 0), bool), 0.0, 0.0
    allp = np.vstack([s.points for s in geom.shapes if s.label == L.HARD_PALATE])
    lo, hi = allp.min(axis=0) - step_mm, allp.max(axis=0) + step_mm
    size = (int(np.ceil((hi[0] - lo[0]) / step_mm)), int(np.ceil((hi[1] - lo[1]) / step_mm)))
    img = Image.new("L", size, 0)
    draw = ImageDraw.Draw(img)
    for s in geom.shapes[first:]:
        if s.label < 0:
            continue
        q = (np.asarray(s.points, float) - lo) / step_mm - 0.5  # pixel centres on integers
        draw.polygon([tuple(v) for v in q], fill=int(s.label == L.HARD_PALATE))
    return np.asarray(img, bool), float(lo[0] + step_mm / 2), float(lo[1] + step_mm / 2)


def tract_geometry(geom: FrameGeometry, airway_area_mm2: float, time_s: float = 0.0) -> TractGeometry:
    """One frame's exact geometry as a :class:`~vtract.measures.TractGeometry`.

    Parameters
    ----------
    geom : FrameGeometry
        The frame's polygons and tract grid (mm).
    airway_area_mm2 : float
        Airway area of the rasterised label map (mm^2).
    time_s : float
        Frame centre time (s).

    Returns
    -------
    TractGeometry
        A one-frame record.
    """
    shapes = {s.name: s.points for s in geom.shapes}
    inner_d, outer_d, mid = geom.visible()  # the walls MRI shows (the pocket closed by a lid)
    inner = geom.grid_origin + geom.grid_dir * inner_d[:, None]
    outer = geom.grid_origin + geom.grid_dir * outer_d[:, None]
    mask, x0, y0 = palate_mask_fine(geom)
    ridge, c, n = palate_landmarks(*palate_columns(mask, x0, y0, PALATE_RASTER_MM, PALATE_RASTER_MM))
    if not np.isfinite(ridge[0]):  # no palate: the roof's climb, as for labels
        ridge, c, n = roof_landmarks(outer)
    lm = geom.landmarks
    tongue = geom.curves["tongue"]
    velum = geom.curves["velum"]
    velum_tip = velum[np.argmax(np.hypot(*(velum - lm["pns"]).T))]
    landmarks = {"glottis": mid[0], "lip_opening": mid[-1],
                 "lip_front": _lip_front(shapes["upper_lip"], float(outer[-1][1])),
                 "ridge": ridge,
                 "pns": lm["pns"], "velum_tip": velum_tip,
                 "tongue_tip": tongue[np.argmin(tongue[:, 0])]}
    return TractGeometry(
        midline=mid[None], upper=outer[None], lower=inner[None], distance=(outer_d - inner_d)[None],
        landmarks={k: np.asarray(v, float)[None] for k, v in landmarks.items()},
        plane_point=c[None], plane_normal=n[None], tongue_surface=(tongue,),
        velum_opening_mm=np.array([velum_opening(geom)]),
        airway_area_mm2=np.array([float(airway_area_mm2)]), times_s=np.array([float(time_s)]),
        source="phantom", lip_gap_mm=np.array([lip_gap(geom)]))


def frame_measures(geom: FrameGeometry, airway_area_mm2: float) -> dict:
    """Ground-truth measures of one frame.

    Parameters
    ----------
    geom : FrameGeometry
        The frame geometry.
    airway_area_mm2 : float
        Airway area from the rasterised label map (mm^2).

    Returns
    -------
    dict
        One value per measure column (:data:`vtract.measures.MEASURE_COLUMNS` without ``frame``
        and ``time_s``; mm or mm^2, NaN where undefined).
    """
    row = measures_table(tract_geometry(geom, airway_area_mm2)).iloc[0]
    return {k: float(row[k]) for k in MEASURE_COLUMNS[2:]}
