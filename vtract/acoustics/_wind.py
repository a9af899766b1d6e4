"""Wind-instrument measures: note onsets, articulation (tonguing) events, centroid, harmonics."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import signal

from ..audio import Audio

__all__ = ["wind_events", "wind_spectrum"]


def wind_events(audio: Audio, *, time_step_s: float = 0.005, min_dip_db: float = 6.0,
                silence_db: float = 35.0, min_gap_s: float = 0.04,
                pitch_floor_hz: float = 50.0, pitch_ceiling_hz: float = 2000.0,
                slur_cents: float = 50.0) -> pd.DataFrame:
    """Note onsets and articulation events of a wind-instrument recording.

    Onsets are found in the Praat intensity contour: an ``"attack"`` is a rise out of silence
    (more than ``silence_db`` below the recording's maximum), ``"tongued"`` is a dip of at least
    ``min_dip_db`` between two sounding stretches (the tongue briefly stops the air), and
    ``"slur"`` is a change of pitch by more than ``slur_cents`` without a dip.

    Parameters
    ----------
    audio : Audio
        The recording (noise suppressed if recorded in the scanner).
    time_step_s : float
        Analysis step in s.
    min_dip_db, silence_db : float
        Thresholds in dB (see above).
    min_gap_s : float
        Events closer than this are merged.
    pitch_floor_hz, pitch_ceiling_hz : float
        Praat pitch range.
    slur_cents : float
        Smallest pitch step counted as a slur.

    Returns
    -------
    DataFrame
        ``time_s`` (audio clock), ``kind`` ("attack", "tongued", "slur"), ``f0_before_hz``,
        ``f0_after_hz``, ``depth_db`` (dip depth; NaN for attacks and slurs).
    """
    snd = audio.to_parselmouth()
    # a short intensity window (Praat: minimum pitch 250 Hz -> 13 ms) resolves tonguing dips
    inten = snd.to_intensity(250.0, time_step_s, False)
    t = np.asarray(inten.xs())
    lv = np.asarray(inten.values, dtype=float)[0]
    pitch = snd.to_pitch_ac(time_step_s, pitch_floor_hz, 15, False, 0.03, 0.45, 0.01, 0.35,
                            0.14, pitch_ceiling_hz)
    f0 = pitch.selected_array["frequency"].astype(float)
    f0[f0 <= 0] = np.nan
    f0 = np.interp(t, np.asarray(pitch.xs()), f0, left=np.nan, right=np.nan)
    top = np.nanmax(lv)
    sounding = lv > top - silence_db
    gap = max(1, int(round(min_gap_s / time_step_s)))
    ev: list[tuple[float, str, float]] = []
    rises = np.flatnonzero(sounding[1:] & ~sounding[:-1]) + 1
    if sounding[0]:
        rises = np.concatenate([[0], rises])
    for i in rises:
        ev.append((t[i], "attack", np.nan))
    # dips while sounding: local minima at least min_dip_db below the maxima on both sides
    prom = signal.find_peaks(-lv, prominence=min_dip_db, distance=gap)
    for i, p in zip(prom[0], prom[1]["prominences"], strict=True):
        if sounding[max(0, i - gap)] and sounding[min(lv.size - 1, i + gap)] and sounding[i]:
            # event time: where the level has recovered half-way after the dip
            j = i
            target = lv[i] + p / 2
            while j < lv.size - 1 and lv[j] < target:
                j += 1
            ev.append((t[j], "tongued", float(p)))
    # slurs: pitch steps without a dip
    c = 1200 * np.log2(f0 / 440.0)
    med = pd.Series(c).rolling(gap, center=True, min_periods=1).median().to_numpy()
    step = np.abs(med[2 * gap:] - med[:-2 * gap]) if med.size > 2 * gap else np.zeros(0)
    cand = signal.find_peaks(np.nan_to_num(step), height=slur_cents, distance=2 * gap)[0] + gap
    for i in cand:
        ev.append((t[i], "slur", np.nan))
    ev.sort()
    rows = []
    for tm, kind, depth in ev:
        if rows and tm - rows[-1]["time_s"] < min_gap_s:
            if kind == "tongued" and rows[-1]["kind"] == "slur":
                rows[-1].update(kind=kind, depth_db=depth, time_s=tm)
            continue
        i = int(np.clip(np.searchsorted(t, tm), 0, t.size - 1))
        b = _nanmed(f0[max(0, i - 3 * gap): max(1, i - gap)]) if i > gap else np.nan
        a = _nanmed(f0[i + gap: i + 3 * gap]) if i + gap < t.size else np.nan
        rows.append({"time_s": float(tm), "kind": kind, "f0_before_hz": b, "f0_after_hz": a,
                     "depth_db": depth})
    return pd.DataFrame(rows, columns=["time_s", "kind", "f0_before_hz", "f0_after_hz",
                                       "depth_db"])


def wind_spectrum(audio: Audio, features: pd.DataFrame, *, n_harmonics: int = 8,
                  window_s: float = 0.04, max_frequency_hz: float | None = None) -> pd.DataFrame:
    """Spectral centroid and harmonic amplitudes per analysis frame (Praat Spectrogram).

    Parameters
    ----------
    audio : Audio
        The recording.
    features : DataFrame
        ``time_s`` and ``f0_hz`` (from :func:`vtract.analyze_audio`, voice="wind").
    n_harmonics : int
        Harmonics reported.
    window_s : float
        Spectrogram window length in s (long enough to resolve the harmonics).
    max_frequency_hz : float, optional
        Highest analysed frequency (default Nyquist).

    Returns
    -------
    DataFrame
        ``time_s``, ``spectral_centroid_hz``, ``h1_db`` .. ``hN_db`` (level of harmonic k in dB,
        the spectrogram maximum within +/- f0/4 of k*f0; NaN when unvoiced or above the band).
    """
    fmax = max_frequency_hz or audio.sample_rate_hz / 2
    snd = audio.to_parselmouth()
    t = features["time_s"].to_numpy(float)
    dt = float(np.median(np.diff(t))) if t.size > 1 else 0.01
    spg = snd.to_spectrogram(window_s, fmax, dt, 10.0)
    p = np.asarray(spg.values, dtype=float)
    fr = np.asarray(spg.ys())
    st = np.asarray(spg.xs())
    j = np.clip(np.searchsorted(st, t), 0, st.size - 1)
    pj = p[:, j]
    with np.errstate(invalid="ignore", divide="ignore"):
        centroid = (fr[:, None] * pj).sum(0) / pj.sum(0)
    out = pd.DataFrame({"time_s": t, "spectral_centroid_hz": centroid})
    f0 = features["f0_hz"].to_numpy(float)
    for k in range(1, n_harmonics + 1):
        lev = np.full(t.size, np.nan)
        ok = np.isfinite(f0) & (k * f0 < fmax - f0 / 4)
        for i in np.flatnonzero(ok):
            band = np.abs(fr - k * f0[i]) <= f0[i] / 4
            if band.any():
                lev[i] = 10 * np.log10(max(pj[band, i].max(), 1e-30) / 4e-10)
        out[f"h{k}_db"] = lev
    return out


def _nanmed(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else float("nan")
