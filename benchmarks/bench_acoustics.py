"""Accuracy of vtract's acoustics, MRI-noise suppression and audio-frame synchronisation.

Run ``python benchmarks/bench_acoustics.py`` (a few minutes on one core). Writes
``benchmarks/results/acoustics_accuracy.md`` and ``acoustics_accuracy.csv``.

Sections
--------
1. f0 (cents) and F1-F3 (Hz, %) errors on synthetic sustained vowels (source-filter: harmonic
   source through known resonators, with vibrato and jitter) with frame-periodic gradient noise,
   without and with each suppression method.
2. Offset estimation error (ms) across offsets (positive and negative), frame rates (23, 50,
   83 fps), gradient-noise levels and clock drift, plus the drift estimate.
3. The phantom demo set (``vtract.datasets``), when importable: noisy vs clean-audio truth and
   the true audio offset of each session.
4. The real recording ``../shared/data/real/arctic/arctic_a0007.wav``: agreement of
   ``analyze_audio`` pitch with Praat's defaults.

``--only independent`` writes ``acoustics_independent.md/.csv``: one table over vtract's own
realistic simulator (:func:`vtract.acoustics.scanner_recording`), the VocalTractLab dev set
(``../shared/data/vtl_dev``, scored by its ``acoustics_eval.py``: vowels, glide, in-scanner,
with and without ``--fps``, Praat's defaults as the reference row) and the real USC-TIMIT
recording (f0 agreement with Praat's defaults; no formant truth there).
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from vtract import Audio, Sequence, Session
from vtract.acoustics import add_gradient_noise, analyze_audio, suppress_mri_noise, synth_vowel
from vtract.errors import VtractError, VtractWarning
from vtract.sync import synchronize

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
REAL = HERE.parent.parent / "shared" / "data" / "real"

VOWELS = {  # name: (f0 Hz, formants Hz, voice preset)
    "a_130Hz_tenor": (130.0, (700.0, 1220.0, 2600.0, 3500.0, 4500.0), "tenor"),
    "i_130Hz_tenor": (130.0, (300.0, 2300.0, 3000.0, 3700.0, 4600.0), "tenor"),
    "u_110Hz_baritone": (110.0, (320.0, 800.0, 2400.0, 3400.0, 4400.0), "baritone"),
    "a_220Hz_alto": (220.0, (750.0, 1250.0, 2700.0, 3600.0, 4600.0), "alto"),
    "o_330Hz_soprano": (330.0, (520.0, 900.0, 2700.0, 3500.0, 4600.0), "soprano"),
}


def vowel_errors(audio: Audio, f0: float, formants, voice: str) -> dict[str, float]:
    """Median absolute errors over the sustained middle of the vowel (voiced frames)."""
    df = analyze_audio(audio, voice=voice)
    mid = df[(df["time_s"] > 0.6) & (df["time_s"] < audio.duration_s - 0.2)]
    f0e = np.abs(1200 * np.log2(mid["f0_hz"] / f0))
    out = {"f0_err_cents": float(np.nanmedian(f0e)) if f0e.notna().any() else np.nan,
           "voiced_frac": float(mid["f0_hz"].notna().mean())}
    for k in (1, 2, 3):
        e = np.abs(mid[f"f{k}_hz"] - formants[k - 1])
        out[f"f{k}_err_hz"] = float(np.nanmedian(e))
        out[f"f{k}_err_pct"] = float(np.nanmedian(e / formants[k - 1] * 100))
    return out


def section_vowels(rows: list[dict]) -> None:
    for name, (f0, fm, voice) in VOWELS.items():
        clean = synth_vowel(f0_hz=f0, formants_hz=fm, duration_s=3.0, jitter=0.003,
                            vibrato_rate_hz=5.5, vibrato_extent_cents=30.0, seed=3)
        # vibrato: compare with the true contour, not the note's centre
        for snr in (None, 0.0, -10.0):
            noisy = clean if snr is None else add_gradient_noise(clean, fps=23.0, onset_s=0.5,
                                                                 snr_db=snr, seed=7)
            methods = ["none"] if snr is None else ["none", "hybrid", "periodic", "spectral",
                                                      "comb"]
            for m in methods:
                a = noisy if m == "none" else suppress_mri_noise(noisy, fps=23.0,
                                                                 method=m)
                err = _vowel_errors_vibrato(a, clean, fm, voice)
                cond = "clean" if snr is None else f"snr {snr:+.0f} dB"
                for k, v in err.items():
                    rows.append({"section": "vowels", "case": name, "noise": cond,
                                 "suppression": m, "metric": k, "value": v})


def _vowel_errors_vibrato(a: Audio, clean: Audio, fm, voice: str) -> dict[str, float]:
    df = analyze_audio(a, voice=voice)
    true_f0 = np.interp(df["time_s"], clean.times, clean.metadata["f0_hz"])
    mid = (df["time_s"] > 0.6) & (df["time_s"] < a.duration_s - 0.2)
    d = df[mid]
    f0e = np.abs(1200 * np.log2(d["f0_hz"] / true_f0[mid]))
    out = {"f0_err_cents": float(np.nanmedian(f0e)) if f0e.notna().any() else np.nan,
           "voiced_frac": float(d["f0_hz"].notna().mean())}
    for k in (1, 2, 3):
        e = np.abs(d[f"f{k}_hz"] - fm[k - 1])
        out[f"f{k}_err_hz"] = float(np.nanmedian(e))
        out[f"f{k}_err_pct"] = float(np.nanmedian(e / fm[k - 1] * 100))
    return out


def section_offsets(rows: list[dict]) -> None:
    base = synth_vowel(f0_hz=150.0, formants_hz=(650.0, 1100.0, 2500.0, 3500.0, 4500.0),
                       duration_s=5.0, vibrato_rate_hz=5.0, vibrato_extent_cents=40.0, seed=5)
    for fps in (23.0, 50.0, 83.0):
        for off in (-0.4, 0.0831, 0.5123, 1.2049):
            for snr in (-10.0, 0.0, 5.0):
                for drift in (0.0, 100.0):
                    n = int(3.2 * fps)
                    noisy = add_gradient_noise(base, fps=fps, onset_s=off, n_frames=n,
                                               drift_ppm=drift, snr_db=snr, seed=11)
                    s = Session(Sequence(np.zeros((n, 4, 4), np.float32), fps=fps),
                                audio=noisy, session_id="bench")
                    t0 = time.perf_counter()
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", VtractWarning)
                            r = synchronize(s)
                        err = (r.audio_offset_s - off) * 1e3
                        method, conf, dr = r.method, r.confidence, r.drift_ppm
                    except VtractError as exc:
                        err, method, conf, dr = np.nan, f"failed: {exc}"[:40], 0.0, np.nan
                    dt = time.perf_counter() - t0
                    case = f"fps {fps:g}, offset {off:+.4f} s, snr {snr:+.0f} dB, drift {drift:g}"
                    for k, v in (("offset_err_ms", err), ("drift_est_ppm", dr),
                                 ("drift_err_ppm", dr - drift), ("confidence", conf),
                                 ("runtime_s", dt)):
                        rows.append({"section": "offsets", "case": case, "noise": f"{snr:+.0f}",
                                     "suppression": method, "metric": k, "value": v,
                                     "fps": fps, "offset_s": off, "drift_ppm": drift})


def section_phantom(rows: list[dict], notes: list[str], variant: str) -> None:
    if importlib.util.find_spec("vtract.datasets") is None:
        notes.append("Phantom demo set: `vtract.datasets` is not available in this checkout; "
                     "section skipped.")
        return
    from vtract import datasets
    from vtract.io import read_audio, read_table
    from vtract.manifest import load_session

    man = datasets.load_demo(variant)
    for entry in man.sessions:
        sid = entry.id
        try:
            sess = load_session(man, sid)
        except VtractError as exc:
            notes.append(f"phantom {sid}: cannot load ({exc})")
            continue
        gt = {k: Path(v) for k, v in (sess.ground_truth or {}).items()}
        true_off = (sess.labels or {}).get("true_audio_offset_s")
        voice = "wind" if sess.group.get("kind") == "wind" else "singing"
        if sess.audio is not None and true_off is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", VtractWarning)
                try:
                    r = synchronize(sess.with_offset(0.0).__class__(
                        sess.sequence, audio=sess.audio, session_id=sid))
                    err = (r.audio_offset_s - float(true_off)) * 1e3
                    rows.append({"section": "phantom", "case": sid, "noise": "phantom",
                                 "suppression": r.method, "metric": "offset_err_ms",
                                 "value": err})
                    rows.append({"section": "phantom", "case": sid, "noise": "phantom",
                                 "suppression": r.method, "metric": "drift_est_ppm",
                                 "value": r.drift_ppm})
                except VtractError as exc:
                    notes.append(f"phantom {sid}: sync failed ({exc})")
        if "acoustics" not in gt or sess.audio is None:
            continue
        truth = read_table(gt["acoustics"])
        fps = sess.sequence.fps
        cands = {"none": sess.audio}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VtractWarning)
            for m in ("hybrid", "periodic", "spectral"):
                cands[m] = suppress_mri_noise(sess.audio, fps=fps, method=m)
        if "clean_audio" in gt:
            cands["clean audio"] = read_audio(gt["clean_audio"])
        for m, a in cands.items():
            df = analyze_audio(a, voice=voice)
            t = truth["time_s"].to_numpy(float)
            for col in ("f0_hz", "f1_hz", "f2_hz", "f3_hz"):
                if col not in truth.columns:
                    continue
                est = np.interp(t, df["time_s"], df[col].to_numpy(float), left=np.nan,
                                right=np.nan)
                tv = truth[col].to_numpy(float)
                ok = np.isfinite(tv) & (tv > 0)
                if col == "f0_hz":
                    e = np.abs(1200 * np.log2(est[ok] / tv[ok]))
                    rows.append({"section": "phantom", "case": sid, "noise": "phantom",
                                 "suppression": m, "metric": "f0_err_cents",
                                 "value": float(np.nanmedian(e)) if np.isfinite(e).any()
                                 else np.nan})
                    rows.append({"section": "phantom", "case": sid, "noise": "phantom",
                                 "suppression": m, "metric": "voiced_frac",
                                 "value": float(np.mean(np.isfinite(e))) if e.size else np.nan})
                else:
                    e = np.abs(est[ok] - tv[ok]) / tv[ok] * 100
                    rows.append({"section": "phantom", "case": sid, "noise": "phantom",
                                 "suppression": m, "metric": f"{col[:2]}_err_pct",
                                 "value": float(np.nanmedian(e)) if np.isfinite(e).any()
                                 else np.nan})


def section_real(rows: list[dict], notes: list[str]) -> None:
    wav = REAL / "arctic" / "arctic_a0007.wav"
    if not wav.exists():
        notes.append(f"Real recording {wav} absent; section skipped.")
        return
    from vtract.io import read_audio

    a = read_audio(wav)
    df = analyze_audio(a, voice="speech")
    p = a.to_parselmouth().to_pitch()  # Praat defaults (ac, 0.01 s step... see Praat manual)
    f = p.selected_array["frequency"].astype(float)
    f[f <= 0] = np.nan
    praat_t = np.asarray(p.xs())
    ours = np.interp(praat_t, df["time_s"], df["f0_hz"], left=np.nan, right=np.nan)
    both = np.isfinite(f) & np.isfinite(ours)
    d = np.abs(1200 * np.log2(ours[both] / f[both]))
    vals = {"median_f0_vtract_hz": float(np.nanmedian(df["f0_hz"])),
            "median_f0_praat_default_hz": float(np.nanmedian(f)),
            "median_abs_diff_cents": float(np.median(d)),
            "frames_within_50_cents_pct": float(np.mean(d < 50) * 100),
            "voicing_agreement_pct": float(np.mean(np.isfinite(f) == np.isfinite(ours)) * 100)}
    for k, v in vals.items():
        rows.append({"section": "real", "case": "arctic_a0007", "noise": "none",
                     "suppression": "none", "metric": k, "value": v})


def _fmt(v: float) -> str:
    return "nan" if not np.isfinite(v) else f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def write_report(df: pd.DataFrame, notes: list[str], runtime: float) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    df.to_csv(RESULTS / "acoustics_accuracy.csv", index=False, float_format="%.6g")
    L = ["# Acoustics accuracy", "",
         "Regenerate: `python benchmarks/bench_acoustics.py` "
         f"(this run: {runtime:.0f} s). Numbers below are measured by that script.", ""]
    v = df[df.section == "vowels"]
    if len(v):
        L += ["## 1. Sustained vowels (synthetic source-filter, vibrato 5.5 Hz +/-30 cents, "
              "jitter 0.3%), gradient noise at 23 fps", "",
              "Median absolute errors over the sustained part; f0 against the true vibrato "
              "contour.", ""]
        piv = v.pivot_table(index=["case", "noise", "suppression"], columns="metric",
                            values="value", sort=False).reset_index()
        cols = ["f0_err_cents", "voiced_frac", "f1_err_hz", "f1_err_pct", "f2_err_hz",
                "f2_err_pct", "f3_err_hz", "f3_err_pct"]
        L.append("| vowel | noise | suppression | " + " | ".join(cols) + " |")
        L.append("|---" * (3 + len(cols)) + "|")
        for _, r in piv.iterrows():
            L.append(f"| {r['case']} | {r['noise']} | {r['suppression']} | "
                     + " | ".join(_fmt(r[c]) for c in cols) + " |")
        L.append("")
        summ = piv.groupby(["noise", "suppression"], sort=False)[cols].median().reset_index()
        L += ["Median over the vowels:", "",
              "| noise | suppression | " + " | ".join(cols) + " |",
              "|---" * (2 + len(cols)) + "|"]
        for _, r in summ.iterrows():
            L.append(f"| {r['noise']} | {r['suppression']} | "
                     + " | ".join(_fmt(r[c]) for c in cols) + " |")
        L.append("")
    o = df[df.section == "offsets"]
    if len(o):
        e = o[o.metric == "offset_err_ms"]
        L += ["## 2. Offset estimation (synthetic, gradient noise from a known frame-0 start)",
              "", f"{len(e)} cases: offsets -0.4, +0.0831, +0.5123, +1.2049 s x fps 23/50/83 x "
              "gradient-noise SNR -10/0/+5 dB (voice relative to noise) x drift 0/100 ppm; "
              "5 s recordings, 3.2 s of frames. Negative offsets: the recording starts after "
              "the acquisition, so the end of the noise is used.", "",
              "| fps | SNR dB | n | median abs err ms | max abs err ms | within 1 ms | "
              "median abs drift err ppm | failed |", "|---|---|---|---|---|---|---|---|"]
        d = o[o.metric == "drift_err_ppm"]
        for (fps, snr), g in e.groupby(["fps", "noise"], sort=True):
            ae = np.abs(g["value"].to_numpy(float))
            dd = np.abs(d[(d.fps == fps) & (d.noise == snr)]["value"].to_numpy(float))
            ok = np.isfinite(ae)
            med = _fmt(np.median(ae[ok])) if ok.any() else "nan"
            mx = _fmt(ae[ok].max()) if ok.any() else "nan"
            dmed = _fmt(np.nanmedian(dd)) if np.isfinite(dd).any() else "nan"
            L.append(f"| {fps:g} | {snr} | {len(g)} | {med} | {mx} | "
                     f"{int(np.sum(ae[ok] <= 1.0))}/{len(g)} | {dmed} | {int(np.sum(~ok))} |")
        ae = np.abs(e["value"].to_numpy(float))
        L += ["", f"All: median {_fmt(np.nanmedian(ae))} ms, 95th percentile "
              f"{_fmt(np.nanpercentile(ae, 95))} ms, max {_fmt(np.nanmax(ae))} ms, "
              f"{int(np.sum(ae <= 1.0))}/{len(ae)} within 1 ms.", ""]
        neg = e[e.offset_s < 0]
        L.append(f"Negative offsets only: max abs error {_fmt(np.nanmax(np.abs(neg['value'])))} ms "
                 f"({int(np.sum(np.abs(neg['value']) <= 1))}/{len(neg)} within 1 ms).")
        L.append("")
    p = df[df.section == "phantom"]
    L += ["## 3. Phantom demo set", ""]
    if len(p):
        piv = p.pivot_table(index=["case", "suppression"], columns="metric", values="value",
                            sort=False).reset_index()
        cols = [c for c in ("offset_err_ms", "drift_est_ppm", "f0_err_cents", "voiced_frac",
                            "f1_err_pct", "f2_err_pct", "f3_err_pct") if c in piv.columns]
        L += ["| session | audio / method | " + " | ".join(cols) + " |",
              "|---" * (2 + len(cols)) + "|"]
        for _, r in piv.iterrows():
            L.append(f"| {r['case']} | {r['suppression']} | "
                     + " | ".join(_fmt(r[c]) for c in cols) + " |")
        L.append("")
    r = df[df.section == "real"]
    if len(r):
        L += ["## 4. Real recording arctic_a0007.wav vs Praat defaults (`Sound: To Pitch...` "
              "0 75 600)", "", "| metric | value |", "|---|---|"]
        for _, row in r.iterrows():
            L.append(f"| {row['metric']} | {_fmt(row['value'])} |")
        L.append("")
    if notes:
        L += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    (RESULTS / "acoustics_accuracy.md").write_text("\n".join(L))


SIM_NOISE = {  # in-scanner cases of vtract's own simulator: readout keywords
    "cartesian": dict(readout="cartesian"),
    "interleaved (13)": dict(readout="interleaved"),
    "golden angle": dict(readout="golden"),
}


def _errs(df: pd.DataFrame, f0: float, fm, t0: float, t1: float) -> dict[str, float]:
    sel = (df["time_s"] >= t0) & (df["time_s"] <= t1)
    out = {"f0_err_pct": float(np.nanmedian(np.abs(df.loc[sel, "f0_hz"] / f0 - 1)) * 100)}
    for i in (1, 2, 3):
        out[f"F{i}_err_pct"] = float(np.nanmedian(np.abs(df.loc[sel, f"f{i}_hz"] / fm[i - 1] - 1))
                                     * 100)
    return out


def independent_rows() -> list[dict]:
    """One table: vtract's simulator, vtl_dev (its own scoring script) and the real recording."""
    import json
    import os
    import subprocess
    import sys
    import tempfile

    from vtract.acoustics import scanner_recording

    rows: list[dict] = []
    # 1. vtract's own realistic simulator: a vowel under each kind of read-out noise, -3 dB
    fm = (700.0, 1220.0, 2600.0, 3500.0, 4500.0)
    for name, kw in SIM_NOISE.items():
        clean = synth_vowel(f0_hz=130.0, formants_hz=fm, duration_s=3.0, jitter=0.003,
                            sample_rate_hz=20000.0, seed=2)
        rec = scanner_recording(clean, fps=23.176, trs_per_frame=7, n_frames=100,
                                audio_offset_s=0.3, snr_db=-3.0, seed=4, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VtractWarning)
            den = suppress_mri_noise(rec)
        for est, a, voice in (("vtract acoustics (auto noise, no --fps)", den, "speech"),
                              ("Praat defaults, no suppression (reference)", rec, "speech_male")):
            df = analyze_audio(a, voice=voice)
            rows.append({"data": "sim (vtract scanner_recording)", "case": name,
                         "estimator": est, **_errs(df, 130.0, fm, 0.5, 2.5)})
    # 2. vtl_dev through its own scoring script
    ev = REAL.parent / "vtl_dev" / "acoustics_eval.py"
    if ev.exists():
        root = HERE.parent
        env = dict(os.environ, PYTHONPATH=str(root))
        runs = {"vtract acoustics (no --fps)": ["--cmd", "vtract acoustics {wav} -o {out}"],
                "vtract acoustics --fps": ["--cmd", "vtract acoustics {wav} -o {out} {fps_opt}"],
                "Praat defaults (reference)": ["--reference"]}
        with tempfile.TemporaryDirectory() as tmp:
            for label, args in runs.items():
                js = Path(tmp) / "r.json"
                subprocess.run([sys.executable, str(ev), *args, "--json", str(js), "--work",
                                str(Path(tmp) / "w")], env=env, cwd=root, check=False,
                               capture_output=True)
                if not js.exists():
                    continue
                summ = json.loads(js.read_text())["summary"]
                for group, pre in (("vowels (median of 8)", "vowel_"),
                                   ("glide", "glide_"), ("in-scanner (median of 8)", "scanner_")):
                    r = {"data": "vtl_dev (VocalTractLab)", "case": group, "estimator": label}
                    src = summ.get("glide", {}) if pre == "glide_" else summ
                    for q in ("f0", "F1", "F2", "F3"):
                        key = f"{q}_err_pct" if pre == "glide_" else f"{pre}{q}_err_pct_median"
                        r[f"{q}_err_pct"] = src.get(key, np.nan) if isinstance(src, dict) \
                            else np.nan
                    rows.append(r)
                if "vowel_F1_err_pct_median_excl_lowF1" in summ:
                    rows.append({"data": "vtl_dev (VocalTractLab)",
                                 "case": "vowels, F1 excl. F1 < 1.5 f0", "estimator": label,
                                 "F1_err_pct": summ["vowel_F1_err_pct_median_excl_lowF1"]})
    # 3. the real recording (noise-cancelled in-scanner audio): no formant truth; f0 agreement
    wav = REAL / "usc_timit_av" / "lac12112011_13_30_52.wav"
    if wav.exists():
        import parselmouth

        from vtract.io import read_audio

        a = read_audio(wav)
        df = analyze_audio(a)
        ref = parselmouth.Sound(a.samples, a.sample_rate_hz).to_pitch(0.01, 75, 600)
        f0r = np.interp(df["time_s"], ref.xs(), ref.selected_array["frequency"])
        both = (f0r > 0) & np.isfinite(df["f0_hz"])
        rows.append({"data": "usc_timit_av (real, noise-cancelled)", "case": "whole file",
                     "estimator": "vtract acoustics vs Praat defaults (no truth)",
                     "f0_err_pct": float(np.median(np.abs(df["f0_hz"][both] / f0r[both] - 1))
                                         * 100),
                     "note": f"gradient noise found: "
                             f"{suppress_mri_noise(a).metadata['mri_noise'].get('found')}"})
    return rows


def write_independent(rows: list[dict], runtime: float) -> None:
    from _markdown import markdown_table

    df = pd.DataFrame(rows)
    df.to_csv(RESULTS / "acoustics_independent.csv", index=False, float_format="%.6g")
    text = ["# Acoustics on data vtract did not synthesise (and its own realistic simulator)", "",
            "Regenerate: `python benchmarks/bench_acoustics.py --only independent`. Median "
            "absolute % errors; `data` names where each number comes from (vtl_dev numbers are "
            "the summary of its own `acoustics_eval.py`).", "",
            markdown_table(df, ".3g"), "", f"Run time {runtime:.0f} s."]
    (RESULTS / "acoustics_independent.md").write_text("\n".join(text) + "\n")
    print("\n".join(text))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo", default="quick", choices=["quick", "full", "none"],
                    help="phantom demo variant to evaluate (default quick)")
    ap.add_argument("--only", default=None, choices=["independent"],
                    help="only the table on independent data (vtl_dev, real, own simulator)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.only == "independent":
        write_independent(independent_rows(), time.perf_counter() - t0)
        return
    rows: list[dict] = []
    notes: list[str] = []
    section_vowels(rows)
    section_offsets(rows)
    if args.demo != "none":
        try:
            section_phantom(rows, notes, args.demo)
        except Exception as exc:  # the demo set is built by another module; report, don't die
            notes.append(f"Phantom demo set could not be evaluated: {type(exc).__name__}: {exc}")
    section_real(rows, notes)
    df = pd.DataFrame(rows)
    write_report(df, notes, time.perf_counter() - t0)
    print((RESULTS / "acoustics_accuracy.md").read_text())


if __name__ == "__main__":
    main()
