"""Learned vs classic segmenter on real data: iisc_dev per speaker, SPAN per structure, phantom, robustness.

Called by ``bench_segmentation.py`` (``real_tables()`` returns markdown lines); run alone with
``python benchmarks/_seg_real.py`` (writes ``benchmarks/results/segmentation_real.md`` + CSVs).

(a) **iisc_dev** (``../shared/data/real/iisc_dev``, 3 speakers, 68x68, 2.9 mm; VALIDATION ONLY, nothing is
    trained or tuned on it): ``../shared/tools/real_atb/real_atb.py`` runs ``vtract segment --method M`` on
    each speaker's clips (and on all clips) and scores the labels: airway Dice, air-tissue boundary mean
    and p95 (pooled distances), tongue and palate surface distance means (and p95 over frames of the
    per-frame means), frames without airway / tongue. The ``baseline`` row is the tool's naive Otsu
    threshold inside a box placed from the truth. Beside it, the Dice the metric allows at a given
    boundary error (``dice_ceiling_table``: the traced airway moved by 0.25-1 px and rasterised again).
(b) **SPAN** frames (Bresch & Narayanan templates, 84x84, 2.4 mm, each segmented alone): distance from
    each traced structure to the boundary of the SAME predicted structure: tongue -> label 2, hard palate
    -> labels 3 + 10 (SPAN's curve 11 runs from the upper incisal edge, where the upper-lip curve ends,
    up the incisors to the palate: ``SPAN_STRUCTURES``; ``hard_palate_only`` scores label 3 alone),
    velum -> label 4, pharyngeal wall -> label 8 where the method predicts it (the net),
    else the method's pharyngeal-wall contour (classic); wall points only over the vertical range of the
    predicted wall.
(c) **Phantom** (demo set, all sessions): airway and velum Dice per matrix size, and the airway Dice over
    the frames whose velopharyngeal port is shut (where the phantom's and the net's airway rules agree).
(d) **Robustness** on real frames (the first 24 frames of one clip per speaker): the sequence written
    to NIfTI in another on-disk orientation and read back, shifted by (3, -2) px, padded by 10 px of
    air on every side, rotated by +-10 degrees about the image centre, and resampled to 1.6 mm; the
    airway label boundary (``find_contours`` at 0.5) of each version is mapped back to the original
    pixel grid and compared with the original's (symmetric mean distance, px). Target <= 0.3 px. Beside
    it the metric's floor (``robustness_floor_table``): the manual airway rasterised on both grids.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import ndimage as ndi
from skimage.measure import find_contours

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from _distances import point_to_polyline  # noqa: E402
from _markdown import markdown_table  # noqa: E402

import vtract  # noqa: E402
from vtract import labels as L  # noqa: E402

REAL = REPO.parent / "shared" / "data" / "real"
TOOL = REPO.parent / "shared" / "tools" / "real_atb"
OUT = REPO / "benchmarks" / "results"
SPEAKERS = {"F2": ["F2_002", "F2_015", "F2_033", "F2_359", "F2_360"], "F4": ["F4_004", "F4_033"],
            "M3": ["M3_033", "M3_359", "M3_394", "M3_406"]}
METHODS = ("net", "classic")
SPAN_SPACING_MM = 2.4
IISC_MM = 2.9


# ------------------------------------------------------------------------------- (a) iisc_dev
def _run_atb(method: str, clips: list[str] | None) -> dict:
    with tempfile.TemporaryDirectory() as td:
        js = os.path.join(td, "r.json")
        args = [sys.executable, str(TOOL / "real_atb.py"), "--json", js]
        if method == "baseline":
            args += ["--baseline"]
        else:
            args += ["--cmd", f"{sys.executable} -m vtract segment {{inp}} -o {{out}} --method {method}"]
        if clips:
            args += ["--clips", *clips]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        subprocess.run(args, check=True, env=env, capture_output=True, text=True)
        return json.loads(Path(js).read_text())


def _row(method: str, speaker: str, res: dict) -> dict:
    s = res["summary"]
    frames = [f for c in res["clips"].values() for f in c.get("per_frame", [])]
    tongue = np.array([f["tongue_px"] for f in frames], float)
    palate = np.array([f["palate_px"] for f in frames], float)

    def p95(v):
        v = v[np.isfinite(v)]
        return float(np.percentile(v, 95)) if v.size else np.nan

    return {"speaker": speaker, "method": method, "frames": s["frames_scored"], "dice": s["dice"],
            "boundary_mean_px": s["atb_mean_px"], "boundary_mean_mm": s["atb_mean_mm"],
            "boundary_p95_px": s["atb_p95_px"], "boundary_p95_mm": s["atb_p95_mm"],
            "tongue_mean_px": s["tongue_mean_px"], "tongue_mean_mm": s["tongue_mean_mm"],
            "tongue_p95_px": p95(tongue), "tongue_p95_mm": p95(tongue) * IISC_MM,
            "palate_mean_px": s["palate_mean_px"], "palate_mean_mm": s["palate_mean_mm"],
            "palate_p95_px": p95(palate), "palate_p95_mm": p95(palate) * IISC_MM,
            "no_airway_frames": s["airway_empty_frames"], "no_tongue_frames": s["tongue_missing_frames"]}


def iisc_table(methods=(*METHODS, "baseline"), reuse: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per-speaker and overall scores on iisc_dev for each method.

    Methods in ``reuse`` are read from their per-method CSV of an earlier run when it exists
    (``segmentation_real_iisc_<method>.csv``); the others are run and their CSV written.
    """
    parts = []
    for m in methods:
        csv = OUT / f"segmentation_real_iisc_{m}.csv"
        if m in reuse and csv.exists():
            parts.append(pd.read_csv(csv))
            continue
        rows = [_row(m, spk, _run_atb(m, clips)) for spk, clips in SPEAKERS.items()]
        rows.append(_row(m, "all", _run_atb(m, None)))
        df = pd.DataFrame(rows)
        df.to_csv(csv, index=False)
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------------------- (b) SPAN
def _label_boundary_xy(mask: np.ndarray) -> list[np.ndarray]:
    """Boundary polylines (x, y) of a label mask (find_contours at 0.5 on the padded mask)."""
    m = np.pad(mask.astype(float), 1)
    return [c[:, ::-1] - 1.0 for c in find_contours(m, 0.5)]


#: SPAN structure -> (curve number, predicted labels it is scored against). SPAN has no teeth curve:
#: its hard-palate curve 11 starts where the upper-lip curve 15 ends, at the upper incisal edge, and runs
#: up the incisors' lingual face to the palate, so it is scored against the hard palate together with
#: the teeth joined to it; "hard_palate_only" keeps the label-3-only score for comparison.
SPAN_STRUCTURES = {"tongue": (2, (L.TONGUE,)), "hard_palate": (11, (L.HARD_PALATE, L.TEETH)),
                   "hard_palate_only": (11, (L.HARD_PALATE,)), "velum": (12, (L.VELUM,)),
                   "pharyngeal_wall": (7, (L.PHARYNGEAL_WALL,))}


def _structure_mask(lab: np.ndarray, values: tuple[int, ...]) -> np.ndarray:
    """Pixels of ``values``; with several, only the connected pieces containing the first label."""
    m = np.isin(lab, values)
    if len(values) == 1 or not m.any():
        return m
    comp, _ = ndi.label(m)
    keep = np.unique(comp[lab == values[0]])
    return np.isin(comp, keep[keep > 0])


def span_table(methods=METHODS) -> pd.DataFrame:
    """Per-structure distances (px, mm) from the traced SPAN curves to the same predicted structure."""
    import scipy.io as sio

    path = REAL / "span_templates" / "template_struct.mat"
    m = sio.loadmat(path, squeeze_me=True, struct_as_record=False)
    rows = []
    for method in methods:
        for i, t in enumerate(np.atleast_1d(m["template_struct"])):
            tpl = t.template
            seq = vtract.Sequence(np.asarray(tpl.MRI, np.float32)[None], fps=1.0,
                                  pixel_spacing_mm=(SPAN_SPACING_MM, SPAN_SPACING_MM),
                                  source=f"{path.name}[{i}]")
            seg = vtract.segment(seq, method=method, temporal=0)
            lab = seg.labels[0]
            for name, (idx, values) in SPAN_STRUCTURES.items():
                pts = np.atleast_2d(tpl.curves[idx - 1].position).astype(float) + 41.5  # (x, y) px
                mask = _structure_mask(lab, values)
                lines = _label_boundary_xy(mask) if mask.any() else []
                source = "label " + "+".join(str(v) for v in values)
                if not lines and name == "pharyngeal_wall":
                    lines = [seg.contours_px(0)["pharyngeal_wall"]]
                    source = "wall contour"
                lines = [ln for ln in lines if len(ln)]
                if not lines:
                    rows.append({"method": method, "frame": i, "structure": name, "n_points": len(pts),
                                 "mean_px": np.nan, "mean_mm": np.nan, "source": "missing"})
                    continue
                if name == "pharyngeal_wall":
                    allp = np.vstack(lines)
                    pts = pts[(pts[:, 1] >= allp[:, 1].min()) & (pts[:, 1] <= allp[:, 1].max())]
                    if len(pts) == 0:
                        continue
                d = np.min([point_to_polyline(pts, ln) for ln in lines], axis=0)
                rows.append({"method": method, "frame": i, "structure": name, "n_points": len(pts),
                             "mean_px": float(d.mean()), "mean_mm": float(d.mean() * SPAN_SPACING_MM),
                             "source": source})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------- (c) phantom
def phantom_table(methods=("net",), per_matrix: int | None = None) -> pd.DataFrame:
    """Airway and velum Dice per session of the demo set (``per_matrix``: first N sessions per matrix)."""
    from vtract import datasets
    from vtract.manifest import load_session

    man = datasets.load_demo("full")
    rows = []
    seen: dict[str, int] = {}
    for entry in man.sessions:
        if per_matrix is not None:
            m = str(man.resolved(entry).get("labels", {}).get("matrix", entry.id))
            seen[m] = seen.get(m, 0) + 1
            if seen[m] > per_matrix:
                continue
        sess = load_session(man, entry.id)
        seq = sess.sequence
        truth = man.resolved(entry)["ground_truth"]
        gt = vtract.read_sequence(truth["labels"], fps=seq.fps).frames.astype(np.uint8)
        # frames with the velopharyngeal port shut: there the phantom's airway rule (nasal cavity through
        # an open port, as DESIGN.md) and the net's (closed at the velopharyngeal line) agree
        shut = pd.read_csv(truth["measures"])["velum_opening_mm"].to_numpy()[: len(gt)] <= 0
        for method in methods:
            seg = vtract.segment(seq, method=method)
            da, dv = [], []
            for g, s in zip(gt, seg.labels):
                for out, v in ((da, L.AIRWAY), (dv, L.VELUM)):
                    a, b = g == v, s == v
                    tot = a.sum() + b.sum()
                    out.append(2 * (a & b).sum() / tot if tot else np.nan)
            da = np.asarray(da)
            rows.append({"method": method, "session": entry.id, "matrix": f"{seq.shape[0]}x{seq.shape[1]}",
                         "airway_dice": float(np.nanmean(da)), "velum_dice": float(np.nanmean(dv)),
                         "airway_dice_port_shut": float(np.nanmean(da[shut])) if shut.any() else np.nan,
                         "port_shut_frames": int(shut.sum()), "frames": len(gt)})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------- (d) robustness
def _boundary_points(lab: np.ndarray) -> np.ndarray:
    lines = _label_boundary_xy(lab == L.AIRWAY)
    return np.vstack(lines) if lines else np.zeros((0, 2))


def _sym_mean(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) == 0 or len(b) == 0:
        return np.nan
    from scipy.spatial import cKDTree

    return float(0.5 * (cKDTree(b).query(a)[0].mean() + cKDTree(a).query(b)[0].mean()))


def _rotate(frames: np.ndarray, deg: float) -> np.ndarray:
    return np.stack([ndi.rotate(f, deg, reshape=False, order=1, mode="constant", cval=0.0)
                     for f in frames]).astype(np.float32)


def _rot_points(xy: np.ndarray, deg: float, shape: tuple[int, int]) -> np.ndarray:
    """Map points of an image rotated by ``deg`` (ndi.rotate) back to the original image.

    ``_rot_points(xy, -deg, shape)`` maps the other way, from the original into the rotated image.
    """
    cy, cx = (shape[0] - 1) / 2, (shape[1] - 1) / 2
    a = np.radians(deg)
    # ndi.rotate(img, deg): a displayed image rotated counter-clockwise; invert it on (x, y)
    x, y = xy[:, 0] - cx, xy[:, 1] - cy
    xo = np.cos(a) * x - np.sin(a) * y
    yo = np.sin(a) * x + np.cos(a) * y
    return np.column_stack([xo + cx, yo + cy])


def _resampled_points(xy: np.ndarray, from_mm: float, to_mm: float) -> np.ndarray:
    """Map pixel coordinates of an image at ``from_mm`` pixels to the same image at ``to_mm`` pixels."""
    return (xy + 0.5) * (from_mm / to_mm) - 0.5


def _rotated_keep(b0: np.ndarray, nx: int, ny: int) -> np.ndarray:
    """Original boundary points inside the region a rotated field of view still covers."""
    return np.hypot(b0[:, 0] - (nx - 1) / 2, b0[:, 1] - (ny - 1) / 2) < 0.45 * nx


def robustness_floor_table(n_frames: int = 24) -> pd.DataFrame:
    """The robustness metric's floor: the TRUTH airway rasterised on both grids (no segmenter).

    The manual airway polygon of each frame (``real_atb``'s rules) is rasterised at pixel centres on
    the original grid, and, mapped by the same transform, on the rotated or resampled grid; the two
    label boundaries are compared exactly as :func:`robustness_table` compares a segmenter's. Even a
    perfect segmenter changes by this much: two pixel staircases of one curve on different grids differ.
    Shift and padding map pixels onto pixels (floor 0); the on-disk orientation is undone by the reader,
    which hands the segmenter the same array (not computed).
    """
    from skimage.draw import polygon2mask

    sys.path.insert(0, str(TOOL))
    from real_atb import load_gt  # noqa: E402  (the tool's GT rules, read in place)

    def boundary(poly_xy: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        return _boundary_points(polygon2mask(shape, poly_xy[:, ::-1]).astype(np.uint8) * L.AIRWAY)

    rows = []
    for spk, clips in SPEAKERS.items():
        frames, gts, _ = load_gt(clips[0])
        ny, nx = np.asarray(frames[0]).shape
        fine = (int(round(ny * IISC_MM / 1.6)), int(round(nx * IISC_MM / 1.6)))
        d: dict[str, list[float]] = {}
        for gt in gts[:n_frames]:
            if gt is None:
                continue
            xy = gt.polygon[:, ::-1].astype(float)  # (row, col) -> (x, y)
            b0 = boundary(xy, (ny, nx))
            for deg in (10.0, -10.0):
                b = _rot_points(boundary(_rot_points(xy, -deg, (ny, nx)), (ny, nx)), deg, (ny, nx))
                keep = _rotated_keep(b0, nx, ny)
                d.setdefault(f"rotated {deg:+.0f} deg", []).append(_sym_mean(b0[keep], b))
            b = _resampled_points(boundary(_resampled_points(xy, IISC_MM, 1.6), fine), 1.6, IISC_MM)
            d.setdefault("resampled to 1.6 mm", []).append(_sym_mean(b0, b))
            sh, pad = np.array([-2.0, 3.0]), 10.0  # (x, y): the (3, -2) px (row, col) shift
            d.setdefault("shift (3, -2) px", []).append(_sym_mean(b0, boundary(xy + sh, (ny, nx)) - sh))
            d.setdefault("padded 10 px", []).append(
                _sym_mean(b0, boundary(xy + pad, (ny + 2 * int(pad), nx + 2 * int(pad))) - pad))
        for name, v in d.items():
            rows.append({"method": "truth_floor", "speaker": spk, "clip": clips[0], "transform": name,
                         "boundary_change_px": float(np.nanmean(v)),
                         "boundary_change_p95_px": float(np.nanpercentile(v, 95))})
    return pd.DataFrame(rows)


def dice_ceiling_table(step: int = 2, moves_px: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0),
                       supersample: int = 8) -> pd.DataFrame:
    """What airway Dice a given boundary error allows at the clips' resolution (no segmenter).

    The manual airway of every ``step``-th frame (``real_atb``'s rules: the polygon less the tissue
    regions) is drawn on a ``supersample``-times finer grid; its boundary is moved by ``d`` px
    (outwards, inwards, or by a smooth field of random sign, a 3 px Gaussian, so the mean |move|
    is ``d``) through the signed distance transform and sampled back at the pixel centres; the
    Dice against the unmoved truth raster is what a segmenter whose boundary is off by exactly ``d``
    would score. Measures the metric, not a method: nothing is fitted to the clips.
    """
    from skimage.draw import polygon2mask

    sys.path.insert(0, str(TOOL))
    from real_atb import load_gt  # noqa: E402  (the tool's GT rules, read in place)

    rng = np.random.default_rng(0)
    ss = supersample
    rows = []
    for spk, clips in SPEAKERS.items():
        dice: dict[tuple[str, float], list[float]] = {}
        for clip in clips:
            frames, gts, _ = load_gt(clip)
            shape = np.asarray(frames[0]).shape
            fine = (shape[0] * ss, shape[1] * ss)
            centres = (slice(ss // 2, None, ss), slice(ss // 2, None, ss))
            for gt in gts[::step]:
                if gt is None:
                    continue
                truth = gt.airway_mask(shape)
                hi = polygon2mask(fine, (gt.polygon + 0.5) * ss - 0.5)
                for c in gt.tissue:
                    hi &= ~polygon2mask(fine, (np.asarray(c) + 0.5) * ss - 0.5)
                sd = (ndi.distance_transform_edt(~hi) - ndi.distance_transform_edt(hi)) / ss
                sign = np.sign(ndi.gaussian_filter(rng.standard_normal(fine), 3 * ss))
                for d in moves_px:
                    for how, thr in (("outwards", d), ("inwards", -d), ("random sign", d * sign)):
                        m = (sd <= thr)[centres]
                        dice.setdefault((how, d), []).append(
                            2.0 * (m & truth).sum() / max(1, m.sum() + truth.sum()))
        for (how, d), v in dice.items():
            rows.append({"speaker": spk, "move": how, "boundary_error_px": d, "frames": len(v),
                         "dice": float(np.mean(v))})
    return pd.DataFrame(rows)


def robustness_table(method: str = "net", n_frames: int = 24) -> pd.DataFrame:
    """Boundary change (px) under on-disk orientation, shift, padding, rotation and resampling."""
    import nibabel as nib

    from vtract.io import read_sequence

    rows = []
    for spk, clips in SPEAKERS.items():
        seq0 = read_sequence(REAL / "iisc_dev" / f"{clips[0]}.avi", pixel_spacing_mm=IISC_MM, fps=23.18)
        fr = np.asarray(seq0.frames[:n_frames], np.float32)
        ny, nx = fr.shape[1:]

        def seg(frames, mm=IISC_MM):
            s = vtract.Sequence(frames, fps=23.18, pixel_spacing_mm=(mm, mm))
            return vtract.segment(s, method=method).labels

        base = seg(fr)
        b0 = [_boundary_points(lab) for lab in base]
        tests = {}
        # another on-disk orientation: LPS-ish axes (rows stored along +x index, columns flipped)
        with tempfile.TemporaryDirectory() as td:
            data = np.transpose(fr, (2, 1, 0))[::-1, :, None, :]  # (nx, ny, 1, T): x = posterior->anterior
            aff = np.array([[0, 0, 1.0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]], float)
            # axis0 (x index) -> anterior-posterior (world y), axis1 -> superior-inferior (world z),
            # axis2 (size 1) -> left-right (world x)
            aff[1, 0] = IISC_MM   # x index increases anteriorly (face = high index)
            aff[2, 1] = -IISC_MM  # y index increases downwards
            p = os.path.join(td, "flip.nii.gz")
            img = nib.Nifti1Image(np.ascontiguousarray(data[:, :, :, :]).astype(np.float32), aff)
            img.header.set_xyzt_units("mm", "sec")
            img.header["pixdim"][4] = 1 / 23.18
            nib.save(img, p)
            s2 = read_sequence(p, fps=23.18)
            lab = vtract.segment(s2, method=method).labels
            tests["on-disk orientation"] = [_boundary_points(x) for x in lab]
        sh = (3, -2)
        moved = np.zeros_like(fr)
        moved[:, max(sh[0], 0): ny + min(sh[0], 0), max(sh[1], 0): nx + min(sh[1], 0)] = \
            fr[:, max(-sh[0], 0): ny - max(sh[0], 0), max(-sh[1], 0): nx - max(sh[1], 0)]
        tests["shift (3, -2) px"] = [_boundary_points(x) - np.array([sh[1], sh[0]]) for x in seg(moved)]
        pad = 10
        tests["padded 10 px"] = [_boundary_points(x) - pad for x in seg(np.pad(fr, ((0, 0), (pad, pad),
                                                                                   (pad, pad))))]
        for deg in (10.0, -10.0):
            tests[f"rotated {deg:+.0f} deg"] = [_rot_points(_boundary_points(x), deg, (ny, nx))
                                                for x in seg(_rotate(fr, deg))]
        z = IISC_MM / 1.6
        fine = np.stack([ndi.zoom(f, z, order=1, grid_mode=True, mode="grid-constant") for f in fr])
        tests["resampled to 1.6 mm"] = [_resampled_points(_boundary_points(x), 1.6, IISC_MM)
                                        for x in seg(fine.astype(np.float32), 1.6)]
        for name, pts in tests.items():
            if "rotated" in name:  # compare only inside the region the rotated FOV still covers
                keep = [_rotated_keep(a, nx, ny) for a in b0]
                d = [_sym_mean(a[k], b) for a, k, b in zip(b0, keep, pts)]
            else:
                d = [_sym_mean(a, b) for a, b in zip(b0, pts)]
            rows.append({"method": method, "speaker": spk, "clip": clips[0], "transform": name,
                         "boundary_change_px": float(np.nanmean(d)),
                         "boundary_change_p95_px": float(np.nanpercentile(d, 95))})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------- report
def real_tables(reuse: tuple[str, ...] = (), phantom_per_matrix: int | None = None) -> list[str]:
    """Run (a)-(d) and return the markdown section (also writes CSVs).

    ``reuse``: methods whose iisc_dev rows are read from an earlier run's CSV (see :func:`iisc_table`).
    """
    OUT.mkdir(parents=True, exist_ok=True)
    lines = ["## Learned (`net`) vs `classic` segmenter on real data", "",
             "Regenerate: `python benchmarks/_seg_real.py` (also run by bench_segmentation.py).", ""]
    if (REAL / "iisc_dev").is_dir() and TOOL.is_dir():
        t = iisc_table(reuse=reuse)
        t.to_csv(OUT / "segmentation_real_iisc.csv", index=False)
        lines += ["### iisc_dev (3 speakers, 68x68, 2.9 mm; validation only)", "",
                  "Targets: Dice >= 0.92, boundary/tongue/palate mean <= 1.0 px, no frame without "
                  "airway or tongue. `baseline` = naive Otsu threshold in a box placed from the truth.",
                  "", markdown_table(t.round(3)), ""]
        c = dice_ceiling_table()
        c.to_csv(OUT / "segmentation_real_dice_ceiling.csv", index=False)
        piv = c.groupby(["move", "boundary_error_px"])["dice"].mean().unstack("boundary_error_px")
        piv.columns = [f"{d:g} px" for d in piv.columns]
        lines += ["#### What Dice asks of the boundary at 68x68 (the metric alone, no segmenter)", "",
                  "The traced airway with its boundary moved by a fixed distance and rasterised again "
                  "(every 2nd frame, mean over the three speakers; `dice_ceiling_table`): the Dice a "
                  "segmenter whose boundary is off by exactly that much would score.", "",
                  markdown_table(piv.round(3), index=True), ""]
    if (REAL / "span_templates").is_dir():
        s = span_table()
        s.to_csv(OUT / "segmentation_real_span.csv", index=False)
        agg = s.groupby(["structure", "method"])[["mean_px", "mean_mm"]].mean().unstack("method")
        agg.columns = [f"{value}_{method}" for value, method in agg.columns]  # flat markdown headers
        lines += ["### SPAN frames: traced structure -> same predicted structure (target <= 1.5 px)", "",
                  markdown_table(agg.round(2), index=True), "",
                  f"Per frame: `{(OUT / 'segmentation_real_span.csv').name}`.", ""]
    try:
        ph = phantom_table(methods=METHODS, per_matrix=phantom_per_matrix)
        ph.to_csv(OUT / "segmentation_real_phantom.csv", index=False)
        which = "all sessions" if phantom_per_matrix is None else f"first {phantom_per_matrix} per matrix"
        agg = ph.groupby(["matrix", "method"])[["airway_dice", "velum_dice", "airway_dice_port_shut"]
                                                ].mean().unstack("method")
        agg.columns = [f"{value}_{method}" for value, method in agg.columns]
        shut = ph[ph.method == ph.method.iloc[0]]
        lines += [f"### Phantom (demo set, {which}; targets: airway Dice >= 0.93, velum >= 0.80)",
                  "",
                  markdown_table(agg.round(3), index=True), "",
                  "`airway_dice_port_shut`: the same, over the frames whose velopharyngeal port is shut "
                  f"({int(shut.port_shut_frames.sum())} of {int(shut.frames.sum())}), where the "
                  "phantom's airway rule (the nasal cavity joins through an open port, as `DESIGN.md`) "
                  "and the net's (closed at the velopharyngeal line, as the real annotations) agree.", ""]
    except Exception as exc:  # the demo set may be missing on a bare checkout
        lines += [f"Phantom skipped: {type(exc).__name__}: {exc}", ""]
    if (REAL / "iisc_dev").is_dir():
        r = pd.concat([robustness_table()]
                      + ([robustness_floor_table()] if TOOL.is_dir() else []), ignore_index=True)
        r.to_csv(OUT / "segmentation_real_robustness.csv", index=False)
        agg = r.groupby(["transform", "method"])[["boundary_change_px", "boundary_change_p95_px"]
                                                 ].mean().unstack("method")
        agg.columns = [f"{value}_{method}" for value, method in agg.columns]
        lines += ["### Robustness (net; first 24 frames of one clip per speaker; target <= 0.3 px)", "",
                  markdown_table(agg.round(3), index=True), "",
                  "`truth_floor`: the manual airway rasterised on both grids and compared the same way "
                  "(no segmenter): the change a perfect segmenter would show, from pixel staircases alone "
                  "(0 where the transform maps pixels onto pixels; not computed for the on-disk "
                  "orientation, which the reader undoes).", ""]
    return lines


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--iisc-only", nargs="*", default=None, metavar="METHOD",
                    help="only run the iisc_dev table for these methods (writes their CSVs) and exit")
    ap.add_argument("--reuse", nargs="*", default=[], metavar="METHOD",
                    help="read these methods' iisc_dev rows from an earlier run's CSV")
    ap.add_argument("--phantom-per-matrix", type=int, default=None,
                    help="score only the first N demo sessions of each matrix size")
    a = ap.parse_args()
    if a.iisc_only is not None:
        print(iisc_table(tuple(a.iisc_only)).round(3).to_string())
        raise SystemExit(0)
    lines = real_tables(tuple(a.reuse), a.phantom_per_matrix)
    (OUT / "segmentation_real.md").write_text("\n".join(lines))
    print("\n".join(lines))
