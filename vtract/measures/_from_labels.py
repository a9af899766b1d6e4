"""Geometry from a label map: the one path from any segmenter's labels to the measures.

:func:`geometry_from_labels` reads only the label values of :mod:`vtract.labels` (1 airway,
2 tongue, 3 hard palate, 4 velum; 5 lips when present) and the pixel spacing, and optionally the
image for two sub-pixel refinements (the lip gap by partial volume, the upper-lip front). The
classic segmenter, the learned one and labels rasterised from the phantom's exact geometry all go
through it, so they share one set of definitions.

Per frame:

* **the tract's air**: the airway label less the lower-incisor pocket (:func:`lower_incisor_pocket`),
  a side branch below the tract that the labels count as airway (:data:`vtract.labels.AIRWAY_INCLUDES`);
  the airway area and the velum opening use the whole airway label;
* **walls and midline**: a minimum-cost path through the airway (cost falling with the distance to
  its edge, so the path runs down the middle) from the glottis end (lowest airway pixel) to the
  lip end (most anterior airway pixel below the palate), re-centred between the walls and cast
  with grid lines normal to it (:func:`vtract.segmentation._tract.fit_midline`, as the classic
  segmenter does on the image); walls are where a grid line leaves the airway label (half-way
  between pixel centres, i.e. on the pixel edge);
* **alveolar ridge / palatal plane**: from the hard-palate label
  (:func:`vtract.measures.palate_landmarks`: its front by area and a line through its oral edge up
  to 40 mm behind that; rigid bone, so neither moves with the tongue or the lips); without a palate
  label, from the roof of the mouth as the upper wall shows it (:func:`vtract.measures.roof_landmarks`:
  the turn from the climb behind the lips into the roof); the posterior nasal spine is the
  posterior end of the hard-palate label's oral edge; frames where neither is found take the
  session's median (the palate is rigid), as do frames without a velum label for the velum tip;
* **velum tip**: the velum pixel farthest from the posterior nasal spine; **velum opening**: the
  closest distance between the velum and the posterior pharyngeal wall labels, pixel edge to edge
  (labels without a pharyngeal wall: row by row, the airway run directly behind the velum up to the
  next tissue, 0 when the velum touches tissue, the narrowest row);
* **tongue**: the upper edge of every tongue column (surface), its most anterior pixel (tip);
* **lip gap**: the closest distance between the lips label's two largest pieces, 0 when it is one
  piece, sub-pixel by partial volume when the image is given (:func:`lip_gap_mm`; the lip aperture
  then reads the lips themselves, not the walls);
* **upper-lip front**: the most anterior lips-label pixel in the 12 mm above the upper wall's
  anterior end (the upper lip's inner surface); without a lips label, the first tissue crossing
  from the face side in the image in those rows; without an image, the anterior end of the airway.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from .. import labels as L
from ..errors import DataValueError
from ._geometry import TractGeometry, palate_columns, palate_landmarks, roof_landmarks

__all__ = ["geometry_from_labels", "lower_incisor_pocket", "lip_gap_mm", "LIP_WINDOW_MM", "WALL_SMOOTH_PX",
           "LIP_PIECE_MM2"]

_TISSUE_COST = 50.0
#: The upper-lip front is searched this far above the lip opening (mm).
LIP_WINDOW_MM = 12.0
#: Gaussian smoothing (pixels) of the airway mask before the walls are cast: the walls then follow
#: the edge instead of its pixel staircase, and a one-pixel gap stays open (peak 0.68 > 0.5).
WALL_SMOOTH_PX = 0.5
#: Pieces of the lips label smaller than this (mm^2) are ignored when the lips are told apart (a lip
#: in the midsagittal plane is ~100-200 mm^2; a few stray pixels are not a lip).
LIP_PIECE_MM2 = 20.0


def _edge_points_by_column(mask: np.ndarray, *, lower: bool) -> np.ndarray:
    """Per column of ``mask``: the lower (or upper) edge of its lowest (highest) pixel, (x, y) px."""
    cols = np.flatnonzero(mask.any(axis=0))
    if cols.size == 0:
        return np.zeros((0, 2))
    if lower:
        rows = mask.shape[0] - 1 - np.argmax(mask[::-1, cols], axis=0)
        return np.column_stack([cols, rows + 0.5]).astype(float)
    rows = np.argmax(mask[:, cols], axis=0)
    return np.column_stack([cols, rows - 0.5]).astype(float)


def _lip_pieces(lab: np.ndarray, row_mm: float, col_mm: float) -> list[np.ndarray]:
    """Return the lips label's pieces of at least :data:`LIP_PIECE_MM2` (bool masks).

    None, one (the lips touch) or two: the two largest 8-connected pieces, upper lip (the higher
    centroid) first.
    """
    comp, n = ndi.label(lab == L.LIPS, structure=np.ones((3, 3), bool))
    area = np.bincount(comp.ravel())[1:] * row_mm * col_mm
    big = np.flatnonzero(area >= LIP_PIECE_MM2) + 1
    pieces = [comp == k for k in big[np.argsort(area[big - 1])[::-1][:2]]]
    if len(pieces) == 2:
        rows = np.arange(lab.shape[0])[:, None]
        pieces.sort(key=lambda m: (rows * m).sum() / m.sum())
    return pieces


def lower_incisor_pocket(lab: np.ndarray, row_mm: float, col_mm: float) -> np.ndarray:
    """Return the lower-incisor pocket of a label map: airway that the measures' tract leaves out.

    The pocket (the lower incisors and the air between them and the lower lip, all dark in MRI) is
    airway in the labels (:data:`vtract.labels.AIRWAY_INCLUDES`) but a side branch below the tract,
    so the tract's walls run over it (as the phantom's exact geometry does): the pocket is the
    airway below the top of the lower lip, in front of the tongue's most anterior pixel and at most
    :data:`vtract.labels.POCKET_DEPTH_MM` behind the lower lip's back surface. The top of the lower
    lip: the highest row of the lower of the lips label's two pieces; when the lips touch (one
    piece), the highest lips pixel with airway directly above it.

    Parameters
    ----------
    lab : ndarray of uint8, shape (ny, nx)
        One label map in the canonical view (face on the left, head up).
    row_mm, col_mm : float
        Pixel spacing (mm).

    Returns
    -------
    ndarray of bool, shape (ny, nx)
        The pocket's pixels; all False without a lips label, a lower-lip top or a tongue.
    """
    return _pocket(lab, _lip_pieces(lab, row_mm, col_mm), col_mm)


def _pocket(lab: np.ndarray, pieces: list[np.ndarray], col_mm: float) -> np.ndarray:
    """:func:`lower_incisor_pocket` given the lips' pieces (:func:`_lip_pieces`)."""
    air = lab == L.AIRWAY
    lips = lab == L.LIPS
    out = np.zeros_like(air)
    tongue_cols = np.flatnonzero((lab == L.TONGUE).any(axis=0))
    if tongue_cols.size == 0:
        return out
    rows = np.arange(lab.shape[0])[:, None]
    cols = np.arange(lab.shape[1])[None, :]
    if len(pieces) == 2:
        r_top = int(np.flatnonzero(pieces[1].any(axis=1)).min())
    else:
        top = lips[1:] & air[:-1]  # lips pixel (row r + 1) with airway directly above it (row r)
        if not top.any():
            return out
        r_top = int(np.flatnonzero(top.any(axis=1)).min()) + 1
    back = int(np.flatnonzero((lips & (rows >= r_top)).any(axis=0)).max())
    return air & (rows >= r_top) & (cols < tongue_cols.min()) & (cols <= back + L.POCKET_DEPTH_MM / col_mm)


def lip_gap_mm(lab: np.ndarray, row_mm: float, col_mm: float, img: np.ndarray | None = None,
               levels: tuple[float, float] | None = None) -> float:
    """Closest distance (mm) between the upper and the lower lip of a label map.

    The lips label's two largest 8-connected pieces (of at least :data:`LIP_PIECE_MM2`) are the
    upper (the higher centroid) and the lower lip; one piece means they touch (0). Without an image
    the gap is pixel edge to pixel edge; with one, the air fraction integrated by partial volume
    along the line between the closest lip pixels (sub-pixel: a 3 mm gap is ~1 px at 2.4 mm).

    Parameters
    ----------
    lab : ndarray of uint8, shape (ny, nx)
        One label map in the canonical view.
    row_mm, col_mm : float
        Pixel spacing (mm).
    img : ndarray, shape (ny, nx), optional
        The image the labels were made from.
    levels : tuple of float, optional
        The image's air and tissue intensity (needed with ``img``; the tissue above the air).

    Returns
    -------
    float
        The gap (mm, >= 0); NaN without a lips label.
    """
    return _lip_gap(_lip_pieces(lab, row_mm, col_mm), row_mm, col_mm, img, levels)


def _lip_gap(pieces: list[np.ndarray], row_mm: float, col_mm: float, img: np.ndarray | None,
             levels: tuple[float, float] | None) -> float:
    """:func:`lip_gap_mm` given the lips' pieces (:func:`_lip_pieces`)."""
    if len(pieces) < 2:
        return 0.0 if pieces else np.nan
    upper, lower = pieces
    # centre-to-centre distance from each lower-lip pixel to the upper lip; edge to edge is one pixel
    # less along the (mostly vertical) line between them
    dist, (ir, ic) = ndi.distance_transform_edt(~upper, sampling=(row_mm, col_mm), return_indices=True)
    lr, lc = np.nonzero(lower)
    k = int(np.argmin(dist[lr, lc]))
    d = float(dist[lr[k], lc[k]])
    if img is None or levels is None or not levels[1] > levels[0]:
        return max(d - row_mm, 0.0)
    a = np.array([lc[k], lr[k]], float)  # (x, y) px of the lower lip's closest pixel
    b = np.array([ic[lr[k], lc[k]], ir[lr[k], lc[k]]], float)  # and of the upper lip's
    step = np.hypot(*(b - a))
    nrm = (b - a) / step
    # out to the far edge of each lip's closest pixel: the partial volume of those pixels counts too
    pv = _partial_volume_width_px(img, 0.5 * (a + b), nrm, 0.5 * step + 0.5, *levels)
    return float(pv * np.hypot(nrm[0] * col_mm, nrm[1] * row_mm))


def _velum_gap_px(lab: np.ndarray, air: np.ndarray) -> float:
    """Velopharyngeal gap (pixels).

    With a pharyngeal-wall label: the closest distance between the velum and the posterior wall,
    pixel edge to pixel edge (centre distance minus one pixel; 0 when they touch), the definition of
    the phantom's truth and of manual tract variables, whether or not the nasopharynx behind the
    velum is labelled airway. Without it: the narrowest airway run directly behind the velum, row by
    row.
    """
    vel = lab == L.VELUM
    rows = np.flatnonzero(vel.any(axis=1))
    if rows.size == 0:
        return np.nan
    wall = lab == L.PHARYNGEAL_WALL
    if wall.any():
        d = ndi.distance_transform_edt(~wall)[vel].min()
        return float(max(d - 1.0, 0.0))
    gaps = []
    nx = lab.shape[1]
    for r in rows:
        c = int(np.flatnonzero(vel[r]).max()) + 1
        run = 0
        while c + run < nx and air[r, c + run]:
            run += 1
        if c + run < nx:  # ended at tissue (not at the image edge)
            gaps.append(run)
    return float(min(gaps)) if gaps else np.nan


def _lip_front_from_image(img: np.ndarray, air: np.ndarray, y_mouth_px: float,
                          row_mm: float) -> float:
    """Column (px, sub-pixel) of the first air->tissue crossing from the face side above the mouth."""
    ring = ndi.binary_dilation(air, iterations=2) & ~ndi.binary_dilation(air)
    if air.sum() < 4 or not ring.any():
        return np.nan
    air_lv, tis_lv = float(np.median(img[air])), float(np.median(img[ring]))
    if tis_lv <= air_lv:
        return np.nan
    thr = 0.5 * (air_lv + tis_lv)
    r0 = max(0, int(np.floor(y_mouth_px - LIP_WINDOW_MM / row_mm)))
    r1 = min(img.shape[0] - 1, int(np.ceil(y_mouth_px)))
    best = np.inf
    for r in range(r0, r1 + 1):
        prof = img[r]
        hit = np.flatnonzero(prof >= thr)
        if hit.size == 0:
            continue
        j = int(hit[0])
        if j == 0:
            x = 0.0
        else:
            v0, v1 = prof[j - 1], prof[j]
            x = j - 1 + float(np.clip((thr - v0) / max(v1 - v0, 1e-9), 0.0, 1.0))
        best = min(best, x)
    return float(best) if np.isfinite(best) else np.nan


def _partial_volume_width_px(frame: np.ndarray, centre: np.ndarray, normal: np.ndarray,
                             half_px: float, air: float, tissue: float) -> float:
    """Airway width (px) across one profile, counting each sample by its air fraction.

    Thresholded walls quantise a nearly closed opening (a 3 mm lip gap is ~1 px at 2.4 mm) to 0 or
    2 px; integrating the partial-volume air fraction ``(tissue - I) / (tissue - air)`` along the
    profile gives a sub-pixel width instead. Written by hand: no library measures this.
    """
    step = 0.25
    t = np.arange(-half_px, half_px + step / 2, step)
    pts = centre[None, :] + t[:, None] * normal[None, :]  # (x, y) in px
    vals = ndi.map_coordinates(frame, [pts[:, 1], pts[:, 0]], order=1, mode="nearest")
    frac = np.clip((tissue - vals) / max(tissue - air, 1e-6), 0.0, 1.0)
    return float(frac.sum() * step)


def _frame_geometry(lab: np.ndarray, img: np.ndarray | None, row_mm: float, col_mm: float,
                    n_points: int, max_px: float) -> dict | None:
    from ..segmentation._tract import fit_midline, tract_path

    air_all = lab == L.AIRWAY
    if air_all.sum() < 4:
        return None
    lip_pieces = _lip_pieces(lab, row_mm, col_mm)  # the lips split once, for the pocket and the gap
    air = air_all & ~_pocket(lab, lip_pieces, col_mm)
    scale = np.array([col_mm, row_mm])
    pal = lab == L.HARD_PALATE
    palate_px = _edge_points_by_column(pal, lower=True)
    # glottis end: the lowest airway row, its pixel nearest the row's mean column
    rr, cc = np.nonzero(air)
    r_g = int(rr.max())
    c_row = cc[rr == r_g]
    c_g = int(c_row[np.argmin(np.abs(c_row - c_row.mean()))])
    # lip end: the most anterior airway pixel below the palate (the nasal cavity joins the airway
    # through an open port and reaches the face above the palate)
    below = rr > (palate_px[:, 1].max() if len(palate_px) else -1)
    if not below.any():
        below = np.ones_like(rr, bool)
    c_l = int(cc[below].min())
    r_cand = rr[below][cc[below] == c_l]
    r_l = int(r_cand[len(r_cand) // 2])
    edt = ndi.distance_transform_edt(air)
    cost = np.where(air, 1.0 / (1.0 + edt), _TISSUE_COST)
    path = tract_path(cost, (r_g, c_g), [(r_l, c_l)])
    tissue = ndi.gaussian_filter((~air).astype(np.float32), WALL_SMOOTH_PX, mode="nearest")
    mid, up, lo, width = fit_midline(tissue, 0.5, path[:, ::-1], n_points, max_px, smooth=1.5)
    glottis = np.array([cc[rr == r_g].mean(), r_g + 0.5])
    lip_open = np.array([c_l - 0.5, float(r_l)])
    mid, up, lo = (np.asarray(a, float) for a in (mid, up, lo))
    mid_mm, up_mm, lo_mm = mid * scale, up * scale, lo * scale
    dist = np.hypot(*(up_mm - lo_mm).T)
    dist[~np.isfinite(width)] = np.nan
    # hard palate: ridge (anterior end) and PNS (posterior end) of its oral edge
    pns = np.array([palate_px[-1, 0] + 0.5, palate_px[-1, 1]]) if len(palate_px) else np.full(2, np.nan)
    # the ridge and the plane from the rigid palate; without one, from the roof's climb
    ridge_mm, c_pl, n_pl = palate_landmarks(*palate_columns(pal, 0.0, 0.0, col_mm, row_mm))
    if not np.isfinite(ridge_mm[0]):
        ridge_mm, c_pl, n_pl = roof_landmarks(up * scale)
    ridge, plane = ridge_mm / scale, (c_pl, n_pl)
    # velum tip: the velum pixel farthest from the PNS
    vr, vc = np.nonzero(lab == L.VELUM)
    if vr.size and np.all(np.isfinite(pns)):
        vpts = np.column_stack([vc, vr]).astype(float) * scale
        velum_tip = vpts[np.argmax(np.hypot(*(vpts - pns * scale).T))]
    else:
        velum_tip = np.full(2, np.nan)
    # tongue: upper edge per column (surface); the tip = most anterior tongue pixel
    tng = lab == L.TONGUE
    surface = _edge_points_by_column(tng, lower=False) * scale
    tr, tc = np.nonzero(tng)
    if tr.size:
        j = tc == tc.min()
        tongue_tip = np.array([tc.min() - 0.5, tr[j].mean()]) * scale
    else:
        tongue_tip = np.full(2, np.nan)
    # upper-lip front
    lips = lab == L.LIPS
    y_mouth = float(up[-1, 1])  # the upper lip's inner surface at the mouth
    if lips.any():
        rows = np.arange(lab.shape[0])[:, None]
        lr, lc = np.nonzero(lips & (rows <= y_mouth) & (rows >= y_mouth - LIP_WINDOW_MM / row_mm))
        lip_front_x = float(lc.min()) - 0.5 if lc.size else np.nan
    elif img is not None:
        lip_front_x = _lip_front_from_image(img, air, y_mouth, row_mm)
    else:
        lip_front_x = lip_open[0]
    lip_front = np.array([lip_front_x, y_mouth]) * scale
    # partial-volume lip gap: grid lines in front of the ridge, from the image
    levels = None
    if img is not None:
        ring = ndi.binary_dilation(air_all, iterations=2) & ~ndi.binary_dilation(air_all)
        air_lv = float(np.median(img[air_all]))
        tis_lv = float(np.median(img[ring])) if ring.any() else float(np.percentile(img, 80))
        levels = (air_lv, tis_lv)
    if levels is not None and np.isfinite(ridge[0]):
        if tis_lv > air_lv:
            tang = np.gradient(mid, axis=0)
            for i in np.flatnonzero(mid[:, 0] < ridge[0]):
                tv = tang[i] / (np.hypot(*tang[i]) + 1e-9)
                nrm = np.array([-tv[1], tv[0]])
                w = width[i] if np.isfinite(width[i]) else 0.0
                pv = _partial_volume_width_px(img, mid[i], nrm, w / 2 + 1.5, air_lv, tis_lv)
                # the walls move symmetrically about the midline to the partial-volume width
                up_mm[i] = (mid[i] + 0.5 * pv * nrm) * scale
                lo_mm[i] = (mid[i] - 0.5 * pv * nrm) * scale
                dist[i] = float(np.hypot(*(up_mm[i] - lo_mm[i])))
    port = _velum_gap_px(lab, air_all) * col_mm
    lip_gap = _lip_gap(lip_pieces, row_mm, col_mm, img, levels)
    # the tract's ends are the airway's own edges: the midline runs from the glottis edge to the
    # lip opening's edge (the end lines have no walls)
    nan2 = np.full((1, 2), np.nan)
    mid_mm = np.vstack([glottis * scale, mid_mm, lip_open * scale])
    up_mm, lo_mm = np.vstack([nan2, up_mm, nan2]), np.vstack([nan2, lo_mm, nan2])
    dist = np.concatenate([[np.nan], dist, [np.nan]])
    return dict(midline=mid_mm, upper=up_mm, lower=lo_mm, distance=dist,
                landmarks={"glottis": glottis * scale, "lip_opening": lip_open * scale,
                           "lip_front": lip_front, "ridge": ridge * scale, "pns": pns * scale,
                           "velum_tip": velum_tip, "tongue_tip": tongue_tip},
                plane=plane, surface=surface, port=port, lip_gap=lip_gap,
                area=float(air_all.sum()) * row_mm * col_mm)


def _fill_rigid(per: list[dict | None]) -> None:
    """Frames where the ridge or the palatal plane was not found take the session's median.

    The hard palate is rigid: within a session it moves only with the head (a few mm), so the
    median of the frames where the roof was seen is a better estimate than nothing.
    """
    ok = [g for g in per if g is not None and np.all(np.isfinite(g["landmarks"]["ridge"]))
          and np.all(np.isfinite(g["plane"][1]))]
    if not ok:
        return
    ridge = np.median([g["landmarks"]["ridge"] for g in ok], axis=0)
    point = np.median([g["plane"][0] for g in ok], axis=0)
    nrm = np.median([g["plane"][1] for g in ok], axis=0)
    nrm = nrm / np.hypot(*nrm)
    for g in per:
        if g is not None and not any(g is o for o in ok):
            g["landmarks"]["ridge"] = ridge.copy()
            g["plane"] = (point.copy(), nrm.copy())
    # the velum tip bounds the oral regions: frames without a velum label take the median too
    vt = [g["landmarks"]["velum_tip"] for g in per
          if g is not None and np.all(np.isfinite(g["landmarks"]["velum_tip"]))]
    if vt:
        med = np.median(vt, axis=0)
        for g in per:
            if g is not None and not np.all(np.isfinite(g["landmarks"]["velum_tip"])):
                g["landmarks"]["velum_tip"] = med.copy()


#: Grid lines between the glottis and the lip ends (the midline then has ``GRID_POINTS + 2`` points).
GRID_POINTS = 64


def labels_digest(labels: np.ndarray) -> str:
    """Fingerprint of a label stack (shape and values), to tell whether cached geometry still applies."""
    lab = np.ascontiguousarray(labels)
    h = hashlib.blake2b(lab.view(np.uint8).data, digest_size=16)
    h.update(repr((lab.shape, lab.dtype.str)).encode())
    return h.hexdigest()


@dataclass(frozen=True)
class FrameGeometryCache:
    """Per-frame geometry a segmenter derived from its labels, kept for :func:`geometry_from_labels`.

    The learned segmenter needs the walls of every frame anyway; keeping the per-frame results lets
    :func:`vtract.measure` skip the second pass (the same function on the same labels and images
    gives the same numbers). The cache is used only while the labels are unchanged.

    Attributes
    ----------
    digest : str
        :func:`labels_digest` of the labels the geometry came from.
    spacing_mm : tuple of float
        Pixel spacing used (mm).
    n_points : int
        Grid lines used.
    max_wall_mm : float
        Wall search length used (mm).
    frames : tuple
        Per frame: the raw per-frame result, or ``None`` where it was not kept (e.g. a dropout frame
        segmented from a neighbour's image, whose own image must be used by the measures).
    kept : ndarray of bool, shape (n,)
        Which entries of ``frames`` are valid.
    """

    digest: str
    spacing_mm: tuple[float, float]
    n_points: int
    max_wall_mm: float
    frames: tuple
    kept: np.ndarray

    def matches(self, labels: np.ndarray, spacing_mm: tuple[float, float], n_points: int,
                max_wall_mm: float) -> bool:
        """Whether the cache was made for these labels and settings."""
        return (len(self.frames) == len(labels) and int(n_points) == self.n_points
                and float(max_wall_mm) == self.max_wall_mm
                and tuple(float(v) for v in spacing_mm) == self.spacing_mm
                and labels_digest(labels) == self.digest)


def frame_geometries(labels: np.ndarray, spacing_mm: tuple[float, float], frames=None, *,
                     n_points: int = GRID_POINTS, max_wall_mm: float = 30.0,
                     reuse: FrameGeometryCache | None = None) -> list:
    """Per-frame raw geometry of a label stack (no session-level filling), for caching.

    Parameters
    ----------
    labels, spacing_mm, frames, n_points, max_wall_mm
        As :func:`geometry_from_labels` (``labels`` and ``frames`` 3-D).
    reuse : FrameGeometryCache, optional
        Entries taken as they are for the frames it kept (the caller checked that it matches).

    Returns
    -------
    list of dict or None
        One entry per frame (None where the frame has no usable airway).
    """
    row_mm, col_mm = (float(v) for v in spacing_mm)
    max_px = max_wall_mm / min(row_mm, col_mm)
    return [reuse.frames[k] if reuse is not None and reuse.kept[k] else
            _frame_geometry(labels[k], None if frames is None else np.asarray(frames[k], np.float32),
                            row_mm, col_mm, n_points, max_px) for k in range(len(labels))]


def geometry_from_frames(per: list, n_points: int = GRID_POINTS,
                         times_s: np.ndarray | None = None) -> TractGeometry:
    """Assemble a :class:`TractGeometry` from :func:`frame_geometries` (the entries are not changed).

    Frames where the ridge, palatal plane or velum tip were not found take the session's median
    (:func:`_fill_rigid`), on copies, so cached entries stay as computed.

    Parameters
    ----------
    per : list of dict or None
        Per-frame results.
    n_points : int
        Grid lines they were computed with.
    times_s : ndarray, shape (n_frames,), optional
        Frame centre times (s); default the frame index.

    Returns
    -------
    TractGeometry
    """
    per = [None if g is None else {**g, "landmarks": dict(g["landmarks"])} for g in per]
    n = len(per)
    nan2 = np.full((n_points + 2, 2), np.nan)
    names = ("glottis", "lip_opening", "lip_front", "ridge", "pns", "velum_tip", "tongue_tip")
    _fill_rigid(per)

    def get(key, default):
        return np.stack([g[key] if g is not None else default for g in per])

    return TractGeometry(
        midline=get("midline", nan2), upper=get("upper", nan2), lower=get("lower", nan2),
        distance=get("distance", np.full(n_points + 2, np.nan)),
        landmarks={m: np.stack([g["landmarks"][m] if g is not None else np.full(2, np.nan)
                                for g in per]) for m in names},
        plane_point=np.stack([g["plane"][0] if g is not None else np.full(2, np.nan) for g in per]),
        plane_normal=np.stack([g["plane"][1] if g is not None else np.full(2, np.nan) for g in per]),
        tongue_surface=tuple(g["surface"] if g is not None else np.zeros((0, 2)) for g in per),
        velum_opening_mm=np.array([g["port"] if g is not None else np.nan for g in per]),
        airway_area_mm2=np.array([g["area"] if g is not None else 0.0 for g in per]),
        times_s=np.arange(n, dtype=float) if times_s is None else np.asarray(times_s, float),
        source="labels",
        lip_gap_mm=np.array([g["lip_gap"] if g is not None else np.nan for g in per]))


def geometry_from_labels(labels: np.ndarray, spacing_mm: tuple[float, float], frames=None, *,
                         n_points: int = GRID_POINTS, times_s: np.ndarray | None = None,
                         max_wall_mm: float = 30.0,
                         cache: FrameGeometryCache | None = None) -> TractGeometry:
    """Derive the vocal-tract geometry (mm) from label maps.

    Parameters
    ----------
    labels : ndarray of uint8, shape (n_frames, ny, nx) or (ny, nx)
        Label maps in the canonical view with the values of :mod:`vtract.labels` (1 airway,
        2 tongue, 3 hard palate, 4 velum; 5 lips used when present).
    spacing_mm : tuple of float
        Pixel spacing ``(row_mm, col_mm)``.
    frames : ndarray, shape like ``labels``, optional
        The images: when given, the lip gap is measured by partial volume (sub-pixel) and the
        upper-lip front is found in the image (labels without a lips label).
    n_points : int
        Grid lines along the midline between its glottis and lip ends.
    times_s : ndarray, shape (n_frames,), optional
        Frame centre times (s); default the frame index.
    max_wall_mm : float
        Longest search for a wall along a grid line (mm).
    cache : FrameGeometryCache, optional
        Per-frame results already computed from these labels (a segmentation's
        ``geometry_cache``); used only when it matches the labels and settings.

    Returns
    -------
    TractGeometry
        Frames where the airway has fewer than 4 pixels are NaN.

    Raises
    ------
    vtract.errors.DataValueError
        When the shapes of ``labels`` and ``frames`` differ or the spacing is not positive.

    Examples
    --------
    >>> geom = geometry_from_labels(seg.labels, (2.4, 2.4), seg.sequence.frames)  # doctest: +SKIP
    >>> vtract.measures.measures_table(geom)  # doctest: +SKIP
    """
    lab = np.asarray(labels)
    if lab.ndim == 2:
        lab = lab[None]
    if lab.ndim != 3:
        raise DataValueError(f"labels: expected shape (n_frames, ny, nx), got {lab.shape}")
    img = None
    if frames is not None:
        img = np.asarray(frames, np.float32)
        img = img[None] if img.ndim == 2 else img
        if img.shape != lab.shape:
            raise DataValueError(f"frames: shape {img.shape} does not match the labels' {lab.shape}; "
                                 "pass the images the labels were made from")
    row_mm, col_mm = (float(v) for v in spacing_mm)
    if not (row_mm > 0 and col_mm > 0):
        raise DataValueError(f"spacing_mm: expected two positive pixel sizes, got {spacing_mm}")
    use = cache is not None and cache.matches(lab, (row_mm, col_mm), n_points, max_wall_mm)
    per = frame_geometries(lab, (row_mm, col_mm), img, n_points=n_points, max_wall_mm=max_wall_mm,
                           reuse=cache if use else None)
    return geometry_from_frames(per, n_points, times_s)
