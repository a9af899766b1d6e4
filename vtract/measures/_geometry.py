"""The geometry record every measure is computed from: walls, midline, landmarks, palatal plane (mm).

One record holds ``n`` frames. Producers: :func:`vtract.measures.geometry_from_labels` (any
segmenter's label maps) and :func:`vtract.phantom.tract_geometry` (the phantom's exact polygons).
The measure functions (:mod:`vtract.measures._definitions`) read nothing else, so a segmentation
error and a definition error can no longer be confused.

Coordinates follow ``DESIGN.md``: ``(x_mm, y_mm)``, x from the face backwards, y downwards, origin
at the top-left pixel centre. Anatomical coordinates relative to the palatal plane (the line
through the hard palate's oral surface): ``u`` along the plane, growing backwards (posterior), and
``h`` along its normal, growing downwards (inferior); :meth:`TractGeometry.plane_coords`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["TractGeometry", "LANDMARKS", "palatal_plane", "palate_ridge", "palate_front",
           "RIDGE_WINDOW_MM", "RIDGE_AREA_MM2", "PALATE_PLANE_MM", "roof_landmarks",
           "palate_landmarks", "palate_columns"]

#: The ridge is where this much palate area lies in front of it (mm^2) ...
RIDGE_AREA_MM2 = 10.0
#: ... at the lowest oral-edge point within this distance behind that (mm).
RIDGE_WINDOW_MM = 5.0
#: The palatal plane is fitted to the palate's oral surface within this distance of the ridge (mm):
#: the front of the adult hard palate, which every segmentation sees (its posterior end is not told
#: reliably from a raised velum that continues its line).
PALATE_PLANE_MM = 40.0


def palate_ridge(x_edges_mm: np.ndarray, column_area_mm2: np.ndarray, edge_mm: np.ndarray) -> np.ndarray:
    """Alveolar ridge: where the hard palate's front begins, by area, and its oral edge there.

    The palate's front is a thin wedge behind the incisors; its very tip appears or vanishes with
    the pixel grid (a pixel is labelled palate only when mostly palate). The ridge's ``x`` is
    therefore where the palate's area counted from the front reaches :data:`RIDGE_AREA_MM2`
    (area is kept by a majority-vote raster on average), its ``y`` the mean height of the oral
    edge within :data:`RIDGE_WINDOW_MM` behind that (a mean, like the area, survives the raster;
    the lowest point did not: the wedge's thin tip vanishes at coarse pixels, 3 mm higher at 2.9 mm).

    Parameters
    ----------
    x_edges_mm : ndarray, shape (k + 1,)
        Column boundaries (mm, increasing: face -> back).
    column_area_mm2 : ndarray, shape (k,)
        Palate area in each column (mm^2).
    edge_mm : ndarray, shape (m, 2)
        Oral (lower) edge points of the palate ``(x_mm, y_mm)``.

    Returns
    -------
    ndarray, shape (2,)
        The ridge ``(x_mm, y_mm)``; NaN when the palate is smaller than RIDGE_AREA_MM2.
    """
    cum = np.concatenate([[0.0], np.cumsum(np.asarray(column_area_mm2, float))])
    e = np.asarray(edge_mm, float).reshape(-1, 2)
    if cum[-1] < RIDGE_AREA_MM2 or len(e) == 0:
        return np.full(2, np.nan)
    x = float(np.interp(RIDGE_AREA_MM2, cum, np.asarray(x_edges_mm, float)))
    win = e[(e[:, 0] >= x - 1e-9) & (e[:, 0] <= x + RIDGE_WINDOW_MM)]
    y = float(win[:, 1].mean()) if len(win) else float(e[np.argmin(np.abs(e[:, 0] - x)), 1])
    return np.array([x, y])


def roof_landmarks(upper_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Alveolar ridge and palatal plane from the roof of the mouth as the airway's upper wall.

    Walking back from the lips, the upper wall climbs (upper lip, incisors: signal-free in MRI)
    and turns at the alveolar ridge into the hard palate; the palate is the roof from there back
    for at most :data:`PALATE_PLANE_MM`, stopping where the wall drops to the velum
    (:func:`vtract.segmentation._anatomy.find_palate`). Every segmenter sees this edge, which is
    not true of a palate label's thin front (hidden by the incisors) or its posterior end (merged
    with a raised velum).

    Parameters
    ----------
    upper_mm : ndarray, shape (m, 2)
        Upper wall ``(x_mm, y_mm)``, glottis -> lips (NaN rows are skipped).

    Returns
    -------
    ridge : ndarray, shape (2,)
        The ridge point (mm); NaN when no climb is found.
    point, normal : ndarray, shape (2,)
        The palatal plane fitted to the roof (:func:`palatal_plane`).
    """
    from ..segmentation._anatomy import find_palate

    up = np.asarray(upper_mm, float)
    up = up[np.all(np.isfinite(up), axis=1)]
    nan2 = np.full(2, np.nan)
    if len(up) < 4:
        return nan2, nan2, nan2
    post, ridge = find_palate(up, 1.0, palate_mm=PALATE_PLANE_MM)
    if post < 0:
        return nan2, nan2, nan2
    c, n = palatal_plane(up[post:ridge + 1])
    return up[ridge].copy(), c, n


def palate_front(edge_mm: np.ndarray, ridge_mm: np.ndarray) -> np.ndarray:
    """Oral-edge points within :data:`PALATE_PLANE_MM` of the ridge (those the plane is fitted to)."""
    e = np.asarray(edge_mm, float).reshape(-1, 2)
    return e[np.hypot(*(e - np.asarray(ridge_mm, float)).T) <= PALATE_PLANE_MM]


def palate_columns(mask: np.ndarray, x0_mm: float, y0_mm: float, dx_mm: float, dy_mm: float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column boundaries, column areas and oral-edge points of a hard-palate mask (mm).

    The one reading of a palate raster that :func:`palate_landmarks` takes: a segmentation's
    label map (pixel grid) and the phantom's exact palate (a fine raster of its polygons) both go
    through it.

    Parameters
    ----------
    mask : ndarray of bool, shape (rows, cols)
        Hard-palate pixels; rows grow downwards, columns backwards (the canonical view).
    x0_mm, y0_mm : float
        Centre of pixel ``[0, 0]`` (mm).
    dx_mm, dy_mm : float
        Pixel size along columns and rows (mm).

    Returns
    -------
    x_edges_mm : ndarray, shape (k + 1,)
        Boundaries of the ``k`` columns holding palate, from the first to the last.
    column_area_mm2 : ndarray, shape (k,)
        Palate area per column (mm^2).
    edge_mm : ndarray, shape (j, 2)
        Oral edge ``(x_mm, y_mm)``: the lower edge of each palate column's lowest pixel.
    """
    m = np.asarray(mask, bool)
    cols = np.flatnonzero(m.any(axis=0))
    if cols.size == 0:
        return np.zeros(1), np.zeros(0), np.zeros((0, 2))
    span = np.arange(cols[0], cols[-1] + 1)
    area = m[:, span].sum(axis=0) * dx_mm * dy_mm
    x_edges = x0_mm + (np.append(span, span[-1] + 1) - 0.5) * dx_mm
    rows = m.shape[0] - 1 - np.argmax(m[::-1, cols], axis=0)
    edge = np.column_stack([x0_mm + cols * dx_mm, y0_mm + (rows + 0.5) * dy_mm])
    return x_edges, area, edge


def palate_landmarks(x_edges_mm: np.ndarray, column_area_mm2: np.ndarray, edge_mm: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Alveolar ridge and palatal plane from the hard palate itself (mm).

    The ridge is the palate's front by area (:func:`palate_ridge`), the plane the line through its
    oral edge within :data:`PALATE_PLANE_MM` of the ridge (:func:`palate_front`,
    :func:`palatal_plane`). The palate is rigid bone, so these are head-fixed: unlike the airway's
    upper wall they do not move when the tongue touches the roof or when a pause in the climb
    behind the incisors splits it (:func:`roof_landmarks`, the fallback without a palate).

    Parameters
    ----------
    x_edges_mm, column_area_mm2, edge_mm : ndarray
        The palate's columns, as :func:`palate_columns` returns them.

    Returns
    -------
    ridge, point, normal : ndarray, shape (2,)
        The ridge and the plane (:func:`palatal_plane`); NaN when the palate holds less than
        :data:`RIDGE_AREA_MM2`.
    """
    ridge = palate_ridge(x_edges_mm, column_area_mm2, edge_mm)
    if not np.isfinite(ridge[0]):
        nan2 = np.full(2, np.nan)
        return ridge, nan2, nan2
    c, n = palatal_plane(palate_front(edge_mm, ridge))
    return ridge, c, n


#: Landmarks of a :class:`TractGeometry` (each ``(n_frames, 2)`` in mm, NaN when not found).
LANDMARKS: dict[str, str] = {
    "glottis": "lower end of the airway (centre of its lowest edge): the tract's glottis end",
    "lip_opening": "anterior end of the airway midline (between the lips)",
    "lip_front": "most anterior point of the upper lip (lips label, else the image, else "
                 "the airway's anterior end)",
    "ridge": "alveolar ridge: the hard palate's front by area (palate_landmarks); without a "
             "palate, where the upper wall turns from the climb behind the lips into the roof "
             "(roof_landmarks)",
    "pns": "posterior nasal spine: posterior end of the hard palate's oral surface",
    "velum_tip": "point of the velum farthest from the posterior nasal spine",
    "tongue_tip": "most anterior point of the tongue below the palatal plane",
}


def palatal_plane(palate_oral_mm: np.ndarray, *, max_tilt_deg: float = 25.0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Palatal plane: a line fitted to the hard palate's oral surface, from the palate alone.

    Total least squares (principal axis) through the oral-surface points. The palate of a
    head-first midsagittal scan lies within ~20 degrees of the image horizontal; a steeper fit
    (a few points only, or a surface that caught the incisors) is clipped to ``max_tilt_deg``.

    Parameters
    ----------
    palate_oral_mm : ndarray, shape (k, 2)
        Oral-surface points ``(x_mm, y_mm)`` of the hard palate (k >= 2).
    max_tilt_deg : float
        Largest tilt from the image horizontal, degrees.

    Returns
    -------
    point : ndarray, shape (2,)
        Centroid of the points (mm).
    normal : ndarray, shape (2,)
        Unit normal pointing down (inferior); the plane's direction ``(normal[1], -normal[0])``
        points backwards (posterior).
    """
    pts = np.asarray(palate_oral_mm, float)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts) < 2:
        return np.full(2, np.nan), np.full(2, np.nan)
    c = pts.mean(axis=0)
    _, _, vt = np.linalg.svd(pts - c, full_matrices=False)
    t = vt[0]
    ang = (np.arctan2(t[1], t[0]) + np.pi / 2) % np.pi - np.pi / 2
    ang = float(np.clip(ang, -np.radians(max_tilt_deg), np.radians(max_tilt_deg)))
    # direction (cos, sin) points posterior (+x); the normal (-sin, cos) then points down (+y)
    return c, np.array([-np.sin(ang), np.cos(ang)])


@dataclass(frozen=True, eq=False)
class TractGeometry:
    """Vocal-tract geometry of ``n`` frames in mm: the one input of every measure.

    Attributes
    ----------
    midline : ndarray, shape (n, m, 2)
        Tract midline ``(x_mm, y_mm)`` from the glottis (index 0) to the lips; NaN rows pad.
    upper, lower : ndarray, shape (n, m, 2)
        Wall points on each grid line: upper/posterior wall (pharyngeal wall, velum, palate,
        upper lip) and lower/anterior wall (larynx, epiglottis, tongue, lower lip).
    distance : ndarray, shape (n, m)
        Cross distance between the walls along each grid line (mm; 0 at a closure, NaN where
        undefined).
    landmarks : dict of str to ndarray, shape (n, 2)
        The points of :data:`LANDMARKS` (mm; NaN when not found).
    plane_point, plane_normal : ndarray, shape (n, 2)
        Palatal plane per frame (:func:`palatal_plane`).
    tongue_surface : tuple of ndarray, shape (k, 2)
        Per frame, the tongue's air-facing surface points (mm).
    velum_opening_mm : ndarray, shape (n,)
        Narrowest velopharyngeal gap (mm; 0 when closed, NaN when no velum was found).
    lip_gap_mm : ndarray, shape (n,), optional
        Closest distance between the upper and the lower lip themselves (mm; 0 when they touch), where
        the source sees the lips (a lips label, the phantom's lip outlines); NaN or ``None``
        elsewhere, where :func:`vtract.measures.lip_aperture` reads the walls instead.
    airway_area_mm2 : ndarray, shape (n,)
        Area of the airway (mm^2).
    times_s : ndarray, shape (n,)
        Frame centre times (s).
    source : str
        Who produced the geometry (``"labels"``, ``"phantom"``).
    """

    midline: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    distance: np.ndarray
    landmarks: dict[str, np.ndarray]
    plane_point: np.ndarray
    plane_normal: np.ndarray
    tongue_surface: tuple[np.ndarray, ...]
    velum_opening_mm: np.ndarray
    airway_area_mm2: np.ndarray
    times_s: np.ndarray
    source: str = "labels"
    extra: dict = field(default_factory=dict)
    lip_gap_mm: np.ndarray | None = None

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.midline.shape[0])

    @property
    def arc(self) -> np.ndarray:
        """Arc length along the midline from the glottis, shape (n, m), mm."""
        seg = np.hypot(*np.diff(self.midline, axis=1).transpose(2, 0, 1))
        seg = np.where(np.isfinite(seg), seg, 0.0)
        return np.concatenate([np.zeros((self.n_frames, 1)), np.cumsum(seg, axis=1)], axis=1)

    def plane_coords(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points in palatal-plane coordinates.

        Parameters
        ----------
        pts : ndarray, shape (n, ..., 2)
            Points in mm, leading axis = frame.

        Returns
        -------
        u, h : ndarray, shape (n, ...)
            ``u`` along the plane (mm, posterior +) and ``h`` below it (mm, inferior +), both from
            the plane's point.
        """
        pts = np.asarray(pts, float)
        extra = (1,) * (pts.ndim - 2)
        c = self.plane_point.reshape(self.n_frames, *extra, 2)
        nrm = self.plane_normal.reshape(self.n_frames, *extra, 2)
        rel = pts - c
        h = (rel * nrm).sum(-1)
        u = rel[..., 0] * nrm[..., 1] - rel[..., 1] * nrm[..., 0]
        return u, h

    def frame(self, k: int) -> TractGeometry:
        """Return the one-frame record of frame ``k``."""
        sl = slice(k, k + 1)
        return TractGeometry(
            midline=self.midline[sl], upper=self.upper[sl], lower=self.lower[sl],
            distance=self.distance[sl], landmarks={n: v[sl] for n, v in self.landmarks.items()},
            plane_point=self.plane_point[sl], plane_normal=self.plane_normal[sl],
            tongue_surface=self.tongue_surface[sl], velum_opening_mm=self.velum_opening_mm[sl],
            airway_area_mm2=self.airway_area_mm2[sl], times_s=self.times_s[sl], source=self.source,
            extra=dict(self.extra), lip_gap_mm=self.lip_gaps()[sl])

    def lip_gaps(self) -> np.ndarray:
        """:attr:`lip_gap_mm` as an array of shape (n,) (all NaN when the source gave none)."""
        if self.lip_gap_mm is None:
            return np.full(self.n_frames, np.nan)
        return np.asarray(self.lip_gap_mm, float)

    @staticmethod
    def stack(frames: list[TractGeometry]) -> TractGeometry:
        """Concatenate records along the frame axis (grid lines padded with NaN to the longest)."""
        m = max(f.midline.shape[1] for f in frames)

        def pad(a: np.ndarray) -> np.ndarray:
            w = [(0, 0)] * a.ndim
            w[1] = (0, m - a.shape[1])
            return np.pad(a.astype(float), w, constant_values=np.nan)

        names = frames[0].landmarks.keys()
        return TractGeometry(
            midline=np.concatenate([pad(f.midline) for f in frames]),
            upper=np.concatenate([pad(f.upper) for f in frames]),
            lower=np.concatenate([pad(f.lower) for f in frames]),
            distance=np.concatenate([pad(f.distance) for f in frames]),
            landmarks={n: np.concatenate([f.landmarks[n] for f in frames]) for n in names},
            plane_point=np.concatenate([f.plane_point for f in frames]),
            plane_normal=np.concatenate([f.plane_normal for f in frames]),
            tongue_surface=tuple(s for f in frames for s in f.tongue_surface),
            velum_opening_mm=np.concatenate([f.velum_opening_mm for f in frames]),
            airway_area_mm2=np.concatenate([f.airway_area_mm2 for f in frames]),
            times_s=np.concatenate([f.times_s for f in frames]), source=frames[0].source,
            lip_gap_mm=np.concatenate([f.lip_gaps() for f in frames]))
