"""Singing-voice measures: notes, vibrato, singer's formant and singing power ratio, formant tuning."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import ndimage

from ..audio import Audio
from ..errors import DataValueError

__all__ = ["segment_notes", "vibrato", "singers_formant", "formant_tuning", "note_name"]

_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


def note_name(midi: float) -> str:
    """Scientific pitch name of the nearest equal-tempered note (MIDI 69 = A4)."""
    k = int(np.round(midi))
    return f"{_NAMES[k % 12]}{k // 12 - 1}"


def _cents(f0: np.ndarray, a4_hz: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1200.0 * np.log2(f0 / a4_hz) + 6900.0  # MIDI * 100


def segment_notes(features: pd.DataFrame, *, min_duration_s: float = 0.12,
                  split_cents: float = 70.0, smooth_s: float = 0.2,
                  a4_hz: float = 440.0) -> pd.DataFrame:
    """Segment an f0 track into notes.

    A note is a voiced stretch whose vibrato-smoothed pitch (running median over ``smooth_s``)
    stays on one equal-tempered semitone; a new note starts where the smoothed pitch moves to
    another semitone and stays there at least ``min_duration_s``.

    Parameters
    ----------
    features : DataFrame
        ``time_s`` and ``f0_hz`` (e.g. :func:`vtract.analyze_audio` output).
    min_duration_s : float
        Shortest note in s.
    split_cents : float
        Smallest pitch change (cents from the running note's median) that can start a new note.
    smooth_s : float
        Running-median window in s (removes vibrato).
    a4_hz : float
        Tuning reference in Hz.

    Returns
    -------
    DataFrame
        ``note`` (index), ``onset_s``, ``offset_s``, ``duration_s``, ``median_f0_hz``, ``midi``
        (fractional), ``note_name``, ``cents_deviation`` (median f0 relative to the nearest
        equal-tempered pitch, cents).
    """
    t = features["time_s"].to_numpy(float)
    f0 = features["f0_hz"].to_numpy(float)
    if t.size < 2:
        return _empty_notes()
    dt = float(np.median(np.diff(t)))
    c = _cents(f0, a4_hz)
    voiced = np.isfinite(c)
    lab, n = ndimage.label(voiced)
    w = max(1, int(round(smooth_s / dt)) | 1)
    rows = []
    for r in range(1, n + 1):
        idx = np.flatnonzero(lab == r)
        if idx.size * dt < min_duration_s:
            continue
        cs = ndimage.median_filter(c[idx], size=min(w, idx.size | 1), mode="nearest")
        # greedy split where the smoothed pitch leaves the current note by > split_cents for
        # at least min_duration_s
        bounds = [0]
        cur = cs[0]
        i = 0
        min_n = max(1, int(round(min_duration_s / dt)))
        while i < idx.size:
            if abs(cs[i] - cur) > split_cents:
                j = i + min_n
                seg = cs[i:j]
                if seg.size == min_n and np.all(np.abs(seg - cs[i]) < split_cents):
                    bounds.append(i)
                    cur = float(np.median(seg))
                    i = j
                    continue
            else:
                cur = 0.9 * cur + 0.1 * cs[i]
            i += 1
        bounds.append(idx.size)
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            if (b - a) * dt < min_duration_s:
                continue
            med = float(np.median(f0[idx[a:b]]))
            midi = float(_cents(np.array([med]), a4_hz)[0] / 100.0)
            rows.append({"onset_s": t[idx[a]] - dt / 2, "offset_s": t[idx[b - 1]] + dt / 2,
                         "median_f0_hz": med, "midi": midi, "note_name": note_name(midi),
                         "cents_deviation": 100.0 * (midi - np.round(midi))})
    if not rows:
        return _empty_notes()
    df = pd.DataFrame(rows)
    df.insert(0, "note", np.arange(len(df)))
    df.insert(3, "duration_s", df["offset_s"] - df["onset_s"])
    return df


def _empty_notes() -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(dtype=d) for k, d in [
        ("note", int), ("onset_s", float), ("offset_s", float), ("duration_s", float),
        ("median_f0_hz", float), ("midi", float), ("note_name", object),
        ("cents_deviation", float)]})


def vibrato(features: pd.DataFrame, notes: pd.DataFrame | None = None, *,
            rate_range_hz: tuple[float, float] = (3.0, 9.0), min_cycles: float = 3.0,
            a4_hz: float = 440.0) -> pd.DataFrame:
    """Vibrato rate, extent and regularity per sustained note.

    The note's pitch in cents is detrended (straight line), its dominant modulation frequency in
    ``rate_range_hz`` is found from the zero-padded spectrum (parabolic peak), and a sinusoid at
    that rate is fitted by least squares.

    Parameters
    ----------
    features : DataFrame
        ``time_s`` and ``f0_hz``.
    notes : DataFrame, optional
        From :func:`segment_notes` (computed when omitted).
    rate_range_hz : (float, float)
        Plausible vibrato rates in Hz.
    min_cycles : float
        Notes shorter than this many cycles of the slowest rate are skipped.
    a4_hz : float
        Tuning reference in Hz.

    Returns
    -------
    DataFrame
        Per note: ``note``, ``onset_s``, ``offset_s``, ``vibrato_rate_hz``,
        ``vibrato_extent_cents`` (semi-extent: +/- cents around the note's pitch),
        ``vibrato_regularity`` (fraction of the detrended pitch variance explained by the
        sinusoid, 0-1), ``vibrato_cycle_cv`` (coefficient of variation of cycle durations).
    """
    if notes is None:
        notes = segment_notes(features, a4_hz=a4_hz)
    t = features["time_s"].to_numpy(float)
    c = _cents(features["f0_hz"].to_numpy(float), a4_hz)
    rows = []
    for _, nt in notes.iterrows():
        sel = (t >= nt["onset_s"]) & (t <= nt["offset_s"]) & np.isfinite(c)
        row = {"note": int(nt["note"]), "onset_s": nt["onset_s"], "offset_s": nt["offset_s"],
               "vibrato_rate_hz": np.nan, "vibrato_extent_cents": np.nan,
               "vibrato_regularity": np.nan, "vibrato_cycle_cv": np.nan}
        tt, cc = t[sel], c[sel]
        if tt.size < 8 or (tt[-1] - tt[0]) * rate_range_hz[0] < min_cycles:
            rows.append(row)
            continue
        dt = float(np.median(np.diff(tt)))
        cc = cc - np.polyval(np.polyfit(tt, cc, 1), tt)
        nfft = int(2 ** np.ceil(np.log2(tt.size * 16)))
        spec = np.abs(np.fft.rfft(cc * np.hanning(tt.size), nfft))
        fr = np.fft.rfftfreq(nfft, dt)
        band = np.flatnonzero((fr >= rate_range_hz[0]) & (fr <= rate_range_hz[1]))
        k = band[np.argmax(spec[band])]
        if 0 < k < spec.size - 1:
            y0, y1, y2 = spec[k - 1], spec[k], spec[k + 1]
            den = y0 - 2 * y1 + y2
            k = k + (0.5 * (y0 - y2) / den if den != 0 else 0.0)
        rate = float(k * (fr[1] - fr[0]))
        a = np.column_stack([np.sin(2 * np.pi * rate * tt), np.cos(2 * np.pi * rate * tt)])
        coef, *_ = np.linalg.lstsq(a, cc, rcond=None)
        fit = a @ coef
        var = float(np.var(cc))
        row["vibrato_rate_hz"] = rate
        row["vibrato_extent_cents"] = float(np.hypot(*coef))
        row["vibrato_regularity"] = float(1 - np.var(cc - fit) / var) if var > 0 else np.nan
        zc = tt[:-1][(cc[:-1] < 0) & (cc[1:] >= 0)]
        if zc.size >= 3:
            per = np.diff(zc)
            row["vibrato_cycle_cv"] = float(np.std(per) / np.mean(per))
        rows.append(row)
    return pd.DataFrame(rows, columns=["note", "onset_s", "offset_s", "vibrato_rate_hz",
                                       "vibrato_extent_cents", "vibrato_regularity",
                                       "vibrato_cycle_cv"])


def singers_formant(audio: Audio, *, start_s: float | None = None, end_s: float | None = None,
                    bandwidth_hz: float = 100.0) -> dict[str, float]:
    """Singer's-formant prominence and singing power ratio from the LTAS (Praat ``To Ltas``).

    Parameters
    ----------
    audio : Audio
        The recording (ideally voiced singing, noise suppressed).
    start_s, end_s : float, optional
        Time range (audio clock) to analyse.
    bandwidth_hz : float
        LTAS bin width in Hz.

    Returns
    -------
    dict
        ``singers_formant_hz`` (frequency of the LTAS peak between 2 and 4 kHz),
        ``singers_formant_prominence_db`` (that peak above a straight line fitted to the LTAS
        in dB over 1-5 kHz), ``singing_power_ratio_db`` (highest LTAS level in 2-4 kHz minus the
        highest in 0-2 kHz, Omori et al. 1996; closer to 0 = stronger singer's formant).
    """
    from parselmouth.praat import call

    a = audio
    if start_s is not None or end_s is not None:
        a = audio.crop(start_s or 0.0, end_s if end_s is not None else audio.duration_s)
    if a.sample_rate_hz < 10000:
        raise DataValueError("singers_formant needs a sample rate of at least 10 kHz (5 kHz band)")
    ltas = call(a.to_parselmouth(), "To Ltas", bandwidth_hz)
    mat = call(ltas, "To Matrix")
    db = np.asarray(mat.values, dtype=float)[0]
    f = mat.xmin + (np.arange(db.size) + 0.5) * mat.dx if not hasattr(mat, "xs") \
        else np.asarray(mat.xs())
    trend_sel = (f >= 1000) & (f <= 5000)
    coef = np.polyfit(f[trend_sel], db[trend_sel], 1)
    sf = (f >= 2000) & (f <= 4000)
    rel = db[sf] - np.polyval(coef, f[sf])
    k = int(np.argmax(rel))
    low = (f > 0) & (f < 2000)
    return {"singers_formant_hz": float(f[sf][k]),
            "singers_formant_prominence_db": float(rel[k]),
            "singing_power_ratio_db": float(db[sf].max() - db[low].max())}


def formant_tuning(features: pd.DataFrame) -> pd.DataFrame:
    """Formant tuning: F1 against the nearest harmonic of f0, F1/f0 and F2/f0.

    Parameters
    ----------
    features : DataFrame
        ``time_s``, ``f0_hz``, ``f1_hz``, ``f2_hz``.

    Returns
    -------
    DataFrame
        ``time_s``, ``f1_f0_ratio``, ``f2_f0_ratio``, ``f1_harmonic`` (number of the harmonic
        nearest F1), ``f1_minus_harmonic_hz`` (F1 minus that harmonic's frequency),
        ``f1_harmonic_cents`` (same, in cents), ``f2_harmonic``, ``f2_minus_harmonic_hz``.
    """
    f0 = features["f0_hz"].to_numpy(float)
    out = pd.DataFrame({"time_s": features["time_s"].to_numpy(float)})
    for i in (1, 2):
        fi = features[f"f{i}_hz"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = fi / f0
            h = np.maximum(1.0, np.round(ratio))
            out[f"f{i}_f0_ratio"] = ratio
            out[f"f{i}_harmonic"] = h
            out[f"f{i}_minus_harmonic_hz"] = fi - h * f0
            if i == 1:
                out["f1_harmonic_cents"] = 1200 * np.log2(fi / (h * f0))
    return out

