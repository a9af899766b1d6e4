"""Ground-truth measures of the phantom: its exact geometry through vtract's one set of definitions.

:func:`tract_geometry` turns the model polygons and the semi-polar tract grid of one frame (field-of-
view mm, ``x`` face -> back, ``y`` down) into a :class:`vtract.measures.TractGeometry`; the measures
are then those of :func:`vtract.measures.measures_table`, exactly as for a segmentation (whose
geometry comes from its label maps through :func:`vtract.measures.geometry_from_labels`). The
landmarks are taken from the polygons by the same rules the label path applies to pixels:

* walls: the grid lines' exact crossings with the outer (pharyngeal wall, velum, palate, upper
  incisor, upper lip) and inner (tongue, epiglottis, larynx, lower incisor, lower lip) polygons;
* glottis / lip opening: the ends of the grid midline; upper-lip front: the upper lip's most
  anterior point within 12 mm above the upper wall's anterior end;
* hard palate: the lower (oral) edge of the palate as painted (the incisors cover its front); the
  ridge and the palatal plane from it by :func:`vtract.measures.palate_ridge` /
  :func:`vtract.measures.palate_front` as for labels; PNS = the model's posterior nasal spine;
* velum tip: the velum point farthest from the PNS; tongue surface: the tongue polygon;
* velum opening: the smallest velum-to-pharyngeal-wall distance (0 on contact).
"""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path as MplPath
from scipy.spatial.distance import cdist

from ..measures import MEASURE_COLUMNS, TractGeometry, measures_table, palatal_plane
from ..measures._from_labels import LIP_WINDOW_MM
from ..measures._geometry import palate_front, palate_ridge
from ._geometry import FrameGeometry

__all__ = ["frame_measures", "tract_geometry", "velum_opening"]



def velum_opening(geom: FrameGeometry) -> float:
    """Velopharyngeal port opening (mm): minimum velum-to-pharyngeal-wall distance, 0 on contact."""
    vel, wall = geom.curves["velum"], geom.curves["wall"]
    if MplPath(wall).contains_points(vel).any():
        return 0.0
    return float(cdist(vel, wall).min())


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


def _visible_palate(palate: np.ndarray, covers: list[np.ndarray], step_mm: float = 0.1
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rasterise the palate as painted (the incisors and the upper lip cover its front) finely.

    Returns the column boundaries (mm), the palate area per column (mm^2) and the oral (lower)
    edge per column (mm): the continuous form of what :func:`vtract.measures.geometry_from_labels`
    reads from a label map.
    """
    x0, y0 = np.floor(palate.min(axis=0)) - step_mm
    x1, y1 = np.ceil(palate.max(axis=0)) + step_mm
    xs = np.arange(x0, x1, step_mm) + step_mm / 2
    ys = np.arange(y0, y1, step_mm) + step_mm / 2
    xx, yy = np.meshgrid(xs, ys)
    pts = np.column_stack([xx.ravel(), yy.ravel()])
    inside = MplPath(palate).contains_points(pts)
    for poly in covers:
        inside &= ~MplPath(poly).contains_points(pts)
    m = inside.reshape(xx.shape)
    has = m.any(axis=0)
    low = m.shape[0] - 1 - np.argmax(m[::-1], axis=0)
    edge = np.column_stack([xs[has], ys[low[has]] + step_mm / 2])
    first, last = np.flatnonzero(has)[[0, -1]]
    area = m[:, first:last + 1].sum(axis=0) * step_mm ** 2
    x_edges = np.append(xs[first:last + 1] - step_mm / 2, xs[last] + step_mm / 2)
    return x_edges, area, edge


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
    inner = geom.grid_origin + geom.grid_dir * geom.inner_mm[:, None]
    outer = geom.grid_origin + geom.grid_dir * np.maximum(geom.outer_mm, geom.inner_mm)[:, None]
    mid = geom.midline
    x_edges, area, edge = _visible_palate(shapes["hard_palate"],
                                          [shapes["upper_incisor"], shapes["upper_lip"]])
    ridge = palate_ridge(x_edges, area, edge)
    c, n = palatal_plane(palate_front(edge, ridge))
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
        midline=mid[None], upper=outer[None], lower=inner[None], distance=geom.distance_mm[None],
        landmarks={k: np.asarray(v, float)[None] for k, v in landmarks.items()},
        plane_point=c[None], plane_normal=n[None], tongue_surface=(tongue,),
        velum_opening_mm=np.array([velum_opening(geom)]),
        airway_area_mm2=np.array([float(airway_area_mm2)]), times_s=np.array([float(time_s)]),
        source="phantom")


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
