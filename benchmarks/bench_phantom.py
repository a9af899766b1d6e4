"""Phantom demo data: build time, size, image realism versus real rtMRI, built-in group differences.

Run ``python benchmarks/bench_phantom.py [--workers 2] [--out DIR]``. Builds the quick and the full demo
sets from scratch (seed 0) into a temporary folder (or ``--out``), then writes
``benchmarks/results/phantom.md`` and ``phantom_stats.csv``:

* build wall time, summed CPU time of the workers, load average during the build, size on disk;
* SNR, noise, sharpness, dark fraction, mean level and histogram distance of phantom frames (per matrix)
  versus the real frames in ``../shared/data/real`` (USC 68x68 videos, SPAN 84x84 templates);
* the built-in group differences as measured from the ground truth (larynx height, jaw opening, lip
  aperture, vibrato extent, singer's-formant energy, belting F1/f0 tuning).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _markdown import markdown_table
from scipy.signal import stft

from vtract.datasets import make_demo
from vtract.io import read_audio, read_sequence
from vtract.manifest import load_manifest
from vtract.phantom._realism import compare_stats, real_frame_sets

RESULTS = Path(__file__).resolve().parent / "results"
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def _build(out: Path, variant: str, workers: int, reuse: bool) -> dict:
    load0 = os.getloadavg()[0]
    if not (reuse and (out / ".complete.json").exists()):
        make_demo(out, variant, seed=0, workers=workers)
    marker = json.loads((out / ".complete.json").read_text())  # times measured by make_demo
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"variant": variant, "sessions": len(marker["sessions"]), "workers": workers,
            "wall_s": marker["build_s"], "cpu_s": marker["cpu_s"], "size_mb": size / 1e6,
            "load_avg_before": load0, "load_avg_after": os.getloadavg()[0]}


def _group(entry) -> str:
    return entry.group.get("style") or entry.group.get("instrument")


def _band_ratio_db(path: str, voiced_times: np.ndarray) -> float:
    """Energy 2-4 kHz relative to 0-2 kHz (dB) of the clean audio in voiced analysis frames."""
    a = read_audio(path)
    f, t, z = stft(a.samples, fs=a.sample_rate_hz, nperseg=1024, noverlap=512)
    p = np.abs(z) ** 2
    keep = np.isin(np.round(t, 2), np.round(voiced_times, 2)) if voiced_times.size else slice(None)
    p = p[:, keep]
    hi = p[(f >= 2000) & (f < 4000)].sum()
    lo = p[(f >= 50) & (f < 2000)].sum()
    return float(10 * np.log10(hi / lo))


def group_differences(man) -> pd.DataFrame:
    rows = []
    for e in man.sessions:
        gt = man.resolved(e)["ground_truth"]
        m = pd.read_csv(gt["measures"])
        ac = pd.read_csv(gt["acoustics"])
        f0 = ac["f0_hz"].to_numpy()
        trend = pd.Series(f0).rolling(31, center=True, min_periods=31).median().to_numpy()
        cents = 1200 * np.log2(f0 / trend)
        voiced = ac.loc[ac["f0_hz"].notna(), "time_s"].to_numpy()
        row = {"session": e.id, "group": _group(e), "kind": e.group["kind"],
               "larynx_height_mm": m["larynx_height_mm"].median(),
               "jaw_opening_mm": m["jaw_opening_mm"].median(),
               "lip_aperture_mm": m["lip_aperture_mm"].median(),
               "pharynx_width_oro_mm": m["pharynx_width_oro_mm"].median(),
               "velum_opening_mm": m["velum_opening_mm"].mean(),
               "tract_length_mm": m["tract_length_mm"].median(),
               # peak vibrato extent ~ sqrt(2) x standard deviation of a sinusoid
               "vibrato_extent_cents": float(np.sqrt(2) * np.nanstd(cents))}
        if e.group["kind"] == "singing":
            row["sf_band_ratio_db"] = _band_ratio_db(gt["clean_audio"], voiced)
            ok = ac["f0_hz"].notna() & ac["f1_hz"].notna()
            row["f1_over_2f0"] = float(np.median(ac.loc[ok, "f1_hz"] / (2 * ac.loc[ok, "f0_hz"])))
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="build here (default: a temp folder)")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse complete builds in --out (their recorded build times are reported)")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory() if args.out is None else None
    out = Path(tmp.name) if tmp else args.out
    builds = [_build(out / "demo-quick", "quick", args.workers, args.reuse),
              _build(out / "demo", "full", args.workers, args.reuse)]
    man = load_manifest(out / "demo" / "manifest.yaml")

    # image statistics per matrix, phantom vs real
    sets: dict[str, tuple[np.ndarray, float]] = {}
    by_matrix: dict[int, list[np.ndarray]] = {}
    for e in man.sessions:
        seq = read_sequence(man.resolved(e)["sequence"])
        by_matrix.setdefault(seq.shape[0], []).append(seq.frames[::3])
    for mtx, fr in sorted(by_matrix.items()):
        sp = {68: 2.9, 84: 2.4, 128: 1.6}[mtx]
        sets[f"phantom {mtx}x{mtx} (all sessions)"] = (np.concatenate(fr), sp)
    real = real_frame_sets(REAL) if REAL.is_dir() else {}
    ref = {}
    for fr, _ in real.values():
        ref.setdefault(fr.shape[-1], fr)
    stats = compare_stats({**real, **sets}, reference=ref or None)
    per_group = []
    for e in man.sessions:
        seq = read_sequence(man.resolved(e)["sequence"])
        s = compare_stats({e.id: (seq.frames, seq.pixel_spacing_mm[0])}, reference=ref or None)
        s["group"] = _group(e)
        per_group.append(s)
    per_session = pd.concat(per_group, ignore_index=True)
    groups = group_differences(man)
    RESULTS.mkdir(exist_ok=True)
    pd.concat([stats.assign(level="matrix"), per_session.assign(level="session")]).to_csv(
        RESULTS / "phantom_stats.csv", index=False)

    g = groups.groupby("group").median(numeric_only=True)

    def d(col: str, a: str, b: str) -> float:
        return float(g.loc[a, col] - g.loc[b, col])

    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# Phantom demo data: build cost, realism versus real rtMRI, built-in group differences",
        "",
        f"Generated by `benchmarks/bench_phantom.py` on {stamp}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs (shared with other jobs: see the load average).",
        "",
        "## Build (seed 0, from scratch)",
        "",
        "CPU time is the sum over worker processes; on 2 otherwise idle cores the wall time is about "
        "half of it.",
        "",
        markdown_table(pd.DataFrame(builds), ".1f"),
        "",
        "## Image statistics, phantom versus real frames",
        "",
        "Definitions in `vtract/phantom/_realism.py`: SNR = 95th-percentile signal / Rician noise sigma "
        "of the darkest 15 % of pixels; sharpness = 90th-percentile gradient (per mm) in tissue / "
        "signal; `hist_dist_to_real` = Wasserstein distance of signal-normalised intensities to the "
        "real frames of the same matrix (the two real USC videos differ from each other by ~0.06).",
        "",
        markdown_table(stats, ".3f"),
        "",
        "Per group (median over sessions):",
        "",
        markdown_table(per_session.groupby("group")[[c for c in ("snr", "sharpness_per_mm", "mean_rel",
                                                            "hist_dist_to_real")
                                                  if c in per_session]].median(), ".3f", index=True),
        "",
        "## Built-in group differences, measured from the ground truth",
        "",
        "Median per group of the per-session medians (documented sizes: `vtract/phantom/_styles.py`).",
        "",
        markdown_table(g, ".2f", index=True),
        "",
        f"* larynx height classical - belting: {d('larynx_height_mm', 'classical', 'belting'):.1f} mm",
        f"* jaw opening belting - classical: {d('jaw_opening_mm', 'belting', 'classical'):.1f} mm",
        f"* vibrato extent classical / belting: {g.loc['classical', 'vibrato_extent_cents']:.0f} / "
        f"{g.loc['belting', 'vibrato_extent_cents']:.0f} cents",
        f"* lip aperture flute - trumpet: {d('lip_aperture_mm', 'flute', 'trumpet'):.1f} mm",
        f"* 2-4 kHz / 0-2 kHz energy of the clean voice, classical - pop: "
        f"{d('sf_band_ratio_db', 'classical', 'pop'):.1f} dB",
        f"* F1 / (2 f0): belting {g.loc['belting', 'f1_over_2f0']:.2f}, classical "
        f"{g.loc['classical', 'f1_over_2f0']:.2f}",
        "",
    ]
    (RESULTS / "phantom.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
