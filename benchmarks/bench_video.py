"""Video rendering speed: frames/s at 720 px, compositing alone and end-to-end with encoding.

Regenerates ``benchmarks/results/video_speed.md`` and ``video_speed.csv``::

    python benchmarks/bench_video.py              # 300 frames of 84x84 (USC 2015 matrix)
    python benchmarks/bench_video.py --frames 100 # quicker

One core: BLAS is limited to one thread before numpy is imported and x264 runs with ``threads=1``.
The session is synthetic (seeded) with anatomy-sized label shapes that move every frame (tongue,
hard palate, velum, airway), so every frame's contours are recomputed; the real USC frames in
``../shared/data/real`` are used as well when present (68x68, their own intensities, same labels
resampled to their matrix).

Rows:
- ``panel``: MRI upscaled to 720 px height + 4 antialiased contours + legend (the composite hot path).
- ``frame``: the whole output frame: panel + strip copy + cursor + time text.
- ``frame (cross-fade)``: as ``frame`` at fractional positions (two frames and two masks blended).
- ``end-to-end``: ``render_video`` (strip pre-render, audio, H.264 + AAC encoding, one x264 thread).

Rates are given per wall-clock second and per CPU second (this process + FFmpeg): on a loaded
shared machine the CPU-time rate is what one dedicated core sustains.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
REAL_AVI = HERE.parent.parent / "shared" / "data" / "real" / "usc_roi_toolbox" / "s2_study6_3.avi"


def synthetic_labels(n: int, shape: tuple[int, int]) -> np.ndarray:
    """Moving anatomy-sized shapes on an (ny, nx) grid, scaled from an 84x84 layout."""
    from vtract.labels import AIRWAY, HARD_PALATE, TONGUE, VELUM

    ny, nx = shape
    yy, xx = np.mgrid[:ny, :nx] * (84.0 / ny)
    lab = np.zeros((n, ny, nx), np.uint8)
    for k in range(n):
        ph = 2 * np.pi * k / 40
        lab[k][(xx > 50 + 2 * np.sin(ph)) & (xx < 58) & (yy > 28) & (yy < 75)] = AIRWAY
        lab[k][(xx > 20) & (xx < 50) & (yy > 38 + 3 * np.sin(ph)) & (yy < 44)] = AIRWAY
        lab[k][((yy - 52) / 13) ** 2 + ((xx - 38 - 2 * np.cos(ph)) / 15) ** 2 <= 1] = TONGUE
        lab[k][(xx > 18) & (xx < 42) & (yy > 30) & (yy < 34) & (yy > 30 + 0.05 * (xx - 18))] = HARD_PALATE
        lab[k][(xx >= 42) & (xx < 52) & (yy > 31 + 0.3 * (xx - 42) + np.sin(ph)) &
               (yy < 35 + 0.35 * (xx - 42) + np.sin(ph))] = VELUM
    return lab


def make_session(n: int, shape=(84, 84), frames=None, fps: float = 83.28):
    from vtract import Audio, Sequence, Session

    rng = np.random.default_rng(0)
    lab = synthetic_labels(n, shape)
    if frames is None:
        frames = 0.15 + 0.1 * rng.random((n, *shape), dtype=np.float32)
        frames[lab == 2] += 0.5
        frames[lab == 3] += 0.3
    seq = Sequence(frames[:n], fps=fps, pixel_spacing_mm=(200 / shape[0], 200 / shape[1]))
    sr = 16000
    t = np.arange(int((seq.duration_s + 0.5) * sr)) / sr
    x = 0.2 * np.sin(2 * np.pi * (220 * t + 3 * np.sin(2 * np.pi * 5 * t)))
    s = Session(seq, Audio(x, sr), audio_offset_s=0.1, session_id="bench")
    ta = np.arange(0, t[-1], 0.01)
    ac = pd.DataFrame({"time_s": ta, "f0_hz": 220 + 15 * np.sin(2 * np.pi * 5 * ta),
                       "f1_hz": 700.0, "f2_hz": 1100.0, "f3_hz": 2600.0, "f4_hz": 3400.0})
    me = pd.DataFrame({"frame": np.arange(n), "time_s": seq.times,
                       "larynx_height_mm": 60 + 3 * np.sin(seq.times * 4),
                       "lip_aperture_mm": 8 + 2 * np.cos(seq.times * 6)})
    return s, lab, ac, me


REPEATS = 3


def cpu_s() -> float:
    """CPU time (s) of this process plus its finished children (FFmpeg)."""
    import resource

    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def time_loop(fn, n: int, repeats: int = REPEATS) -> tuple[float, float]:
    """Best frames/s over ``repeats`` runs of ``n`` calls: per wall second and per CPU second."""
    fn(0)  # warm-up (first-call allocations, glyph cache)
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), cpu_s()
        for j in range(n):
            fn(j)
        wall.append(n / (time.perf_counter() - t0))
        cpu.append(n / (cpu_s() - c0))
    return max(wall), max(cpu)


def bench_one(name: str, session, lab, ac, me, size: int, n: int, tmp: Path) -> list[dict]:
    from vtract.video import render_video
    from vtract.video._view import SessionView

    seq = session.sequence
    view = SessionView(session, seq.t0_s, seq.t0_s + seq.duration_s, labels=lab, acoustics=ac,
                       measures=me, size=size, title="bench")
    panel = np.zeros((view.panel.height, view.width, 3), np.uint8)
    frame = np.zeros((view.height, view.width, 3), np.uint8)
    nf = seq.n_frames
    rows = []
    cases = [("panel", f"{view.width}x{view.panel.height}",
              lambda j: view.panel.render_into(panel, float(j % nf))),
             ("frame", f"{view.width}x{view.height}",
              lambda j: view.render_into(frame, float(seq.times[j % nf]))),
             ("frame (cross-fade)", f"{view.width}x{view.height}",
              lambda j: view.render_into(frame, float(seq.times[j % nf]) + 0.37 / seq.fps))]
    for path, px, fn in cases:
        wall, cpu = time_loop(fn, n)
        rows.append({"data": name, "path": path, "size_px": px, "frames_per_wall_s": wall,
                     "frames_per_cpu_s": cpu})
    import av

    wall, cpu = [], []
    for _ in range(2):
        t0, c0 = time.perf_counter(), cpu_s()
        out = render_video(session, tmp / f"{name}.mp4", labels=lab, acoustics=ac, measures=me,
                           size=size, fps_out=seq.fps, threads=1)
        dt, dc = time.perf_counter() - t0, cpu_s() - c0
        with av.open(str(out)) as c:
            nf_out = c.streams.video[0].frames
        wall.append(nf_out / dt)
        cpu.append(nf_out / dc)
    rows.append({"data": name, "path": "end-to-end (x264 veryfast, 1 thread)",
                 "size_px": f"{view.width}x{view.height}", "frames_per_wall_s": max(wall),
                 "frames_per_cpu_s": max(cpu)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300, help="frames per measurement")
    ap.add_argument("--size", type=int, default=720, help="MRI panel height in pixels")
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        s, lab, ac, me = make_session(args.frames)
        rows += bench_one("synthetic 84x84", s, lab, ac, me, args.size, args.frames, tmp)
        if REAL_AVI.is_file():
            from vtract.io import read_sequence

            real = read_sequence(REAL_AVI, pixel_spacing_mm=2.9)
            n = min(args.frames, real.n_frames)
            s, lab, ac, me = make_session(n, real.shape, np.array(real.frames[:n]), fps=real.fps)
            rows += bench_one("USC s2_study6_3 68x68", s, lab, ac, me, args.size, n, tmp)
    df = pd.DataFrame(rows)
    df = df.round({"frames_per_wall_s": 1, "frames_per_cpu_s": 1})
    RESULTS.mkdir(parents=True, exist_ok=True)
    df.to_csv(RESULTS / "video_speed.csv", index=False)
    import numpy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    md = [
        "# Video rendering speed",
        "",
        f"Generated by `python benchmarks/bench_video.py --frames {args.frames} --size {args.size}` "
        f"on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average before the run "
        f"{load_before:.2f} ({os.cpu_count()} cores shared with other jobs).",
        f"CPU: {cpu}; one core (BLAS 1 thread, x264 `threads=1`); Python {platform.python_version()}, "
        f"numpy {numpy.__version__}.",
        "",
        f"MRI panel height {args.size} px (width from the pixel aspect), strip {args.size // 3} px "
        "below; 4 structures outlined (airway with a faint fill, hard palate, velum, tongue), every "
        "frame's contours recomputed. Target: >= 60 frames/s for the composite path.",
        "",
        df.to_markdown(index=False) if _has_tabulate() else df.to_string(index=False),
        "",
        "`panel` and `frame` exclude encoding; `end-to-end` is `vtract.render_video` wall time from "
        "call to finished MP4 (strip pre-render with matplotlib, audio WAV, FFmpeg H.264 + AAC mux, "
        "`+faststart`) divided into the number of frames written. `frames_per_cpu_s` divides by the CPU "
        "time used (this process plus FFmpeg's), i.e. the rate one dedicated core would sustain; it "
        "is the robust number on a shared, loaded machine. `frames_per_wall_s` is wall-clock (FFmpeg "
        "runs in its own process, so compositing and encoding overlap when a second core is free). "
        "Best of 3 runs (2 for end-to-end).",
        "",
    ]
    (RESULTS / "video_speed.md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
