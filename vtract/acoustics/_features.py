"""Frame-wise acoustic features with Parselmouth: f0, formants, intensity, HNR, CPP, tilt.

Long recordings are cut into chunks (with a margin so every analysis window is complete) and the
chunks are analysed independently, optionally in worker processes. Only NumPy arrays and plain
dicts cross process boundaries; Parselmouth objects are created inside the worker.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from ..audio import Audio
from ..errors import DataValueError
from ._settings import AnalysisSettings, settings_for_voice

__all__ = ["analyze_audio", "FEATURE_COLUMNS"]

FEATURE_COLUMNS = ["time_s", "f0_hz", "f1_hz", "f2_hz", "f3_hz", "f4_hz", "b1_hz", "b2_hz",
                   "b3_hz", "b4_hz", "intensity_db", "hnr_db", "cpp_db", "spectral_tilt_db",
                   "f1_uncertain", "formant_ceiling_hz"]


def analyze_audio(audio: Audio | np.ndarray, *, sample_rate_hz: float | None = None,
                  voice: str = "speech", settings: AnalysisSettings | None = None,
                  pitch_floor_hz: float | None = None, pitch_ceiling_hz: float | None = None,
                  pitch_method: str | None = None, max_formant_hz: float | None = None,
                  n_formants: float | None = None, time_step_s: float | None = None,
                  chunk_s: float | None = None, n_jobs: int | None = 1,
                  **extra: Any) -> pd.DataFrame:
    """Analyse a recording frame by frame with Praat (through Parselmouth).

    Parameters
    ----------
    audio : Audio or ndarray, shape (n_samples,)
        The recording (a bare array needs ``sample_rate_hz``).
    sample_rate_hz : float, optional
        Sampling rate in Hz when ``audio`` is an array.
    voice : str
        Preset (see :data:`vtract.acoustics.VOICE_PRESETS`): ``"speech"``, ``"soprano"``,
        ``"alto"``, ``"tenor"``, ``"baritone"``, ``"bass"``, ``"singing"``, ``"wind"``...
    settings : AnalysisSettings, optional
        Full settings; keyword overrides below still apply.
    pitch_floor_hz, pitch_ceiling_hz : float, optional
        Pitch range in Hz.
    pitch_method : {"ac", "cc"}, optional
        Praat pitch algorithm.
    max_formant_hz : float, optional
        Burg formant ceiling in Hz.
    n_formants : float, optional
        Burg number of formants.
    time_step_s : float, optional
        Output frame spacing in s (default 0.01).
    chunk_s : float, optional
        Chunk length in s for long recordings (default 60).
    n_jobs : int or None
        Worker processes (``None``: all cores; 1: in this process).
    **extra
        Any other :class:`~vtract.acoustics.AnalysisSettings` field.

    Returns
    -------
    DataFrame
        Columns ``time_s`` (audio clock, analysis-frame centre, s), ``f0_hz``, ``f1_hz``..
        ``f4_hz``, ``b1_hz``..``b4_hz``, ``intensity_db``, ``hnr_db``, ``cpp_db``,
        ``spectral_tilt_db``, ``f1_uncertain`` (1 where F1 < 2 f0: F1 under the first harmonics,
        not measurable; 0 otherwise); NaN where undefined. ``df.attrs["settings"]`` holds the settings
        and the equivalent Praat commands (pass it to ``vtract.io.write_table(settings=...)``).

    Examples
    --------
    >>> from vtract.acoustics import synth_vowel
    >>> a = synth_vowel(f0_hz=220, formants_hz=(700, 1100, 2600), duration_s=1.0)
    >>> df = analyze_audio(a, voice="alto")
    >>> round(float(df["f0_hz"].median()))
    220
    """
    if isinstance(audio, Audio):
        x, sr = audio.samples, audio.sample_rate_hz
    else:
        if sample_rate_hz is None:
            raise DataValueError("analyze_audio: an array needs sample_rate_hz=")
        x = np.asarray(audio, dtype=np.float64)
        sr = float(sample_rate_hz)
        if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
            raise DataValueError("analyze_audio: samples must be a finite, non-empty 1D array")
    over = dict(pitch_floor_hz=pitch_floor_hz, pitch_ceiling_hz=pitch_ceiling_hz,
                pitch_method=pitch_method, max_formant_hz=max_formant_hz, n_formants=n_formants,
                time_step_s=time_step_s, chunk_s=chunk_s, **extra)
    if settings is None:
        st = settings_for_voice(voice, **over)
    else:
        st = settings.replace(**{k: v for k, v in over.items() if v is not None})
    if st.max_formant_hz >= sr / 2:
        raise DataValueError(
            f"max_formant_hz={st.max_formant_hz:g} Hz is not below the Nyquist frequency "
            f"{sr / 2:g} Hz of this recording; lower max_formant_hz")
    dur = x.size / sr
    n_out = int(np.floor(dur / st.time_step_s))
    grid = (np.arange(n_out) + 0.5) * st.time_step_s
    sdict = st.to_dict()
    margin = 6.0 / st.pitch_floor_hz + 3.0 / st.cpp_pitch_floor_hz + 0.1
    jobs = []
    for c0 in np.arange(0.0, dur, st.chunk_s):
        c1 = min(dur, c0 + st.chunk_s)
        g = grid[(grid >= c0) & (grid < c1)]
        if g.size == 0:
            continue
        i0 = max(0, int(np.floor((c0 - margin) * sr)))
        i1 = min(x.size, int(np.ceil((c1 + margin) * sr)))
        jobs.append((np.ascontiguousarray(x[i0:i1]), sr, i0 / sr, g, sdict))
    if n_jobs is None:
        n_jobs = os.cpu_count() or 1
    if n_jobs > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(n_jobs, len(jobs))) as ex:
            parts = list(ex.map(_analyze_chunk, *zip(*jobs, strict=True)))
    else:
        parts = [_analyze_chunk(*j) for j in jobs]
    if parts:
        df = pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in FEATURE_COLUMNS})
    else:
        df = pd.DataFrame({c: np.array([], dtype=float) for c in FEATURE_COLUMNS})
    sdict = dict(sdict, sample_rate_hz=sr, n_jobs=n_jobs,
                 source=getattr(audio, "source", None))
    df.attrs["settings"] = sdict
    return df


def _sharpest_ceiling(snd: Any, s: dict[str, Any], f0: np.ndarray, grid: np.ndarray,
                      search: tuple[float, float, float], sr: float) -> float:
    """Formant ceiling (Hz) at which F1-F3 are sharpest over the voiced frames.

    The right ceiling scales with 1 / vocal-tract length. With it, Burg's poles sit on the
    tract's resonances, which are narrow; a ceiling too low merges two resonances into one broad
    pole, one too high splits one or fits a broad pole to the spectral slope. So each ceiling of
    the range is tried and the one with the smallest sum over F1..F3 of the median relative
    bandwidth ``B_i / F_i`` over the voiced frames wins.
    """
    lo, hi, step = search
    hi = min(hi, 0.5 * sr - 50.0)
    voiced = np.isfinite(f0)
    if voiced.sum() < 5 or hi <= lo:
        return float(s["max_formant_hz"])
    best, best_c = np.inf, float(s["max_formant_hz"])
    for c in np.arange(lo, hi + 1e-6, step):
        fm = snd.to_formant_burg(s["time_step_s"], s["n_formants"], float(c),
                                 s["formant_window_s"], s["pre_emphasis_hz"])
        ts = np.asarray(fm.ts())
        cost = 0.0
        for i in range(1, 4):
            fv = _interp(ts, np.array([fm.get_value_at_time(i, t) for t in ts]), grid)[voiced]
            bv = _interp(ts, np.array([fm.get_bandwidth_at_time(i, t) for t in ts]),
                         grid)[voiced]
            rel = bv / fv
            cost += float(np.nanmedian(rel)) if np.any(np.isfinite(rel)) else 1.0
        if cost < best - 1e-12:
            best, best_c = cost, float(c)
    return best_c


class _Done(Exception):
    """Internal: a feature was already computed."""


def _interp(xs: np.ndarray, v: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Linear interpolation onto ``grid`` that keeps NaN gaps (NaN outside ``xs``)."""
    out = np.full(grid.shape, np.nan)
    if xs.size == 0:
        return out
    if xs.size == 1:
        out[np.abs(grid - xs[0]) < 1e-9] = v[0]
        return out
    j = np.clip(np.searchsorted(xs, grid) - 1, 0, xs.size - 2)
    w = (grid - xs[j]) / (xs[j + 1] - xs[j])
    inside = (w >= -1e-9) & (w <= 1 + 1e-9)
    v0, v1 = v[j], v[j + 1]
    lin = v0 * (1 - w) + v1 * w
    res = np.where(w < 1e-6, v0, np.where(w > 1 - 1e-6, v1, lin))
    out[inside] = res[inside]
    return out


def _cpp_from_cepstrogram(values: np.ndarray, q0: float, dq: float,
                          floor_hz: float, ceiling_hz: float) -> np.ndarray:
    """Cepstral peak prominence (dB) of every column of a Praat PowerCepstrogram matrix.

    Hand-written because Praat 6.1's per-frame table command is not reachable with stable
    arguments through ``praat.call``; the definition is Hillenbrand's (peak minus a straight
    least-squares trend line), as in Praat's ``Get CPPS`` without smoothing.
    """
    db = 10.0 * np.log10(np.maximum(values, 1e-30))  # (n_quefrency, n_frames)
    q = q0 + dq * np.arange(db.shape[0])
    lo, hi = 1.0 / ceiling_hz, 1.0 / floor_hz
    sel = np.flatnonzero((q >= lo) & (q <= hi))
    fit = q >= 0.001
    qf = q[fit]
    a = np.vstack([qf, np.ones_like(qf)]).T
    coef = np.linalg.pinv(a) @ db[fit]  # (2, n_frames): the same design for every frame
    sub = db[sel]
    k = np.argmax(sub, axis=0)
    cols = np.arange(db.shape[1])
    kk = np.clip(k, 1, sel.size - 2)
    y0, y1, y2 = sub[kk - 1, cols], sub[kk, cols], sub[kk + 1, cols]
    den = y0 - 2 * y1 + y2
    delta = np.where(np.abs(den) > 1e-12, 0.5 * (y0 - y2) / np.where(den == 0, 1, den), 0.0)
    delta = np.clip(delta, -1, 1)
    peak = y1 - 0.25 * (y0 - y2) * delta
    qpk = q[sel][kk] + delta * dq
    trend = coef[0] * qpk + coef[1]
    cpp = peak - trend
    silent = ~np.isfinite(cpp) | (np.max(values, axis=0) <= 0)
    cpp[silent] = np.nan
    return cpp


def _analyze_chunk(x: np.ndarray, sr: float, start_s: float, grid: np.ndarray,
                   s: dict[str, Any]) -> dict[str, np.ndarray]:
    """Analyse one chunk (runs in a worker; arrays in, arrays out)."""
    import parselmouth
    from parselmouth.praat import call

    snd = parselmouth.Sound(x, sampling_frequency=sr, start_time=start_s)
    dt = s["time_step_s"]
    out: dict[str, np.ndarray] = {"time_s": grid.astype(float)}
    # pitch
    args = (dt, s["pitch_floor_hz"], s["max_candidates"], s["very_accurate"],
            s["silence_threshold"], s["voicing_threshold"], s["octave_cost"],
            s["octave_jump_cost"], s["voiced_unvoiced_cost"], s["pitch_ceiling_hz"])
    try:
        pitch = snd.to_pitch_ac(*args) if s["pitch_method"] == "ac" else snd.to_pitch_cc(*args)
        sel = pitch.selected_array
        f0 = sel["frequency"].astype(float)
        f0[f0 <= 0] = np.nan
        out["f0_hz"] = _interp(np.asarray(pitch.xs()), f0, grid)
        if s["hnr_method"] == "pitch":
            r = np.clip(sel["strength"].astype(float), 1e-9, 1 - 1e-9)
            hv = np.where(np.isfinite(f0), 10 * np.log10(r / (1 - r)), np.nan)
            out["hnr_db"] = _interp(np.asarray(pitch.xs()), hv, grid)
    except parselmouth.PraatError:  # chunk shorter than one pitch window
        out["f0_hz"] = np.full(grid.shape, np.nan)
        out["hnr_db"] = np.full(grid.shape, np.nan)
    # formants (Burg); the ceiling is chosen per chunk when a search range is set
    ceiling = float(s["max_formant_hz"])
    if s.get("formant_ceiling_search"):
        ceiling = _sharpest_ceiling(snd, s, out["f0_hz"], grid, s["formant_ceiling_search"], sr)
    fm = snd.to_formant_burg(dt, s["n_formants"], ceiling, s["formant_window_s"],
                             s["pre_emphasis_hz"])
    ts = np.asarray(fm.ts())
    for i in range(1, 5):
        fv = np.array([fm.get_value_at_time(i, t) for t in ts], dtype=float)
        bv = np.array([fm.get_bandwidth_at_time(i, t) for t in ts], dtype=float)
        out[f"f{i}_hz"] = _interp(ts, fv, grid)
        out[f"b{i}_hz"] = _interp(ts, bv, grid)
    # a true F1 below ~1.5 f0 lies under the first two harmonics, which no acoustic method
    # resolves; Burg then reports a peak pulled up towards the 2nd harmonic, so a measured F1
    # below 2 f0 is flagged as uncertain (1.0; 0.0 otherwise, NaN where unvoiced)
    with np.errstate(invalid="ignore"):
        unc = (out["f1_hz"] < 2.0 * out["f0_hz"]).astype(float)
    unc[~(np.isfinite(out["f1_hz"]) & np.isfinite(out["f0_hz"]))] = np.nan
    out["f1_uncertain"] = unc
    out["formant_ceiling_hz"] = np.full(grid.shape, ceiling)
    # intensity (no mean subtraction: comparable across chunks)
    try:
        inten = snd.to_intensity(s["pitch_floor_hz"], dt, False)
        iv = np.asarray(inten.values, dtype=float)[0]
        iv[iv < -100] = np.nan
        out["intensity_db"] = _interp(np.asarray(inten.xs()), iv, grid)
    except parselmouth.PraatError:
        out["intensity_db"] = np.full(grid.shape, np.nan)
    # harmonicity
    try:
        if "hnr_db" in out:
            raise _Done
        hnr = snd.to_harmonicity_cc(dt, s["pitch_floor_hz"], 0.1, 1.0)
        hv = np.asarray(hnr.values, dtype=float)[0]
        hv[hv <= -199] = np.nan
        out["hnr_db"] = _interp(np.asarray(hnr.xs()), hv, grid)
    except _Done:
        pass
    except parselmouth.PraatError:
        out["hnr_db"] = np.full(grid.shape, np.nan)
    # cepstral peak prominence
    try:
        cep = call(snd, "To PowerCepstrogram", s["cpp_pitch_floor_hz"], dt,
                   s["cpp_max_frequency_hz"], s["pre_emphasis_hz"])
        mat = call(cep, "To Matrix")
        vals = np.asarray(mat.values, dtype=float)
        cpp = _cpp_from_cepstrogram(vals, mat.ymin, mat.dy, s["cpp_pitch_floor_hz"],
                                    s["cpp_pitch_ceiling_hz"])
        cx = mat.xmin + 0.0  # Praat matrix x1 is the first frame centre
        cxs = np.asarray(mat.xs()) if hasattr(mat, "xs") else cx + mat.dx * np.arange(mat.nx)
        out["cpp_db"] = _interp(cxs, cpp, grid)
    except parselmouth.PraatError:
        out["cpp_db"] = np.full(grid.shape, np.nan)
    # spectral tilt from the Praat spectrogram
    fmax = min(s["tilt_high_band_hz"][1], sr / 2)
    spg = snd.to_spectrogram(0.025, fmax, dt, 20.0)
    p = np.asarray(spg.values, dtype=float)
    fr = np.asarray(spg.ys())
    lo = (fr >= s["tilt_low_band_hz"][0]) & (fr < s["tilt_low_band_hz"][1])
    hi = (fr >= s["tilt_high_band_hz"][0]) & (fr <= fmax)
    with np.errstate(divide="ignore", invalid="ignore"):
        tilt = 10 * np.log10(p[lo].sum(0)) - 10 * np.log10(p[hi].sum(0))
    tilt[~np.isfinite(tilt)] = np.nan
    out["spectral_tilt_db"] = _interp(np.asarray(spg.xs()), tilt, grid)
    return out
