"""Synthetic training generator (vtract.synth): anatomy versus real contours, speed, a montage.

Run ``python benchmarks/bench_synth.py [--n 400]``. Writes ``benchmarks/results/synth_anatomy.md``,
``synth_anatomy.csv`` (per-frame shape measures of the synthetic and SPAN frames; the IISc frames enter
the report as summary numbers only) and ``synth_montage.png``.

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

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _markdown import markdown_table
from PIL import Image
from scipy.io import loadmat
from scipy.spatial import cKDTree
from skimage.measure import points_in_poly

from vtract import labels as L
from vtract.synth import GENERATOR_VERSION, sample
from vtract.synth._labelmap import rasterise, tract_length_mm
from vtract.synth._pose import Grid, Placement, random_warp
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
        # The generator's smooth deformation and neck bend (rotation and shift do not change shapes).
        pl = Placement(sc, 0.0, (80.0, 100.0), float(rng.uniform(-12.0, 12.0)), random_warp(rng))
        sh = {name: pl(pts) for name, pts, _, _ in shapes}
        cv = {k: pl(v) for k, v in geom.curves.items()}
        velum = sh["velum"]
        a_curve = np.vstack([cv["palate_oral"], velum[:40]])
        r = shape_measures(a_curve, cv["wall_front"], [sh["tongue"]],
                           [sh["tongue"], sh["epiglottis"], sh["larynx"]], solids=[sh["tongue"]],
                           velum_tip=velum[39])
        r.update(_palate_shape(cv["palate_oral"]))
        maps = rasterise(geom, shapes, pl, Grid(100, 2.0, 4))
        r["airway_area_mm2"] = float((maps.labels == L.AIRWAY).sum() * 0.25)
        r["tract_length_mm"] = tract_length_mm(geom) * sc
        r["source"] = "synthetic"
        r["consonant"] = info["consonant"] or ""
        rows.append(r)
    return rows


def phantom_rows() -> list[dict]:
    """Baseline: the demo phantom's 4 subjects at its 6 vowel targets (``vtract.phantom``)."""
    from vtract.phantom import NEUTRAL, SUBJECTS, VOWELS, build_geometry  # noqa: PLC0415

    rows = []
    for subj in SUBJECTS.values():
        for v, target in VOWELS.items():
            g = build_geometry(subj, {**NEUTRAL, **target})
            sh = {x.name: x.points for x in g.shapes}
            cv = g.curves
            r = shape_measures(np.vstack([cv["palate_oral"], sh["velum"][:40]]), cv["wall_front"],
                               [sh["tongue"]], [sh["tongue"], sh["epiglottis"], sh["larynx"]],
                               solids=[sh["tongue"]], velum_tip=sh["velum"][39])
            r.update(_palate_shape(cv["palate_oral"]))
            shapes = [(x.name, x.points, "airway" if x.name == "envelope" else x.tissue,
                       L.BACKGROUND) for x in g.shapes]
            maps = rasterise(g, shapes, Placement(1.0, 0.0, (80.0, 100.0), 0.0), Grid(100, 2.0, 4))
            r["airway_area_mm2"] = float((maps.labels == L.AIRWAY).sum() * 0.25)
            r.update(source="demo phantom", consonant="", frame=f"{subj.subject_id}:{v}")
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


# ---------------------------------------------------------------------------------- speed
def speed(n: int, context: int, seed: int = 1) -> dict:
    """CPU and wall time per sample on this process (one core: BLAS/FFT threads set to 1 by main)."""
    rng = np.random.default_rng(seed)
    sample(rng, context=context)  # warm caches
    sizes = []
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        s = sample(rng, context=context)
        sizes.append(s.image.shape[1] * s.image.shape[2])
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    return {"context": context, "samples": n, "cpu_ms_per_sample": 1e3 * cpu / n,
            "samples_per_s_one_core": n / cpu, "wall_ms_per_sample": 1e3 * wall / n,
            "median_pixels": float(np.median(sizes)), "load_avg_1min": os.getloadavg()[0]}


# ---------------------------------------------------------------------------------- image statistics
IMAGE_STATS = ("snr", "sharpness_per_mm", "dark_fraction", "mean_rel")


def image_rows(n: int, seed: int = 3) -> list[dict]:
    """Per-frame image statistics (:mod:`vtract.phantom._realism`) of synthetic and real frames."""
    from vtract.phantom._realism import image_stats, real_frame_sets  # noqa: PLC0415

    rows = []
    rng = np.random.default_rng(seed)
    for _ in range(n):
        s = sample(rng)
        r = image_stats(s.image[0], s.spacing_mm)
        r.update(source="synthetic", mode=s.meta["appearance"]["mode"])
        rows.append(r)
    for name, (frames, sp) in real_frame_sets(REAL).items():
        src = "SPAN" if name.startswith("SPAN") else "USC videos"
        for f in frames[:: max(len(frames) // 60, 1)]:
            rows.append({**image_stats(f, sp), "source": src, "mode": "real"})
    return rows


def _image_summary(df: pd.DataFrame) -> pd.DataFrame:
    syn = df[df.source == "synthetic"]
    out = []
    for c in IMAGE_STATS:
        row = {"statistic": c}
        lo, hi = syn[c].quantile(0.05), syn[c].quantile(0.95)
        for src in ("synthetic", "USC videos", "SPAN"):
            v = df.loc[df.source == src, c].dropna()
            row[src] = f"{v.median():.3g} [{v.quantile(0.05):.3g}-{v.quantile(0.95):.3g}]"
            if src not in ("synthetic", "demo phantom"):
                row[f"{src} inside synthetic p5-p95"] = f"{100 * ((v >= lo) & (v <= hi)).mean():.0f} %"
        out.append(row)
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------------- montage
def _gray(a: np.ndarray, size: int) -> np.ndarray:
    """Frame scaled to [0, 255] (robust max), resized, as RGB."""
    a = np.asarray(a, float)
    a = np.clip((a - a.min()) / (np.percentile(a, 99.5) - a.min() + 1e-9), 0, 1)
    g = np.asarray(Image.fromarray((a * 255).astype(np.uint8)).resize((size, size), Image.BILINEAR))
    return np.repeat(g[..., None], 3, axis=2)


def _overlay(image: np.ndarray, labels: np.ndarray, size: int) -> np.ndarray:
    """Frame with the target labels blended in their display colours."""
    rgb = np.zeros(labels.shape + (3,), np.uint8)
    for v, c in L.LABEL_COLORS.items():
        rgb[labels == v] = c
    lab = np.asarray(Image.fromarray(rgb).resize((size, size), Image.NEAREST)).astype(float)
    g = _gray(image, size).astype(float)
    out = np.where(lab.sum(axis=2, keepdims=True) > 0, 0.45 * g + 0.55 * lab, g)
    return out.astype(np.uint8)


def montage(path: Path, seed: int = 2, size: int = 112) -> None:
    """Rows 1-2: real frames (two USC videos, SPAN); rows 3-6: synthetic frames, then with labels."""
    from vtract.io import read_sequence  # noqa: PLC0415

    real = []
    for f in sorted((REAL / "usc_roi_toolbox").glob("*.avi")):
        fr = read_sequence(f).frames
        real += [fr[k] for k in np.linspace(20, len(fr) - 20, 4).astype(int)]
    m = loadmat(REAL / "span_templates" / "template_struct.mat", squeeze_me=True,
                struct_as_record=False)
    real += [t.template.MRI for t in m["template_struct"]][:2]
    rows = [np.hstack([_gray(r, size) for r in real[i:i + 5]]) for i in (0, 5)]
    rng = np.random.default_rng(seed)
    syn = [sample(rng) for _ in range(10)]
    for i in (0, 5):
        rows.append(np.hstack([_gray(s.image[0], size) for s in syn[i:i + 5]]))
        rows.append(np.hstack([_overlay(s.image[0], s.labels, size) for s in syn[i:i + 5]]))
    Image.fromarray(np.vstack(rows)).save(path, optimize=True)


# ---------------------------------------------------------------------------------- report
MEASURES = ("d_palate_velum", "oral_area_mm2", "upper_arc_mm", "d_pharynx", "airway_area_mm2",
            "palate_chord_mm", "palate_vault_mm")


def _summary(df: pd.DataFrame, cols) -> pd.DataFrame:
    """Median [p5-p95] per source, and how many real frames fall inside the synthetic p5-p95 range."""
    syn = df[df.source == "synthetic"]
    out = []
    for c in cols:
        row = {"measure": c}
        lo, hi = syn[c].quantile(0.05), syn[c].quantile(0.95)
        for src in ("synthetic", "demo phantom", "SPAN", "IISc dev"):
            v = df.loc[df.source == src, c].dropna()
            row[src] = (f"{v.median():.1f} [{v.quantile(0.05):.1f}-{v.quantile(0.95):.1f}]"
                        if len(v) else "-")
            if src not in ("synthetic", "demo phantom"):
                row[f"{src} inside synthetic p5-p95"] = (f"{100 * ((v >= lo) & (v <= hi)).mean():.0f} %"
                                                         if len(v) else "-")
        out.append(row)
    return pd.DataFrame(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400, help="synthetic anatomies for the shape measures")
    ap.add_argument("--n-speed", type=int, default=200, help="samples timed per context")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    RESULTS.mkdir(exist_ok=True)
    rows = synthetic_rows(args.n, args.seed) + phantom_rows() + span_rows()
    have_iisc = (REAL / "iisc_dev").is_dir() and ATB.is_dir()
    if have_iisc:
        rows += iisc_rows()
    df = pd.DataFrame(rows)
    # Per-frame rows of the synthetic and SPAN sources only: nothing derived from the IISc
    # annotations (no licence) is stored beyond the summary numbers of the report.
    df[df.source != "IISc dev"].to_csv(RESULTS / "synth_anatomy.csv", index=False, float_format="%.3f")
    img = pd.DataFrame(image_rows(max(args.n // 2, 50)))
    spd = pd.DataFrame([speed(args.n_speed, 1), speed(max(args.n_speed // 2, 1), 3)])
    montage(RESULTS / "synth_montage.png")
    prof_a = df.groupby("source")[[f"A{i}" for i in range(N_A)]].median().T
    prof_a.index = [f"{10 * i}-{10 * (i + 1)} %" for i in range(N_A)]
    prof_b = df.groupby("source")[[f"B{i}" for i in range(int(B_LEN / B_STEP))]].median().T
    prof_b.index = [f"{int(B_STEP * i)}-{int(B_STEP * (i + 1))} mm" for i in range(len(prof_b))]
    syn = df[df.source == "synthetic"]
    vowels = syn[syn.consonant == ""]
    closed = (vowels[[f"A{i}" for i in range(N_A)]].min(axis=1) < 0.5).mean()
    text = f"""# Synthetic training generator: anatomy versus real contours, speed

Generated by `python benchmarks/bench_synth.py --n {args.n} --n-speed {args.n_speed} --seed {args.seed}`
(generator version {GENERATOR_VERSION}). Definitions of every measure: the module docstring of
`benchmarks/bench_synth.py`. Baseline: the demo phantom (`vtract.phantom`, 4 subjects x 6 vowel
targets, rasterised by the same code). Sources: {len(syn)} synthetic anatomies/articulations (`vtract.synth`,
{len(vowels)} of them vowels), the 3 hand-traced SPAN frames (one speaker, 2.4 mm pixels),
{int((df.source == "IISc dev").sum())} annotated IISc dev frames (3 speakers, 2.9 mm pixels;
**independent comparison only**: nothing in the generator is fitted to them).

## Shape measures (mm, mm^2): median [p5-p95]
{markdown_table(_summary(df, MEASURES))}

## Upper profile: palate/velum-to-tongue distance (mm, median) along the palate and velum
Arc position from the alveolar ridge (0 %) to the velum tip (100 %).

{markdown_table(prof_a.round(1), index=True)}

## Pharynx profile: wall-to-tongue/epiglottis distance (mm, median) below the velopharyngeal port

{markdown_table(prof_b.round(1), index=True)}

Vowel samples (no consonant gesture) with a tongue contact against palate or velum (distance < 0.5 mm
anywhere on the upper profile): {100 * closed:.1f} %.

## Image statistics per frame: median [p5-p95]
Definitions: `vtract.phantom._realism` (SNR from the darkest 15 % of pixels, sharpness = 90th
percentile of the gradient per mm over the signal, dark fraction = pixels below 15 % of the signal,
mean / signal). Real: every ~10th frame of the two USC ROI-toolbox videos (2.9 mm), the 3 SPAN frames.

{markdown_table(_image_summary(img))}

## Speed (one process; numpy/FFT/BLAS threads = 1)
`cpu_ms_per_sample` is the process CPU time (what one core delivers; the shared machine's load
inflates the wall time).

{markdown_table(spd)}

## Montage
`synth_montage.png`: rows 1-2 real frames (two USC ROI-toolbox videos, two SPAN frames), rows 3-6
synthetic samples at their native grids, each followed by the same frames with the target labels.
"""
    (RESULTS / "synth_anatomy.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
