"""`segment`: airway, tongue, hard palate and velum in every frame of an rtMRI sequence.

Method (no training data, no manual input):

1. **Preprocessing** (:mod:`vtract.preprocess`): N4 bias field on the temporal mean, one intensity
   scale for the sequence, light Gaussian + 3-frame temporal denoising; frames are processed in
   chunks so memory does not grow with the sequence beyond the label output.
2. **Reference analysis** on a low-percentile temporal image (air wherever the tract is ever open;
   the frame itself for a single frame): head mask, air/tissue threshold (Otsu inside the head),
   the mouth exits (exterior pixels in front of the face at mouth height), the pharynx (the
   long vertical air column whose upper end is nearest the mouth through air, so that a longer
   dark column behind the spine is not taken) and its glottis end; a minimum-cost path through air
   from the glottis to the mouth gives the reference midline, and the hard palate (rigid) is
   located on its upper wall from the front (:func:`._anatomy.find_palate`: the turn of the
   climb behind the lips into the roof, then back along the roof). When the pharynx air runs
   off the image bottom (an open glottis into the trachea) the glottis is the column's
   narrowest row; per frame, a laryngeal tube narrower than a pixel is followed below the
   traced end (``_Reference._extend_glottis``).
3. **Per frame**: the same minimum-cost path restricted to a band around the reference midline
   (temporal consistency), grid lines normal to the midline with sub-pixel air-tissue crossings
   (Proctor et al. 2010), wall landmarks (:mod:`._anatomy`), then label maps: airway = the area
   between the walls (wall distance capped in front of the alveolar ridge and the tongue tip,
   where the signal-free incisors look like air) plus clearly dark air connected to it near the
   tract behind the ridge (so an open velopharyngeal port adds the nasopharynx), inside the
   head's convex hull and behind the upper lip's front; tongue = tissue under the tongue part
   of the lower wall; hard palate and velum = tissue behind their wall segments up to the next
   air (nasal side) or a maximum thickness.
4. **QC**: per-frame confidence and flags (:mod:`vtract.qc`).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.path import Path as MplPath
from scipy import ndimage as ndi
from skimage.graph import MCP_Geometric
from skimage.morphology import convex_hull_image

from .. import labels as L
from ..errors import SegmentationError
from ..preprocess import bias_field, denoise, normalize, reference_image
from ..sequence import Sequence
from ._anatomy import find_landmarks, find_palate
from ._result import Segmentation
from ._tract import air_threshold, cast_walls, fit_midline, head_mask, resample_polyline, tract_path

__all__ = ["segment", "METHODS", "DEFAULT_METHOD"]

_FORBIDDEN = 1e3


def _pixel_mm(seq: Sequence) -> float:
    """Return the pixel size in mm used for anatomical distances.

    Assumes a ~220 mm field of view when the sequence carries no spacing.
    """
    if seq.pixel_spacing_mm is not None:
        return float(np.mean(seq.pixel_spacing_mm))
    return 220.0 / max(seq.shape)


def _cost(img: np.ndarray, thr: float) -> np.ndarray:
    """Path cost: ~0.01 in air, >= 1 in tissue (smooth step at the threshold)."""
    z = np.clip((img - thr) / (0.05 * thr + 1e-6), -30, 30)
    return 0.01 + 1.0 / (1.0 + np.exp(-z)) + np.clip(img / max(thr, 1e-6) - 1.0, 0.0, None)


def _find_pharynx(air: np.ndarray, px_mm: float, exits: np.ndarray, cost: np.ndarray,
                  min_run_mm: float = 12.0, near_mm: float = 40.0) -> tuple[int, int]:
    """Locate the glottis end of the pharynx.

    The pharynx is a long vertical air tube whose upper end opens into the oral cavity behind
    the velum. Vertical air runs are searched in the middle of the image width (columns 38-85 %)
    and below the top quarter (skull). Dark columns behind the pharynx (prevertebral tissue,
    the spinal canal, the posterior neck) can be longer than the pharynx itself, so the run
    length alone does not decide: among the columns whose longest run (ending in the lower
    half) is at least ``min_run_mm`` long and starts at or above the lowest mouth exit (the
    oropharynx opens behind the velum), the one whose upper end is closest to the mouth along
    a path through air (geodesic distance from the mouth ``exits``; crossing tissue costs 20
    pixels per pixel, so a velum or tongue contact can be bridged but the spine cannot) marks
    the pharynx; the longest run among the columns whose upper end is within ``near_mm`` of
    that nearest one is taken, and the lowest air pixel connected to it within +/- 8 mm of its
    column is the glottis end.
    """
    ny, nx = air.shape
    a = air.copy()
    a[: int(0.25 * ny)] = False
    a[:, : int(0.38 * nx)] = False
    a[:, int(0.85 * nx):] = False
    if not a.any():
        raise SegmentationError("no air column (pharynx) found in the middle of the image: is "
                                "the face on the left and the head up (canonical view)?")
    # vertical run length at every pixel (top -> bottom)
    run = np.zeros(a.shape, np.int32)
    run[0] = a[0]
    for r in range(1, ny):
        run[r] = np.where(a[r], run[r - 1] + 1, 0)
    lab, _ = ndi.label(air)
    front_ids = np.unique(lab[:, : int(0.35 * nx)])
    joined = np.isin(lab, front_ids[front_ids > 0])
    # the glottis lies below the mouth: runs ending in the upper half are nasal/nasopharyngeal
    if np.any(run[int(0.55 * ny):] >= 3):
        run[: int(0.55 * ny)] = 0
    band = max(1, int(round(8.0 / px_mm)))
    r_best = np.argmax(run, axis=0)
    len_best = run[r_best, np.arange(nx)]
    min_run = max(3, int(round(min_run_mm / px_mm)))
    cand = np.nonzero(len_best >= min_run)[0]
    if not (cand.size and len(exits)) and np.any(run[joined] >= 3):
        # fallback: prefer air that also reaches the front third of the image
        run = np.where(joined, run, 0)
    elif cand.size and len(exits):
        # geodesic distance (pixels) from the mouth through air to each run's upper end
        cum, _ = MCP_Geometric(cost).find_costs([tuple(e) for e in exits])
        tops = r_best[cand] - len_best[cand] + 1
        # the oropharynx opens behind the velum, at or above mouth level: runs starting below
        # the lowest mouth exit (dark tissue under the tongue, the larynx alone) do not count
        high = tops <= int(np.max(exits[:, 0]))
        if high.any():
            cand, tops = cand[high], tops[high]
        d_top = cum[tops, cand]
        # columns whose upper end is within ``near_mm`` of the nearest one belong to the pharynx
        # (it is several columns wide); the longest run among them is taken
        keep = np.zeros(nx, bool)
        keep[cand[d_top <= d_top.min() + near_mm / px_mm]] = True
        run = np.where(keep[None, :], run, 0)
    r_end, c = np.unravel_index(int(np.argmax(run)), run.shape)
    # lowest air pixel connected to the run within +/- 8 mm of its column (connected inside that
    # band, so that air reached only around a closed glottis or behind the spine is not taken)
    sub = air.copy()
    sub[:, : max(0, c - band)] = False
    sub[:, c + band + 1:] = False
    lab_b, _ = ndi.label(sub)
    rr, cc = np.nonzero(lab_b == lab_b[r_end, c])
    i = int(np.argmax(rr))
    if rr[i] >= ny - 2:
        # the air runs off the bottom of the image: through an open glottis into the trachea. The
        # glottis is the narrowest row of the column (the vocal folds) in its lower 40 mm above
        # the image edge but below the run's middle
        comp = lab_b == lab_b[r_end, c]
        width = comp.sum(axis=1)
        top = int(rr.min() + 0.5 * (r_end - rr.min()))
        lo = max(top, ny - 1 - int(round(40.0 / px_mm)))
        rows = np.arange(lo, ny - 1)
        rows = rows[width[rows] > 0]
        if rows.size:
            r_g = int(rows[np.argmin(width[rows])])
            cols = np.flatnonzero(comp[r_g])
            return r_g, int(cols[len(cols) // 2])
    return int(rr[i]), int(cc[i])


class _Reference:
    """Geometry found once per sequence on the reference image."""

    def __init__(self, img: np.ndarray, px_mm: float, n_points: int, max_px: float,
                 close_mm: float = 12.0, method: str = "otsu"):
        ny, nx = img.shape
        self.method = method
        self.H = head_mask(img, px_mm, close_mm=close_mm)
        if self.H.sum() < 0.05 * img.size:
            raise SegmentationError(
                f"no head found in the reference image ({int(self.H.sum())} of {img.size} pixels "
                "above the background level); is this a midsagittal rtMRI sequence?")
        self.thr = air_threshold(img, self.H, method)
        air = (img < self.thr) & self.H
        lab, n = ndi.label(air)
        if n == 0:
            raise SegmentationError("no air found inside the head: cannot locate the vocal tract")
        cols = np.arange(nx)[None, :]
        front = ~self.H & ndi.binary_dilation(self.H) & (cols < np.nonzero(self.H)[1].mean())
        front[: int(0.3 * ny)] = False
        front[int(0.58 * ny):] = False
        if not front.any():
            raise SegmentationError("could not find the face profile (mouth) in front of the tract")
        self.exits = np.argwhere(front)
        self.glottis = _find_pharynx(air, px_mm, self.exits, 1.0 + 20.0 * (_cost(img, self.thr) - 0.01))
        # the tract goes up from the glottis first and never far behind it
        r5 = max(1, int(round(6.0 / px_mm)))
        rows, cols2 = np.mgrid[:ny, :nx]
        # the dark partial-volume rim just inside the skin is no path: only the mouth region may
        # come close to the face profile
        ex_mask = np.zeros_like(self.H)
        ex_mask[tuple(self.exits.T)] = True
        near_exit = ndi.binary_dilation(ex_mask, iterations=max(2, int(round(6.0 / px_mm))))
        rim = self.H & ~ndi.binary_erosion(self.H, iterations=max(1, int(round(5.0 / px_mm))))
        self.forbidden = (~self.H) | (rim & ~near_exit) | (
            cols2 > self.glottis[1] + int(round(8.0 / px_mm)))
        self.forbidden |= (rows > self.glottis[0] - 3 * r5) & (np.abs(cols2 - self.glottis[1]) > r5)
        self.forbidden[tuple(self.exits.T)] = False
        # lips lie behind the nose-chin line (Ricketts' E-line): inside the head's convex hull
        self.hull = convex_hull_image(self.H)
        self.n_points, self.max_px, self.px_mm = n_points, max_px, px_mm
        geo = self.frame_geometry(img, self.thr, band=None)
        if geo is None:
            raise SegmentationError("could not trace the vocal tract from the glottis to the lips "
                                    "on the reference image")
        # refine the threshold on the tract itself: half-way between the air inside the traced
        # airway and the tissue lining it (a 1-3 pixel ring outside the walls)
        refined = _lining_threshold(img, self.H, geo[1], geo[2])
        if refined is not None:
            geo2 = self.frame_geometry(img, refined, band=None)
            if geo2 is not None:
                self.thr, geo = refined, geo2
        self.mid_ref = geo[0]
        # hard palate: found from the front (alveolar ridge, then back along the roof), so that
        # a raised velum continuing its line is not taken for it; the wall landmarks' PNS and
        # alveolar indices are the fallback
        post, ridge = find_palate(geo[1], px_mm)
        if post < 0:
            lm = find_landmarks(geo[0], geo[1], geo[2], px_mm)
            post, ridge = lm.pns, lm.alveolar
        self.palate = geo[1][post:ridge + 1].astype(np.float32)
        band_px = max(2, int(round(12.0 / px_mm)))
        line = np.zeros_like(self.H)
        pts = np.round(resample_polyline(geo[0], 4 * n_points)).astype(int)
        line[np.clip(pts[:, 1], 0, ny - 1), np.clip(pts[:, 0], 0, nx - 1)] = True
        self.band = ndi.distance_transform_edt(~line) <= band_px
        self.score = _tract_contrast(img, self.H, geo[1], geo[2], px_mm)
        # adult vocal tract: midline 120-240 mm (glottis to lips), median cross distance 4-25 mm
        length = float(np.hypot(*np.diff(geo[0], axis=0).T).sum() * px_mm)
        width = float(np.nanmedian(geo[3]) * px_mm) if np.any(~np.isnan(geo[3])) else 0.0
        self.plausible = bool(120.0 <= length <= 240.0 and 4.0 <= width <= 25.0)


    def frame_geometry(self, img: np.ndarray, thr: float, band: np.ndarray | None):
        """Midline, walls and widths of one frame, or None when no path exists."""
        cost = _cost(img, thr)
        cost[self.forbidden] = _FORBIDDEN
        if band is not None:
            cost[~band & ~self.forbidden] *= 20.0
        path = tract_path(cost, self.glottis, self.exits)
        inside = self.H[path[:, 0].astype(int), path[:, 1].astype(int)]
        if inside.sum() < 4:
            return None
        path = path[: int(np.nonzero(inside)[0].max()) + 1]
        vals = img[path[:, 0].astype(int), path[:, 1].astype(int)]
        airy = np.nonzero(vals < thr)[0]
        if airy.size:  # per-frame glottis: first air pixel along the path
            path = path[int(airy[0]):]
        if len(path) < 4:
            return None
        ext = self._extend_glottis(img, thr, path[0])
        if len(ext):
            path = np.vstack([ext[::-1].astype(float), path])
        path, inside_mask = self._extend_to_lips(img, thr, path)
        im = np.where(inside_mask, img, max(float(img.max()), 2 * thr)).astype(np.float32)
        mid, up, lo, width = fit_midline(im, thr, path[:, ::-1], self.n_points, self.max_px,
                                         smooth=1.5)
        closed_frac = float(np.mean(vals >= thr))
        return mid, up, lo, width, closed_frac, ext

    def _extend_glottis(self, img: np.ndarray, thr: float, start: np.ndarray,
                        max_mm: float = 30.0, relax: float = 0.5, contrast: float = 0.85
                        ) -> np.ndarray:
        """Follow a narrow epilarynx below the tract's lower end (pixels, top -> bottom).

        A laryngeal tube narrower than a pixel is partly tissue in every pixel, so it is brighter
        than the air/tissue threshold and the tract would stop at its top (a larynx that reads
        ~25 mm too high). From the lower end we step down one row at a time to the darkest of
        the three pixels below, while that pixel is (a) darker than the threshold relaxed by
        ``relax`` x (tissue - threshold) and (b) a clear local minimum across the row: darker than
        ``contrast`` x the brighter side within 2 pixels on each side (a tube, not dark tissue).
        At most ``max_mm`` and within 6 mm of the reference glottis column; only when the lower
        end is at most 2 pixels wide (a wider end is the glottis itself).
        """
        ny, nx = img.shape
        r, c = int(start[0]), int(start[1])
        # only a tube that narrows to about a pixel at the lower end continues unseen: a wider end
        # is the glottis itself (below it: the vocal folds, then the trachea)
        run = img[r, max(0, c - 3):c + 4] < thr
        if run.sum() > 2:
            return np.zeros((0, 2), int)
        inside = img[self.H]
        tissue = float(np.median(inside[inside >= thr])) if np.any(inside >= thr) else 2 * thr
        level = thr + relax * max(tissue - thr, 0.0)
        c_ref = int(self.glottis[1])
        r6 = max(1, int(round(6.0 / self.px_mm)))
        out = []
        for _ in range(int(max_mm / self.px_mm)):
            r += 1
            if r >= ny:
                break
            cand = [cc for cc in (c - 1, c, c + 1) if 2 <= cc < nx - 2 and abs(cc - c_ref) <= r6]
            if not cand:
                break
            c_new = min(cand, key=lambda cc: img[r, cc])
            v = float(img[r, c_new])
            side = min(float(img[r, c_new - 2:c_new].max()), float(img[r, c_new + 1:c_new + 3].max()))
            if v >= level or v >= contrast * side or self.forbidden[r, c_new] and not self.H[r, c_new]:
                break
            c = c_new
            out.append((r, c))
        return np.asarray(out, int).reshape(-1, 2)


    def _extend_to_lips(self, img: np.ndarray, thr: float,
                        path: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Continue the path forward between the lips to the front of the mouth.

        The head mask is closed over the mouth only partly when the lips are wide open, so the
        traced path may stop at the teeth. From its end we step forward (the path's direction,
        at least half of it anterior) while grid lines across the step still meet tissue above
        and below within 15 mm (upper and lower lip) and the step stays inside the head's
        convex hull (the lips lie behind the nose-chin line). Returns the extended path
        (row, col) and the mask inside which walls are searched (head mask plus lip corridor).
        """
        if len(path) < 3:
            return path, self.H
        end = path[-1]
        d = end - path[max(0, len(path) - 5)]
        d = d / max(float(np.hypot(*d)), 1e-9)
        if d[1] > -0.5:  # keep heading to the face (decreasing column)
            d = np.array([d[0], -0.5])
            d /= np.hypot(*d)
        steps = np.arange(0.5, 25.0 / self.px_mm, 0.5)
        pts = end[None, :] + steps[:, None] * d[None, :]
        ny, nx = img.shape
        ok = (pts[:, 0] >= 0) & (pts[:, 0] <= ny - 1) & (pts[:, 1] >= 0) & (pts[:, 1] <= nx - 1)
        pts = pts[: int(np.argmin(ok)) if not ok.all() else len(pts)]
        if len(pts) == 0:
            return path, self.H
        line = np.vstack([end[None, :], pts])[:, ::-1]  # (x, y)
        lip_px = 15.0 / self.px_mm
        _, _, du, dl = cast_walls(img, thr, line, lip_px)
        in_hull = self.hull[np.round(pts[:, 0]).astype(int), np.round(pts[:, 1]).astype(int)]
        both = (du[1:] < lip_px) & (dl[1:] < lip_px) & in_hull
        n_ok = int(np.argmin(both)) if not both.all() else len(both)
        if n_ok == 0:
            return path, self.H
        ext = pts[:n_ok]
        corridor = np.zeros_like(self.H)
        rr = np.clip(np.round(ext[:, 0]).astype(int), 0, ny - 1)
        cc = np.clip(np.round(ext[:, 1]).astype(int), 0, nx - 1)
        corridor[rr, cc] = True
        corridor = ndi.binary_dilation(corridor, iterations=max(1, int(round(lip_px))))
        return np.vstack([path, ext]), self.H | corridor


def _tract_contrast(img: np.ndarray, head: np.ndarray, up: np.ndarray, lo: np.ndarray,
                    px_mm: float) -> float:
    """Score how well the traced airway separates from its walls.

    (median of a 2-pixel ring outside the walls - median inside) / (spread inside + 0.05): low
    when the airway swallowed tissue (threshold too high) or stops short in noisy air (threshold
    too low).
    """
    poly = _fill(np.vstack([up, lo[::-1]]), img.shape)
    if poly.sum() < 4:
        return -np.inf
    ring = ndi.binary_dilation(poly, iterations=2) & ~poly & head
    inside = img[poly]
    if not ring.any():
        return -np.inf
    return float((np.median(img[ring]) - np.median(inside)) / (np.std(inside) + 0.05))


def _lining_threshold(img: np.ndarray, head: np.ndarray, up: np.ndarray,
                      lo: np.ndarray) -> float | None:
    """Half-way level between the air inside the traced airway and its tissue lining."""
    poly = _fill(np.vstack([up, lo[::-1]]), img.shape)
    if poly.sum() < 4:
        return None
    ring = ndi.binary_dilation(poly, iterations=3) & ~ndi.binary_dilation(poly) & head
    if ring.sum() < 4:
        return None
    air_lv, tis_lv = float(np.median(img[poly])), float(np.median(img[ring]))
    return 0.5 * (air_lv + tis_lv) if tis_lv > air_lv else None


def _build_reference(img: np.ndarray, px_mm: float, n_points: int, max_px: float,
                     method: str) -> _Reference:
    """Build the reference geometry.

    With ``method="auto"`` both thresholds are tried; a result with an anatomically plausible
    tract (length and width) wins over an implausible one, then the one whose traced airway
    contrasts best with its walls (see :func:`air_threshold`).
    """
    if method != "auto":
        return _Reference(img, px_mm, n_points, max_px, method=method)
    best, err = None, None
    for m in ("otsu", "low"):
        try:
            ref = _Reference(img, px_mm, n_points, max_px, method=m)
        except SegmentationError as exc:
            err = exc
            continue
        if best is None or (ref.plausible, ref.score) > (best.plausible, best.score):
            best = ref
    if best is None:
        raise err  # type: ignore[misc]
    return best


def _upper_lip_front(img: np.ndarray, thr: float, up: np.ndarray, px_mm: float,
                     head: np.ndarray) -> float:
    """Return the column (px) of the most anterior upper-lip point.

    That is the first tissue pixel inside the head mask from the face side, in the rows from
    12 mm above the mouth end of the upper wall down to it.
    """
    y_end = float(up[-1, 1])
    r0 = max(0, int(np.floor(y_end - 12.0 / px_mm)))
    r1 = min(img.shape[0] - 1, int(np.ceil(y_end)))
    cols = []
    for r in range(r0, r1 + 1):
        tissue = np.nonzero((img[r] >= thr) & head[r])[0]
        if tissue.size:
            cols.append(int(tissue[0]))
    return float(min(cols)) if cols else float("nan")


def _fill(poly_xy: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Pixels whose centre lies inside the polygon (x, y).

    Same rule as ``skimage.draw.polygon``; matplotlib's compiled point-in-path test over the
    polygon's bounding box is about twice as fast for the ~130-vertex tract polygons.
    """
    m = np.zeros(shape, bool)
    if len(poly_xy) < 3 or not np.all(np.isfinite(poly_xy)):
        return m
    x0 = max(0, int(np.floor(poly_xy[:, 0].min())))
    x1 = min(shape[1] - 1, int(np.ceil(poly_xy[:, 0].max())))
    y0 = max(0, int(np.floor(poly_xy[:, 1].min())))
    y1 = min(shape[0] - 1, int(np.ceil(poly_xy[:, 1].max())))
    if x1 < x0 or y1 < y0:
        return m
    yy, xx = np.mgrid[y0:y1 + 1, x0:x1 + 1]
    inside = MplPath(poly_xy).contains_points(np.column_stack([xx.ravel(), yy.ravel()]))
    m[y0:y1 + 1, x0:x1 + 1] = inside.reshape(xx.shape)
    return m


def _behind(img: np.ndarray, thr: float, wall: np.ndarray, nrm: np.ndarray, max_px: float,
            shape: tuple[int, int]) -> np.ndarray:
    """Tissue band behind wall points along ``nrm`` up to the next air or ``max_px``."""
    if len(wall) < 2:
        return np.zeros(shape, bool)
    s = np.arange(0.5, max_px + 0.5, 0.5)
    xy = wall[:, None, :] + s[None, :, None] * nrm[:, None, :]
    vals = ndi.map_coordinates(img, [xy[..., 1].ravel(), xy[..., 0].ravel()], order=1,
                               mode="nearest").reshape(xy.shape[:2])
    air = vals < thr
    stop = np.where(air.any(1), np.argmax(air, 1), len(s) - 1)
    outer = wall + s[stop][:, None] * nrm
    return _fill(np.vstack([wall, outer[::-1]]), shape)


def _normals(pts: np.ndarray) -> np.ndarray:
    t = np.gradient(pts, axis=0)
    t /= np.maximum(np.hypot(t[:, 0], t[:, 1]), 1e-9)[:, None]
    return np.column_stack([-t[:, 1], t[:, 0]])


def _port(img: np.ndarray, thr: float, velum: np.ndarray, max_px: float) -> float:
    """Velopharyngeal port: narrowest air gap (pixels) behind the velum, row by row."""
    rows = np.unique(np.nonzero(velum)[0])
    gaps = []
    for r in rows:
        c0 = int(np.nonzero(velum[r])[0].max())
        line = img[r, c0 + 1: c0 + 1 + int(max_px)]
        if line.size == 0:
            continue
        tissue = np.nonzero(line >= thr)[0]
        if tissue.size:
            gaps.append(float(tissue[0]))
    return float(min(gaps)) if gaps else float("nan")


def _cap_front(mid: np.ndarray, wall: np.ndarray, start: int) -> np.ndarray:
    """Limit the wall distance in front of index ``start`` to its value there.

    In front of the alveolar ridge (upper wall) and of the tongue tip (lower wall) the grid lines
    cross the incisors, which give no MRI signal and look like air; the incisors hang from the
    alveolar ridge and stand on the mandible, so the oral air there is no higher (lower) than at
    the ridge (the tongue tip). Used for the airway label only; the walls themselves are kept.
    """
    if start >= len(mid) - 1:
        return wall
    v = wall - mid
    d = np.hypot(v[:, 0], v[:, 1])
    cap = max(float(d[start]), 1.0)
    scale = np.ones(len(mid))
    front = np.arange(len(mid)) > start
    scale[front] = np.minimum(1.0, cap / np.maximum(d[front], 1e-9))
    return mid + v * scale[:, None]


def _labels_one(img, thr, ref: _Reference, mid, up, lo, lm, band, lip_front=np.nan):
    shape = img.shape
    out = np.zeros(shape, np.uint8)
    poly = _fill(np.vstack([_cap_front(mid, up, lm.alveolar), _cap_front(mid, lo, lm.tongue_tip)[::-1]]),
                 shape)
    # air beside the traced tube (an open velopharyngeal port, side branches): pixels darker
    # than half-way between the tube's air level and the threshold, so that the partial-volume
    # rim along the walls (at most half air) is not added
    air_lv = float(np.median(img[poly])) if poly.any() else 0.0
    lvl = 0.5 * (min(air_lv, thr) + thr)
    air = (img < lvl) & ref.H & ndi.binary_dilation(poly, iterations=max(1, int(round(4 / ref.px_mm))))
    # ... but not in front of the alveolar ridge, where dark air-like pixels are the incisors
    air[:, : int(np.ceil(up[lm.alveolar, 0])) + 1] = False
    lab, _ = ndi.label(air | poly)
    keep = np.unique(lab[poly])
    # the airway ends between the lips: nothing outside the head's convex hull
    airway = np.isin(lab, keep[keep > 0]) & (air | poly) & band & ref.hull
    g_row = int(np.ceil(max(mid[0, 1], up[0, 1], lo[0, 1]))) + 1
    airway[g_row:] = False
    # tongue: tissue under the tongue wall (epiglottis -> alveolar), closed by a fan point
    tw = lo[lm.epiglottis:lm.tongue_tip + 1]
    tongue = np.zeros(shape, bool)
    if len(tw) >= 3:
        a, b = tw[0], tw[-1]
        chord = b - a
        nrm = np.array([chord[1], -chord[0]])  # away from the palate (image coords)
        if np.dot(nrm, tw.mean(0) - 0.5 * (a + b)) > 0:
            nrm = -nrm
        c = 0.5 * (a + b) + 0.6 * nrm
        tongue = _fill(np.vstack([tw, c]), shape) & ref.H & ~airway
    pn = _normals(ref.palate) if len(ref.palate) >= 2 else np.zeros((0, 2))
    palate = _behind(img, thr, ref.palate.astype(float), pn, 8.0 / ref.px_mm, shape) & ~airway
    vw = up[lm.velum_tip:lm.pns + 1]
    velum = _behind(img, thr, vw, _normals(vw) if len(vw) >= 2 else np.zeros((0, 2)),
                    10.0 / ref.px_mm, shape) & ~airway & ~palate
    out[tongue] = L.TONGUE
    out[palate] = L.HARD_PALATE
    out[velum] = L.VELUM
    if np.isfinite(lip_front):  # the airway ends between the lips, not in front of them
        airway[:, : max(0, int(np.floor(lip_front)))] = False
    out[airway] = L.AIRWAY
    port = _port(img, thr, velum, 20.0 / ref.px_mm) if velum.any() else float("nan")
    return out, port


#: Segmentation methods of :func:`segment`.
METHODS = ("net", "classic")
#: The default method (the better one on the real validation clips; README, "Segmentation").
DEFAULT_METHOD = "net"


def segment(sequence: Sequence, *, method: str | None = None, model: str | None = None,
            n_points: int = 64, bias_correction: bool = True,
            sigma_px: float = 0.7, temporal: int = 1, chunk_size: int = 256,
            max_wall_mm: float = 30.0, percentile: float = 10.0,
            threshold: str = "auto") -> Segmentation:
    """Segment airway, tongue, hard palate and velum in every frame.

    Parameters
    ----------
    sequence : Sequence
        Frames in the canonical view (face on the left, head up). Pixel spacing is used when
        present (otherwise a ~220 mm field of view is assumed for the anatomical distances).
    method : {"net", "classic"}
        ``"net"``: the learned segmenter (:mod:`._net`; needs the pixel spacing; of the options
        below it uses ``model``, ``n_points``, ``temporal``, ``chunk_size`` and ``max_wall_mm``);
        ``"classic"``: the grid-line tract tracker described above.
    model : str, optional
        ONNX model for ``method="net"`` (default: the shipped one).
    n_points : int
        Number of grid lines along the tract midline.
    bias_correction : bool
        N4 bias-field correction on the temporal mean.
    sigma_px : float
        Spatial Gaussian denoising (pixels).
    temporal : int
        Half-width of the temporal mean filter (frames; 0 for independent frames).
    chunk_size : int
        Frames preprocessed at a time (bounds the working memory).
    max_wall_mm : float
        Longest search along a grid line for a wall (mm).
    percentile : float
        Temporal percentile image used as reference (air wherever the tract is ever open).
    threshold : {"auto", "otsu", "low"}
        Air/tissue threshold inside the head: Otsu's two-class level (air+dark tissue vs bright
        tissue), the lower of three-class multi-Otsu levels (air vs all tissue, for images where
        fat is much brighter than muscle), or ``auto``: both are tried on the reference image;
        an anatomically plausible tract (120-240 mm long, median width 4-25 mm) wins, then the
        one whose traced airway contrasts best with its walls.

    Returns
    -------
    Segmentation

    Raises
    ------
    SegmentationError
        When no head or no vocal tract can be found in the reference image.
    """
    if method is None:
        method = DEFAULT_METHOD
        if method == "net" and sequence.pixel_spacing_mm is None:
            logging.getLogger(__name__).info(
                "%s has no pixel spacing: using the classic segmenter (the learned one works in mm; "
                "give the spacing to use it)", sequence.source or "the sequence")
            method = "classic"
    if method == "net":
        from ._net import segment_net

        return segment_net(sequence, model=model, n_points=n_points, temporal=min(temporal, 1),
                           chunk_size=min(chunk_size, 64), max_wall_mm=max_wall_mm)
    if method != "classic":
        raise SegmentationError(f"unknown segmentation method {method!r}; use one of {METHODS}")
    frames = sequence.frames
    n, ny, nx = frames.shape
    px_mm = _pixel_mm(sequence)
    raw_ref = reference_image(frames)
    field = bias_field(raw_ref) if bias_correction else np.ones_like(raw_ref)
    ref_c = raw_ref / field

    def prep(block: np.ndarray) -> np.ndarray:
        return denoise(normalize(block / field, ref_c), sigma_px=sigma_px, temporal=temporal)

    if n == 1:
        ref_img = prep(frames)[0]
    else:
        step = max(1, int(np.ceil(n / 150)))  # at most 150 frames: bounded memory
        ref_img = np.percentile(prep(frames[::step]), percentile, axis=0).astype(np.float32)
    max_px = max_wall_mm / px_mm
    ref = _build_reference(ref_img, px_mm, n_points, max_px, threshold)

    labels = np.zeros((n, ny, nx), np.uint8)
    mids = np.zeros((n, n_points, 2), np.float32)
    ups, los = np.zeros_like(mids), np.zeros_like(mids)
    widths = np.full((n, n_points), np.nan, np.float32)
    lms = np.zeros((n, 6), np.int16)
    ports = np.full(n, np.nan, np.float32)
    lip_front = np.full(n, np.nan, np.float32)
    closed = np.ones(n, np.float32)
    areas = np.zeros(n, np.float32)
    contrast = np.zeros(n, np.float32)
    band = ref.band if n > 1 else np.ones((ny, nx), bool)
    prev = None
    for c0 in range(0, n, chunk_size):
        # include one frame either side so the temporal filter sees its neighbours
        lo_i, hi_i = max(0, c0 - temporal), min(n, c0 + chunk_size + temporal)
        block = prep(frames[lo_i:hi_i])[c0 - lo_i: c0 - lo_i + min(chunk_size, n - c0)]
        for j, img in enumerate(block):
            k = c0 + j
            thr = ref.thr
            geo = ref.frame_geometry(img, thr, band if n > 1 else None)
            if geo is None:
                if prev is None:
                    geo = ref.frame_geometry(ref_img, ref.thr, None)
                else:
                    geo = prev
                closed[k] = 1.0
            else:
                closed[k] = geo[4]
            mid, up, lo, width = geo[:4]
            lm = find_landmarks(mid, up, lo, px_mm)
            lip_front[k] = _upper_lip_front(img, thr, up, px_mm, ref.H)
            lab, port = _labels_one(img, thr, ref, mid, up, lo, lm, band, lip_front[k])
            ext = geo[5]
            if len(ext):  # a narrow epilarynx followed below the walls: airway pixels
                keep = lab[ext[:, 0], ext[:, 1]] == L.BACKGROUND
                lab[ext[keep, 0], ext[keep, 1]] = L.AIRWAY
            labels[k] = lab
            areas[k] = np.count_nonzero(lab == L.AIRWAY)
            mids[k], ups[k], los[k], widths[k] = mid, up, lo, width
            lms[k] = (lm.bend, lm.velum_tip, lm.pns, lm.alveolar, lm.epiglottis, lm.tongue_tip)
            ports[k] = port
            inside = img[ref.H]
            contrast[k] = float(np.median(inside[inside >= thr]) - np.median(inside[inside < thr])) \
                if (inside >= thr).any() and (inside < thr).any() else 0.0
            prev = geo
    from ._flags import frame_flags

    frame_mean = frames.mean(axis=(1, 2), dtype=np.float64)
    flags, confidence = frame_flags(areas, mids, closed, contrast, px_mm, frame_mean=frame_mean)
    settings: dict[str, Any] = dict(n_points=n_points, bias_correction=bias_correction,
                                    sigma_px=sigma_px, temporal=temporal, chunk_size=chunk_size,
                                    max_wall_mm=max_wall_mm, percentile=percentile,
                                    threshold=threshold, threshold_used=ref.method,
                                    pixel_mm_used=px_mm, method="grid-line tract tracking")
    return Segmentation(labels=labels, sequence=sequence, midline=mids, upper=ups, lower=los,
                        width_px=widths, landmarks=lms, palate_px=ref.palate,
                        velum_port_px=ports, upper_lip_front_px=lip_front,
                        confidence=confidence,
                        flags=pd.DataFrame(flags), settings=settings)
