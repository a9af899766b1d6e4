"""Synthetic training generator (vtract.synth): anatomy versus real contours, speed, a montage.

Run ``python benchmarks/bench_synth.py [--n 300]``. Writes ``benchmarks/results/synth_anatomy.md``,
``synth_anatomy.csv`` (per-frame shape measures of every source) and ``synth_montage.png``.

Shape measures (mm), the same definitions for every source
----------------------------------------------------------
* **upper profile** ``A``: the oral surface of the hard palate and the velum, from the alveolar ridge to
  the velum tip; at each point the distance to the tongue (0 where the tongue touches or overlaps).
  ``d_palate_velum`` is its median, ``oral_area_mm2`` its integral over arc length (the midsagittal area
  between palate/velum and tongue: the size of the oral cavity), profile bins at 0-10 %, ..., 90-100 %
  of the arc.
* **pharynx profile** ``B``: the posterior pharyngeal wall from the velopharyngeal port (the wall point
  nearest the velum tip) down 60 mm; at each point the distance to the tongue root / epiglottis.
  ``d_pharynx`` is its median; profile bins of 10 mm.
* ``palate_chord_mm`` / ``palate_vault_mm``: hard-palate length (ridge to posterior end) and the vault
  depth above that chord (SPAN and synthetic; the IISc palate piece includes the velum).
* ``airway_area_mm2``: midsagittal airway area, lips to glottis (IISc ground truth and synthetic labels).

Sources: synthetic samples (``vtract.synth``, the generator's own geometry, scaled to mm); the three
hand-traced SPAN frames (Bresch & Narayanan 2009, GPL-3.0, ``../shared/data/real/span_templates``,
2.4 mm pixels); the IISc dev annotations (``../shared/data/real/iisc_dev``, 2.9 mm pixels; an
independent comparison only: nothing in the generator is fitted to them, only numbers are reported).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.io import loadmat
from scipy.spatial import cKDTree
from skimage.measure import points_in_poly

from vtract.synth._sample import random_head

RESULTS = Path(__file__).resolve().parent / "results"
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
ATB = Path(__file__).resolve().parents[2] / "shared" / "tools" / "real_atb"
SPAN_PIXEL_MM = 2.4
IISC_PIXEL_MM = 2.9
N_A, B_LEN, B_STEP = 10, 60.0, 10.0
SPAN_CURVES = ("epiglottis", "tongue", "jaw", "lower_lip", "chin", "trachea", "wall", "top", "back",
               "bottom", "palate", "velum", "nasal", "nose", "upper_lip")


# ---------------------------------------------------------------------------------- geometry helpers
def _dense(poly: np.ndarray, step: float = 0.25) -> np.ndarray:
    poly = np.asarray(poly, float)
    seg = np.linalg.norm(np.diff(poly, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.linspace(0.0, s[-1], max(int(s[-1] / step), 2))
    return np.column_stack([np.interp(t, s, poly[:, 0]), np.interp(t, s, poly[:, 1])])


def _arc(poly: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(poly, axis=0), axis=1))])


def _profile(outer: np.ndarray, inner: list[np.ndarray], solids: list[np.ndarray]) -> tuple:
    """Distances (mm) from points along ``outer`` to the inner walls (0 inside a solid polygon)."""
    pts = _dense(outer, 0.5)
    tree = cKDTree(np.vstack([_dense(c, 0.25) for c in inner]))
    d = tree.query(pts)[0]
    for s in solids:
        d[points_in_poly(pts, s)] = 0.0
    return pts, _arc(pts), d


def shape_measures(a_curve, b_wall, inner_a, inner_b, solids=(), velum_tip=None) -> dict:
    """Measures of one frame from its curves (all (n, 2) arrays of (x_mm, y_mm))."""
    out: dict = {}
    _, s, d = _profile(a_curve, inner_a, list(solids))
    out["d_palate_velum"] = float(np.median(d))
    out["oral_area_mm2"] = float(np.trapezoid(d, s))
    out["upper_arc_mm"] = float(s[-1])
    u = s / s[-1]
    for i in range(N_A):
        m = (u >= i / N_A) & (u <= (i + 1) / N_A)
        out[f"A{i}"] = float(np.median(d[m]))
    tip = a_curve[-1] if velum_tip is None else velum_tip
    w = _dense(b_wall, 0.5)
    j = int(np.argmin(np.linalg.norm(w - tip, axis=1)))
    w = w[j:]
    if w[-1, 1] < w[0, 1]:  # walk downwards
        w = _dense(b_wall, 0.5)[: j + 1][::-1]
    sw = _arc(w)
    w = w[sw <= B_LEN]
    _, sb, db = _profile(w, inner_b, list(solids))
    out["d_pharynx"] = float(np.median(db))
    for i in range(int(B_LEN / B_STEP)):
        m = (sb >= i * B_STEP) & (sb <= (i + 1) * B_STEP)
        out[f"B{i}"] = float(np.median(db[m])) if m.any() else np.nan
    return out


def _palate_shape(palate: np.ndarray) -> dict:
    p = np.asarray(palate, float)
    ch = p[-1] - p[0]
    n = np.array([-ch[1], ch[0]]) / np.linalg.norm(ch)
    h = (p - p[0]) @ n
    return {"palate_chord_mm": float(np.linalg.norm(ch)), "palate_vault_mm": float(np.abs(h).max())}


# ---------------------------------------------------------------------------------- sources
def synthetic_rows(n: int, seed: int = 0) -> list[dict]:
    """Shape measures of ``n`` synthetic anatomies/articulations (no rendering needed)."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        anat, pose, info, geom, shapes, sc = random_head(rng)
        sh = {name: pts * sc for name, pts, _, _ in shapes}
        cv = {k: v * sc for k, v in geom.curves.items()}
        velum = sh["velum"]
        a_curve = np.vstack([cv["palate_oral"], velum[:40]])
        r = shape_measures(a_curve, cv["wall_front"], [sh["tongue"]],
                           [sh["tongue"], sh["epiglottis"], sh["larynx"]], solids=[sh["tongue"]],
                           velum_tip=velum[39])
        r.update(_palate_shape(cv["palate_oral"]))
        r["source"] = "synthetic"
        r["consonant"] = info["consonant"] or ""
        rows.append(r)
    return rows


def span_rows() -> list[dict]:
    """Shape measures of the three hand-traced SPAN frames."""
    m = loadmat(REAL / "span_templates" / "template_struct.mat", squeeze_me=True,
                struct_as_record=False)
    rows = []
    for k, t in enumerate(m["template_struct"]):
        c = {n: np.atleast_2d(cc.position) * SPAN_PIXEL_MM for n, cc in
             zip(SPAN_CURVES, t.template.curves, strict=True)}
        pal = c["palate"]
        pal = pal if pal[0, 0] < pal[-1, 0] else pal[::-1]
        vel = c["velum"]
        vel = vel if np.linalg.norm(vel[0] - pal[-1]) < np.linalg.norm(vel[-1] - pal[-1]) else vel[::-1]
        vel = vel[: int(np.argmax(vel[:, 1])) + 1]  # oral surface: posterior nasal spine -> tip
        r = shape_measures(np.vstack([pal, vel]), c["wall"], [c["tongue"]],
                           [c["tongue"], c["epiglottis"]])
        r.update(_palate_shape(pal))
        r["source"] = "SPAN"
        r["frame"] = k
        rows.append(r)
    return rows


def iisc_rows() -> list[dict]:
    """Shape measures of every annotated IISc dev frame (validation data: numbers only)."""
    sys.path.insert(0, str(ATB))
    import atb_gt as G  # noqa: PLC0415 (the shared tool is not a package)
    import iisc_data as D  # noqa: PLC0415

    rows = []
    for clip in D.CLIPS:
        frames, anns = D.load_clip(clip)
        for k, ann in enumerate(anns):
            try:
                gt = G.frame_gt(ann)
            except G.AnnotationError:
                continue

            def mm(p):
                return np.asarray(p, float)[:, ::-1] * IISC_PIXEL_MM  # (row, col) px -> (x, y) mm

            r = shape_measures(mm(gt.palate), mm(gt.wall), [mm(gt.tongue)], [mm(gt.lower)],
                               velum_tip=mm(gt.landmarks["VEL"][None])[0])
            r["airway_area_mm2"] = float(gt.airway_mask(frames[k].shape).sum() * IISC_PIXEL_MM ** 2)
            r["source"] = "IISc dev"
            r["frame"] = f"{clip}:{k}"
            rows.append(r)
    return rows
