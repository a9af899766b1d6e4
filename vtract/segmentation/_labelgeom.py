"""Segmentation wall fields and the hard palate's surface from the learned segmenter's labels.

* **midline, walls, widths, velopharyngeal port, upper-lip front**: from
  :func:`vtract.measures.geometry_from_labels` (the one labels -> geometry path shared with the
  measures), in pixels; the wall-landmark indices from :func:`find_landmarks` on those walls;
* **hard palate's oral surface**: per column, where the sequence's mean palate probability falls
  through 0.5 going down (the palate is rigid);
* **air-facing surface of a labelled structure** (:func:`air_facing_contour`): the part of the
  structure's sub-pixel outline that borders the airway, for the named contours of
  :meth:`~vtract.segmentation.Segmentation.contours`.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from scipy.spatial import cKDTree
from skimage.measure import find_contours

from .. import labels as L
from ._anatomy import find_landmarks

__all__ = ["walls_from_labels", "palate_surface", "air_facing_contour"]

#: A structure's outline point borders the airway when an airway pixel centre lies within this
#: distance (px): 0.5 px for an edge shared with an airway pixel, up to ~1.1 px at a corner.
TOUCH_PX = 1.2


def air_facing_contour(labels: np.ndarray, value: int, *, facing: tuple[int, ...] = (L.AIRWAY,),
                       min_points: int = 3) -> np.ndarray:
    """Return the part of a labelled structure's outline that faces the tract, as one polyline.

    The outline is the 0.5 iso-line of the structure's mask (:func:`skimage.measure.find_contours`,
    on pixel edges between a structure pixel and its neighbour); of its points, those within
    :data:`TOUCH_PX` of a pixel centre labelled ``facing`` (the airway, and the articulators a
    surface may touch in a closure) face the tract. The longest run of consecutive such points
    along one closed outline is returned (a structure lines the tract along one surface).

    Parameters
    ----------
    labels : ndarray, shape (ny, nx)
        One frame's label map (:mod:`vtract.labels` values).
    value : int
        The structure's label value.
    facing : tuple of int
        Label values the surface borders; the airway must be among them and present.
    min_points : int
        Fewer facing points than this give an empty result.

    Returns
    -------
    ndarray float, shape (k, 2)
        ``(x, y) = (col, row)`` pixel coordinates along the surface; ``(0, 2)`` when the structure
        is absent or does not touch the airway.
    """
    lab = np.asarray(labels)
    mask = lab == value
    if not mask.any() or not (lab == L.AIRWAY).any():
        return np.zeros((0, 2))
    tree = cKDTree(np.argwhere(np.isin(lab, facing)).astype(float))
    best = np.zeros((0, 2))
    for loop in find_contours(np.pad(mask.astype(np.float32), 1), 0.5):
        pts = loop - 1.0  # (row, col), pixel centres on integers
        closed = len(pts) > 2 and np.allclose(pts[0], pts[-1])
        if closed:
            pts = pts[:-1]
        near = tree.query(pts, distance_upper_bound=TOUCH_PX + 1e-9)[0] <= TOUCH_PX
        if not near.any():
            continue
        if near.all():
            run = pts
        else:
            # longest run of consecutive facing points (wrapping round a closed outline)
            start = int(np.argmin(near)) if closed else 0
            order = np.roll(np.arange(len(pts)), -start)
            flag = near[order]
            edges = np.diff(np.concatenate([[0], flag.astype(np.int8), [0]]))
            s0, s1 = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
            j = int(np.argmax(s1 - s0))
            run = pts[order[s0[j]:s1[j]]]
        if len(run) > len(best):
            best = run
    if len(best) < min_points:
        return np.zeros((0, 2))
    return best[:, ::-1].astype(float)


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


def walls_from_labels(labels: np.ndarray, frames: np.ndarray, spacing_mm: tuple[float, float], *,
                      n_points: int = 64, max_wall_mm: float = 30.0,
                      per_frame: list | None = None) -> dict[str, np.ndarray]:
    """Return the :class:`Segmentation` wall fields of a block of frames, from their labels.

    The geometry comes from :func:`vtract.measures.geometry_from_labels` (the one path from labels
    to walls and landmarks that every segmenter shares), converted to pixels; the wall-landmark
    indices used by :meth:`Segmentation.contours_px` come from :func:`find_landmarks` on those walls.

    Parameters
    ----------
    labels : ndarray uint8, shape (n, ny, nx)
    frames : ndarray, shape (n, ny, nx)
        The images (sub-pixel lip gap and upper-lip front).
    spacing_mm : tuple of float
        ``(row_mm, col_mm)``.
    n_points : int
        Grid lines along the midline between the glottis and the lip ends.
    max_wall_mm : float
        Longest search for a wall along a grid line (mm).
    per_frame : list, optional
        :func:`vtract.measures._from_labels.frame_geometries` of these labels and images (with
        ``n_points`` grid lines), when already computed.

    Returns
    -------
    dict
        ``midline``, ``upper``, ``lower`` (n, n_points + 2, 2) px (the grid lines and the tract's
        glottis and lip ends); ``width`` (n, n_points + 2) px;
        ``landmarks`` (n, 6) int16; ``port`` (n,) px; ``lip_front`` (n,) px (column);
        ``closed`` (n,) fraction of grid lines closed (1 where no geometry).
    """
    from ..measures._from_labels import geometry_from_frames, geometry_from_labels

    row_mm, col_mm = spacing_mm
    if per_frame is None:
        g = geometry_from_labels(labels, spacing_mm, frames, n_points=n_points, max_wall_mm=max_wall_mm)
    else:
        g = geometry_from_frames(per_frame, n_points)
    scale = np.array([col_mm, row_mm])
    mid, up, lo = g.midline / scale, g.upper / scale, g.lower / scale
    width = g.distance / float(np.mean(spacing_mm))
    n = len(labels)
    lms = np.zeros((n, 6), np.int16)
    closed = np.ones(n, np.float32)
    px_mm = float(np.mean(spacing_mm))
    for k in range(n):
        ok = np.all(np.isfinite(mid[k]), axis=1) & np.all(np.isfinite(up[k]), axis=1) & \
            np.all(np.isfinite(lo[k]), axis=1)
        if ok.sum() < 8:
            continue
        if not ok.all():  # fill undefined grid lines from their neighbours (contours stay drawable)
            idx = np.arange(len(ok))
            for arr in (mid[k], up[k], lo[k]):
                for d in range(2):
                    arr[:, d] = np.interp(idx, idx[ok], arr[ok, d])
        lm = find_landmarks(mid[k], up[k], lo[k], px_mm)
        lms[k] = (lm.bend, lm.velum_tip, lm.pns, lm.alveolar, lm.epiglottis, lm.tongue_tip)
        w = width[k]
        closed[k] = float(np.mean(np.isfinite(w) & (w <= 0.0)))
    return {"midline": mid.astype(np.float32), "upper": up.astype(np.float32),
            "lower": lo.astype(np.float32), "width": width.astype(np.float32), "landmarks": lms,
            "port": (g.velum_opening_mm / col_mm).astype(np.float32),
            "lip_front": (g.landmarks["lip_front"][:, 0] / col_mm).astype(np.float32),
            "closed": closed}
