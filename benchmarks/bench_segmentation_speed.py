"""Segmentation + measures speed and peak memory at three matrix sizes, one process, one core.

Run ``python benchmarks/bench_segmentation_speed.py``; writes
``benchmarks/results/segmentation_speed.md`` (+ ``.csv``). Both methods: ``net`` (the learned
segmenter, onnxruntime single-threaded) and ``classic``; BLAS/OpenMP pools are limited to one thread.

Input: the real USC video ``s2_study6_3.avi`` (68x68, 2.9 mm) resampled (cubic) to 84x84 and
136x136 with the pixel size scaled to keep the field of view, so every size shows the same
anatomy; without the real data folder a synthetic tract image stack is used. Peak memory is the
tracemalloc peak of Python/numpy allocations during ``segment`` + ``measure``, reported for two
sequence lengths (at 128x128 up to three times the video) to show that working memory beyond
the uint8 label output does not grow with length (frames are processed in chunks, the reference
image uses at most 150 frames).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import ndimage as ndi  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _markdown import markdown_table  # noqa: E402

import vtract  # noqa: E402
from vtract.measures import measure  # noqa: E402
from vtract.segmentation._net import segment_net  # noqa: E402

REAL = REPO.parent / "shared" / "data" / "real" / "usc_roi_toolbox" / "s2_study6_3.avi"
OUT = REPO / "benchmarks" / "results"


def _frames() -> tuple[np.ndarray, float, float, str]:
    if REAL.exists():
        seq = vtract.read_sequence(REAL, pixel_spacing_mm=2.9)
        return np.asarray(seq.frames), seq.fps, 2.9, REAL.name
    sys.path.insert(0, str(REPO / "tests" / "segmentation"))
    from synthetic import synthetic_sequence  # type: ignore[import-not-found]

    seq, _ = synthetic_sequence(n_frames=400, size=68)
    return np.asarray(seq.frames), seq.fps, seq.pixel_spacing_mm[0], "synthetic"


def _resized(frames: np.ndarray, size: int) -> np.ndarray:
    z = size / frames.shape[1]
    return np.stack([ndi.zoom(f, z, order=3) for f in frames]).astype(np.float32)


def _segment(seq: vtract.Sequence, method: str):
    if method == "net":
        return segment_net(seq, threads=1)
    return vtract.segment(seq, method=method)


def run_one(frames: np.ndarray, fps: float, mm: float, method: str) -> tuple[float, float, float]:
    seq = vtract.Sequence(frames, fps=fps, pixel_spacing_mm=(mm, mm))
    tracemalloc.start()
    t0 = time.perf_counter()
    seg = _segment(seq, method)
    measure(seg)
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seq.n_frames / dt, peak / 2**20, seg.labels.nbytes / 2**20


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    base, fps, mm0, src = _frames()
    rows = []
    # classic only at 84x84 for reference (its own speed table predates the learned segmenter)
    for method, size in [("net", 68), ("net", 84), ("net", 136), ("classic", 84)]:
        fr = base if size == base.shape[1] else _resized(base, size)
        mm = mm0 * base.shape[1] / size
        if size == 136:  # a long sequence (the video three times) to show memory stays flat
            fr = np.concatenate([fr, fr, fr])
        for n in (len(fr) // 3, len(fr)):
            # timing without tracemalloc overhead, then memory with it
            seq = vtract.Sequence(fr[:n], fps=fps, pixel_spacing_mm=(mm, mm))
            t0 = time.perf_counter()
            measure(_segment(seq, method))
            speed = n / (time.perf_counter() - t0)
            _, peak, lab = run_one(fr[:n], fps, mm, method)
            input_mb = fr[:n].nbytes / 2**20
            rows.append({"method": method, "matrix": f"{size}x{size}", "n_frames": n,
                         "frames_per_s": speed,
                         "peak_mb": peak, "input_frames_mb": input_mb, "labels_mb": lab,
                         "peak_minus_labels_mb": peak - lab})
    df = pd.DataFrame(rows)
    df.to_csv(OUT / "segmentation_speed.csv", index=False)
    lines = ["# Segmentation + measures speed", "",
             f"Regenerate: `python benchmarks/bench_segmentation_speed.py` (input: {src}; "
             "one process, one core (onnxruntime single-threaded for `net`); "
             "`peak_mb` = tracemalloc peak during segment + measure, excluding the "
             "input frames already in memory). Target: >= 100 frames/s at 84x84.", "",
             markdown_table(df.round(2)), ""]
    (OUT / "segmentation_speed.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
