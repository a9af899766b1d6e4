"""Speed of ``analyze_audio`` on one hour of 20 kHz audio (chunked, worker processes).

Run ``python benchmarks/bench_acoustics_speed.py [--minutes 60] [--jobs 2]``. Writes
``benchmarks/results/acoustics_speed.md`` and ``acoustics_speed.csv``. The recording is a
60 s synthetic sung vowel with gradient noise, tiled to the requested length.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from vtract import Audio
from vtract.acoustics import add_gradient_noise, analyze_audio, suppress_mri_noise, synth_vowel

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--voice", default="speech")
    args = ap.parse_args()
    sr = 20000.0
    base = synth_vowel(f0_hz=180.0, duration_s=60.0, vibrato_rate_hz=5.5,
                       vibrato_extent_cents=40.0, sample_rate_hz=sr)
    base = add_gradient_noise(base, fps=50.0, onset_s=0.5, snr_db=0.0)
    reps = int(np.ceil(args.minutes))
    x = np.tile(base.samples, reps)[: int(args.minutes * 60 * sr)]
    audio = Audio(x, sr, source=f"synthetic {args.minutes:g} min")
    rows = []
    load0 = os.getloadavg()[0]
    # single process on a 5-minute excerpt (extrapolated), both HNR methods
    ex = audio.crop(0, min(300.0, audio.duration_s))
    for hnr in ("cc", "pitch"):
        t0 = time.perf_counter()
        c0 = time.process_time()
        df1 = analyze_audio(ex, voice=args.voice, n_jobs=1, hnr_method=hnr)
        t1 = time.perf_counter() - t0
        rows.append({"case": f"1 process, 5 min excerpt, hnr_method={hnr!r}",
                     "audio_s": ex.duration_s, "wall_s": t1,
                     "cpu_s": time.process_time() - c0,
                     "s_per_audio_hour": t1 / ex.duration_s * 3600, "frames": len(df1)})
    t0 = time.perf_counter()
    df = analyze_audio(audio, voice=args.voice, n_jobs=args.jobs, hnr_method="pitch")
    tj = time.perf_counter() - t0
    rows.append({"case": f"{args.jobs} processes, full length, hnr_method='pitch'",
                 "audio_s": audio.duration_s, "wall_s": tj, "cpu_s": np.nan,
                 "s_per_audio_hour": tj / audio.duration_s * 3600, "frames": len(df)})
    ex2 = audio.crop(0, min(300.0, audio.duration_s))
    t0 = time.perf_counter()
    suppress_mri_noise(ex2, fps=50.0)  # default method ("hybrid")
    ts = time.perf_counter() - t0
    rows.append({"case": "suppress_mri_noise (default: hybrid), 5 min excerpt",
                 "audio_s": ex2.duration_s, "wall_s": ts, "cpu_s": np.nan,
                 "s_per_audio_hour": ts / ex2.duration_s * 3600, "frames": np.nan})
    load1 = os.getloadavg()[0]
    res = pd.DataFrame(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    res.to_csv(RESULTS / "acoustics_speed.csv", index=False, float_format="%.4g")
    lines = ["# Acoustics speed", "",
             f"Regenerate: `python benchmarks/bench_acoustics_speed.py --minutes {args.minutes:g} "
             f"--jobs {args.jobs} --voice {args.voice}`.", "",
             f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical "
             f"cores, load average {load0:.1f} before / {load1:.1f} after (shared machine: "
             "other processes compete for the cores).", "",
             f"Settings: voice={args.voice!r}, time step 0.01 s, 60 s chunks; every chunk "
             "computes pitch (ac), Burg formants and bandwidths, intensity, harmonicity "
             "(Praat cc analysis, or from the pitch strengths with hnr_method='pitch'), power "
             "cepstrogram (CPP) and spectrogram (tilt). 'cpu s' is this process's CPU time "
             "(single-process rows), a load-independent measure.", "",
             "| case | audio s | wall s | cpu s | s per audio hour (wall) | output frames |",
             "|---|---|---|---|---|---|"]
    for _, r in res.iterrows():
        fr = "" if not np.isfinite(r["frames"]) else f"{int(r['frames'])}"
        cpu = "" if not np.isfinite(r["cpu_s"]) else f"{r['cpu_s']:.1f}"
        lines.append(f"| {r['case']} | {r['audio_s']:.0f} | {r['wall_s']:.1f} | {cpu} | "
                     f"{r['s_per_audio_hour']:.1f} | {fr} |")
    lines.append("")
    (RESULTS / "acoustics_speed.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
