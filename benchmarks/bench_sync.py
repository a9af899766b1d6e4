"""Accuracy of ``vtract sync`` / :func:`vtract.synchronize` on three kinds of data.

Run ``python benchmarks/bench_sync.py`` (about 10 minutes on one core). Writes
``benchmarks/results/sync_accuracy.md`` and ``sync_accuracy.csv``; every row names its data:

1. ``sim``: vtract's own realistic simulator (:func:`vtract.acoustics.scanner_recording`), one
   case per hard feature (rotating read-outs, jitter/drift, dummy scans, localiser, hum, early
   stop, late audio, clock drift +-200 ppm), 16 kHz, -3 dB voice-to-noise.
2. ``vtl_dev``: the independent VocalTractLab set (``../shared/data/vtl_dev``), scored by its own
   ``sync_eval.py`` running the ``vtract sync`` command (basic and hard sets), plus the script's
   two naive baselines (``--baseline``) as reference rows.
3. ``usc_timit_av``: the real USC-TIMIT recording (``../shared/data/real/usc_timit_av``,
   noise-cancelled audio, aligned at 0) cut or padded by known offsets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _markdown import markdown_table  # noqa: E402

from vtract import Sequence, Session  # noqa: E402
from vtract.acoustics import scanner_recording, synth_vowel  # noqa: E402
from vtract.sync import synchronize  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
SHARED = ROOT.parent / "shared" / "data"

SIM_CASES = {  # feature: scanner_recording keywords (offset s, duration s defaults below)
    "cartesian": dict(readout="cartesian"),
    "interleaved (13)": dict(readout="interleaved"),
    "golden angle": dict(readout="golden"),
    "gain jitter 8 % + drift 3 dB": dict(gain_jitter=0.08, gain_drift_db=3.0),
    "6 dummy scans": dict(dummy_scans=6, offset=1.1),
    "localiser (TR 9 ms)": dict(localiser_tr_s=0.009, offset=1.6, dur=4.2),
    "pre-scan hum": dict(prescan_hum=True, offset=1.0),
    "scan stops early": dict(n_frames=40),
    "audio starts 0.4 s late (golden)": dict(offset=-0.4, readout="golden", dur=2.8),
    "clock -200 ppm + 4 dummy": dict(drift_ppm=-200.0, dummy_scans=4, offset=0.9),
    "clock +200 ppm + 4 dummy": dict(drift_ppm=200.0, dummy_scans=4, offset=0.9),
}


def sim_rows() -> list[dict]:
    rows = []
    for name, kw in SIM_CASES.items():
        kw = dict(kw)
        offset, dur = kw.pop("offset", 0.8), kw.pop("dur", 3.6)
        n_frames = kw.pop("n_frames", 60)
        voice = synth_vowel(f0_hz=140.0, formants_hz=(650.0, 1200.0, 2500.0, 3400.0),
                            duration_s=dur, sample_rate_hz=16000.0, jitter=0.003, seed=3)
        rec = scanner_recording(voice, fps=25.0, trs_per_frame=4, n_frames=n_frames,
                                audio_offset_s=offset, snr_db=-3.0, seed=5, **kw)
        seq = Sequence(np.zeros((n_frames, 8, 8), np.float32), fps=25.0,
                       pixel_spacing_mm=(2.0, 2.0))
        r = synchronize(Session(seq, audio=rec, session_id="sim"), use_images=False)
        truth = rec.metadata["truth"]
        rows.append({"data": "sim (vtract scanner_recording)", "case": name,
                     "estimator": "vtract sync", "err_ms": (r.audio_offset_s - offset) * 1e3,
                     "drift_err_ppm": r.drift_ppm - truth["drift_ppm"], "method": r.method})
    return rows


def vtl_rows() -> list[dict]:
    ev = SHARED / "vtl_dev" / "sync_eval.py"
    if not ev.exists():
        return []
    rows = []
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        runs = {"vtract sync": ["--cmd", "vtract sync {seq} {wav} -o {out} --report {report}"],
                "baseline": ["--baseline"]}
        for label, args in runs.items():
            js = Path(tmp) / f"{label.replace(' ', '_')}.json"
            subprocess.run([sys.executable, str(ev), *args, "--json", str(js),
                            "--work", str(Path(tmp) / label.replace(" ", "_"))],
                           check=False, env=env, cwd=ROOT, capture_output=True)
            if not js.exists():
                continue
            res = json.loads(js.read_text())
            for mode, d in res.items():
                if not isinstance(d, dict):
                    continue
                for key in ("cases", "cases_hard"):
                    for c in d.get(key, []):
                        est = label if label != "baseline" else f"baseline {mode}"
                        kind = "hard" if key == "cases_hard" else "basic"
                        err = c.get("err_ms")
                        rows.append({"data": f"vtl_dev {kind}", "case": c.get("name"),
                                     "estimator": est,
                                     "err_ms": np.nan if err is None else err,
                                     "drift_err_ppm": c.get("drift_err_ppm", np.nan),
                                     "method": c.get("method", "")})
    return rows


def usc_rows(shifts=(-0.5, -0.1, 0.0, 0.25, 1.0)) -> list[dict]:
    root = SHARED / "real" / "usc_timit_av"
    if not root.exists():
        return []
    from vtract.io import read_audio, read_sequence

    seq = read_sequence(root / "lac12112011_13_30_52.avi")
    a = read_audio(root / "lac12112011_13_30_52.wav")
    rows = []
    for sh in shifts:
        k = int(round(abs(sh) * a.sample_rate_hz))
        x = np.concatenate([np.zeros(k), a.samples]) if sh > 0 else a.samples[k:]
        r = synchronize(Session(seq, audio=a.replace(samples=x), session_id="usc"))
        rows.append({"data": "usc_timit_av (real, noise-cancelled)", "case": f"shift {sh:+.2f} s",
                     "estimator": "vtract sync", "err_ms": (r.audio_offset_s - sh) * 1e3,
                     "drift_err_ppm": r.drift_ppm, "method": r.method})
    return rows


def main() -> None:
    t0 = time.time()
    rows = sim_rows() + usc_rows() + vtl_rows()
    df = pd.DataFrame(rows)
    RESULTS.mkdir(exist_ok=True)
    df.to_csv(RESULTS / "sync_accuracy.csv", index=False)
    summ = (df.assign(abs_err_ms=df["err_ms"].abs())
            .groupby(["data", "estimator"], sort=False)["abs_err_ms"]
            .agg(n="size", median_ms="median", max_ms="max").reset_index())
    usc = df[df["data"].str.startswith("usc")]
    spread = float(usc["err_ms"].max() - usc["err_ms"].min()) if len(usc) else float("nan")
    text = ["# Audio-frame synchronisation accuracy", "",
            "Regenerate: `python benchmarks/bench_sync.py` (PYTHONPATH at the repo root). "
            "`err_ms` = estimated - true `audio_offset_s`; drift error in ppm.", "",
            "## Summary (|error|, ms)", "", markdown_table(summ, ".3g"), "",
            f"usc_timit_av: spread of the errors over the shifts {spread:.2f} ms "
            "(target: every shift within half a frame, 21.6 ms; spread <= 2 ms).", "",
            "## Per case", "", markdown_table(df, ".3g"), "",
            f"Run time {time.time() - t0:.0f} s."]
    (RESULTS / "sync_accuracy.md").write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
