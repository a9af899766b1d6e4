"""The scan in a recording: MRI gradient noise found by its TR, its span, ends and clock drift.

Works for any gradient sequence whose sound repeats every repetition time (TR) up to a rotation
of the read-out: Cartesian and TR-periodic sequences repeat exactly, spiral/radial interleaves
and golden-angle orderings rotate the read-out from TR to TR (the waveform changes, it stays a
combination of three fixed waveforms). The steps:

1. **Period search**: every period-long slot of a scan's noise is a combination of a few fixed
   waveforms (one for a Cartesian sequence; a fixed-axis and two rotating in-plane components,
   weighted by the cosine and sine of the read-out angle, for spiral/radial interleaves and
   golden-angle orderings), so the share of the energy of consecutive slots (band above 1 kHz,
   where the voice is weak) captured by their first three singular vectors is near 1 during
   the scan and low elsewhere. With a frame rate the candidates are the frame period divided by
   a whole number ``k`` (``P / k``, 1 ms .. 25 ms, and ``P`` itself); otherwise, or when none
   scores, the envelope-autocorrelation peaks between 1 and 25 ms. The candidate with the most
   periodic seconds wins. The TR is then the shortest sub-period the folded energy envelope
   repeats at (a multiple of the TR, e.g. the frame period, is periodic too).
2. **Period on the audio clock**: the TR phase (lag of ~0.2 s blocks of the energy envelope
   against the folded one-period envelope) drifts linearly over the scan when the recorder's
   clock differs from the scanner's; its slope gives the period on the audio clock and, with
   ``k`` periods per frame, ``drift_ppm = (period_audio * k * fps - 1) * 1e6``.
3. **Span**: the energy of every slot captured by the noise subspace learnt in the core of the
   scan (rank 1 when the waveform repeats, 3 for rotating read-outs), thresholded half-way (dB)
   between the scan and the background: a voice, a hum or a localiser/shim burst with another
   TR is barely captured. Other loud stretches are reported in ``other_bursts`` and ignored.
4. **Ends**: two-level least-squares steps of the log energy (0.25 ms resolution) within a few
   periods of each end of the span, at sample resolution (in dB, so a last TR that is quieter
   than the average, as a rotating read-out at a quiet angle is, still counts as noise). An
   end closer than a TR to the edge of the recording is ``None`` (the recording started after /
   stopped before the scan).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import ndimage, signal

from ._gradient import _parabolic

__all__ = ["ScanNoise", "find_scan_noise"]

_ENV_RATE_HZ = 8000.0  # envelope rate for the TR search (0.125 ms resolution)
_BAND_LOW_HZ = 1000.0  # gradient noise is strong above 1 kHz, the voice mostly below
_TR_RANGE_S = (0.001, 0.025)
# free search: a scan must be this much more periodic at its period than 3 % off it (a periodic
# waveform with a few resonances stays fairly low-rank when misaligned; a scan loses a third)
_NULL_RATIO = 1.3  # periodic at p, 2p and 3p: a chance correlation of a voice does not hold at all three


@dataclass
class ScanNoise:
    """Gradient noise of a scan in a recording (times on the audio clock, s from the first sample).

    Attributes
    ----------
    tr_s : float
        Repetition time measured on the audio clock (s).
    tr_nominal_s : float
        The TR the search found (``frame_period / trs_per_frame`` when the frame rate was given).
    trs_per_frame : int or None
        Whole number of TRs per frame period, when the TR divides the frame period.
    drift_ppm : float
        Audio-clock drift from the TR phase over the span (NaN when not measurable: no frame rate,
        or the frame period is not a whole number of TRs).
    onset_s, end_s : float or None
        Where the noise starts / stops (None when the recording starts / ends inside it).
    coarse_span_s : tuple of float
        The periodic span before the change-point refinement.
    score : float
        Median periodicity score (0-1) over the span.
    waveform_repeats : bool
        True when the waveform itself repeats every TR (Cartesian-like); False for rotating
        read-outs (interleaved spiral/radial, golden angle), whose envelope repeats but not the
        waveform.
    candidates : list of dict
        Every TR candidate scored (``tr_s``, ``periodic_s``), best first.
    other_bursts : list of dict
        Energetic stretches outside the span (``start_s``, ``end_s``, ``tr_s`` of their own best
        period): localiser/shim bursts, rejected.
    onset_contrast, end_contrast : float
        Fraction of the local energy explained by the change-point model (0-1).
    onset_sharpness, end_sharpness : float
        Share (0-1) of the end's whole level step (dB) that happens within 1 ms of it: near 1
        for an abrupt start/stop, low for a slow ring-down (a less precise marker).
    period_s, period_nominal_s : float
        The repetition period used for the span, ends and drift (the TR or a whole multiple of
        it, e.g. the frame period when the noise is also frame-periodic), audio clock / nominal.
    """

    tr_s: float
    tr_nominal_s: float
    trs_per_frame: int | None
    drift_ppm: float
    onset_s: float | None
    end_s: float | None
    coarse_span_s: tuple[float, float]
    score: float
    waveform_repeats: bool
    candidates: list[dict[str, float]] = field(default_factory=list)
    other_bursts: list[dict[str, float]] = field(default_factory=list)
    onset_contrast: float = 0.0
    end_contrast: float = 0.0
    period_s: float = float("nan")
    period_nominal_s: float = float("nan")
    onset_sharpness: float = float("nan")
    end_sharpness: float = float("nan")

    def span(self, duration_s: float) -> tuple[float, float]:
        """Start and end (s) of the noise inside a recording of ``duration_s`` seconds."""
        a = 0.0 if self.onset_s is None else self.onset_s
        b = duration_s if self.end_s is None else self.end_s
        return a, b

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def _band(x: np.ndarray, sr: float) -> np.ndarray:
    hi = min(8000.0, 0.45 * sr)
    sos = signal.butter(4, [_BAND_LOW_HZ, hi], "bandpass", fs=sr, output="sos")
    return signal.sosfiltfilt(sos, x)


def _envelope(y: np.ndarray, sr: float) -> tuple[np.ndarray, float]:
    """Energy envelope of ``y`` at about ``_ENV_RATE_HZ`` (boxcar-averaged power)."""
    q = max(1, int(sr // _ENV_RATE_HZ))
    e = ndimage.uniform_filter1d(y ** 2, max(1, int(round(0.0005 * sr))))
    n = e.size // q
    return e[: n * q].reshape(n, q).mean(axis=1), sr / q


def _slots(y: np.ndarray, sr: float, p: float) -> np.ndarray:
    """Consecutive stretches of length ``p`` (s) as rows, linearly interpolated.

    ``p`` need not be a whole number of samples.
    """
    m = max(4, int(np.ceil(p * sr)))
    n = int(np.floor((y.size - 2) / sr / p))
    t = (np.arange(n)[:, None] * p + np.arange(m)[None, :] * (p / m)) * sr
    i = np.floor(t).astype(np.int64)
    w = t - i
    return y[i] * (1 - w) + y[i + 1] * w


def _score_candidate(y: np.ndarray, sr: float, p: float, k: int | None,
                     rank: int = 3, hop_s: float = 0.05,
                     base: float | None = None) -> dict[str, Any]:
    """Low-rank periodicity of ``y`` at period ``p`` (s) in sliding windows.

    Every period-long slot of a scan's noise is a combination of a few fixed waveforms (one for
    a Cartesian sequence; a fixed-axis and two rotating in-plane components, weighted by the
    cosine and sine of the read-out angle, for spiral/radial interleaves and golden-angle
    orderings). So the share of the energy of ``rows`` consecutive slots captured by their first
    ``rank`` singular vectors is near 1 during the scan and low elsewhere (a voice drifts against
    the slot grid). The score is that share; ``periodic_s`` integrates its excess over the
    recording's low (20th-percentile) level, in seconds.
    """
    Y = _slots(y, sr, p)
    rows = max(16, int(round(0.1 / p)))
    if Y.shape[0] < rows + 2:
        return {"p": p, "k": k, "periodic_s": 0.0, "s": np.zeros(1), "t": np.zeros(1),
                "win_s": rows * p, "base": 0.0}
    step = max(1, int(round(hop_s / p)))
    starts = np.arange(0, Y.shape[0] - rows + 1, step)
    sc = np.empty(starts.size)
    for j, a in enumerate(starts):
        sv = np.linalg.svd(Y[a:a + rows], compute_uv=False) ** 2
        sc[j] = sv[:rank].sum() / max(float(sv.sum()), 1e-30)
    t = (starts + rows / 2) * p
    if base is None:
        base = float(np.percentile(sc, 20))
    per_s = float(np.sum(np.clip(sc - base, 0, None)) * step * p / max(1e-3, 1 - base))
    return {"p": p, "k": k, "periodic_s": per_s, "s": sc, "t": t, "win_s": rows * p,
            "base": base}


def _free_candidates(e: np.ndarray, fe: float, lo_s: float, hi_s: float,
                     n_max: int = 8) -> list[float]:
    """Peaks of the envelope autocorrelation between ``lo_s`` and ``hi_s`` (s), strongest first."""
    ec = e - e.mean()
    n = int(2 ** np.ceil(np.log2(2 * ec.size)))
    ac = np.fft.irfft(np.abs(np.fft.rfft(ec, n)) ** 2, n)[: ec.size]
    ac = ac / max(ac[0], 1e-30)
    lo, hi = max(1, int(lo_s * fe)), min(int(hi_s * fe) + 2, ec.size - 1)
    pk, _ = signal.find_peaks(ac[lo:hi])
    pk = pk[np.argsort(ac[lo:hi][pk])[::-1]][:n_max] + lo
    starts = [_parabolic(ac, int(k)) / fe for k in pk]
    # and the strongest lines of the envelope spectrum (a rotating read-out's envelope repeats
    # weakly per TR, but its line at 1/TR is steady over the whole scan, a voice's is not)
    spec = np.abs(np.fft.rfft(ec, n)) ** 2
    fr = np.fft.rfftfreq(n, 1.0 / fe)
    band = np.flatnonzero((fr >= 1.0 / hi_s) & (fr <= 1.0 / lo_s))
    if band.size > 3:
        sp, _ = signal.find_peaks(spec[band])
        sp = sp[np.argsort(spec[band][sp])[::-1]][: n_max // 2] + band[0]
        for k in sp:
            f = _parabolic(spec, int(k)) * (fr[1] - fr[0])
            for mult in (1, 2, 3):
                if lo_s <= mult / f <= hi_s:
                    starts.append(mult / f)
    out = []
    for p in starts:
        # sharpen: the peak near n * p for n = 4, 16, 64 pins p down n times more finely
        for n in (4, 16, 64):
            c = n * p * fe
            half = max(2, int(np.ceil(c * 0.004)))
            a, b = int(round(c)) - half, int(round(c)) + half + 1
            if a < 1 or b >= ac.size - 1:
                break
            j = a + int(np.argmax(ac[a:b]))
            p = _parabolic(ac, j) / fe / n
        out.append(p)
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the True runs of ``mask``."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


def _phase_period(ef: np.ndarray, sr: float, p: float, a: float, b: float,
                  max_ppm: float) -> float:
    """Period (s, audio clock) from the drift of the TR phase over [a, b].

    The energy envelope is cut into blocks (>= 0.2 s, many TRs, so rotating read-outs average
    out); each block's lag against the folded one-period envelope is measured by
    cross-correlation (parabolic peak, unwrapped by continuity), and a straight line through the
    lags gives the period correction. Two passes (the second folds with the corrected period).
    """
    block = max(0.2, 16 * p)
    if b - a < 3 * block:
        return p
    e = ef - ndimage.uniform_filter1d(ef, max(3, int(round(p * sr))))
    m = max(16, int(np.ceil(p * sr)))
    for _ in range(2):
        tmpl = _fold(e, sr, p, a, b, m)
        starts = np.arange(a, b - block, block / 2)
        lags, times = [], []
        half = int(np.ceil(0.5 * p * sr))
        prev = 0.0
        for t0 in starts:
            i0 = int(round(t0 * sr))
            n = int(round(block * sr))
            seg = e[i0:i0 + n]
            tt = (np.arange(-half, n + half) + i0) / sr
            pred = _predict(tmpl, p, a, tt)
            c = signal.correlate(pred, seg, mode="valid")  # lag L: pred shifted by L - half
            pk, _ = signal.find_peaks(c)
            if pk.size == 0:
                continue
            cand = np.array([_parabolic(c, int(q)) for q in pk]) - half
            j = int(np.argmin(np.abs(cand - prev)))
            prev = cand[j]
            lags.append(cand[j] / sr)
            times.append(t0 + block / 2 - a)
        if len(lags) < 3:
            return p
        slope = np.polyfit(np.asarray(times), np.asarray(lags), 1)[0]
        # the noise arrives ``slope`` s later per s: its period is longer by that fraction
        p_new = p * (1.0 - slope)
        if abs(p_new / p - 1) * 1e6 > max_ppm:
            return p
        p = p_new
    return float(p)


def _fold(e: np.ndarray, sr: float, tr: float, a: float, b: float, m: int) -> np.ndarray:
    """Median of ``e`` over the TRs in [a, b] at ``m`` equally spaced phases."""
    n_tr = int(np.floor((b - a) / tr))
    if n_tr < 1:
        return np.zeros(m)
    ks = np.arange(n_tr)
    if ks.size > 600:
        ks = np.unique(np.linspace(0, n_tr - 1, 600).round().astype(int))
    t = a + (ks[:, None] + np.arange(m)[None, :] / m) * tr
    idx = np.clip(np.round(t * sr).astype(int), 0, e.size - 1)
    return np.median(e[idx], axis=0)


def _predict(tmpl: np.ndarray, tr: float, ref: float, t: np.ndarray) -> np.ndarray:
    m = tmpl.size
    ph = np.mod((t - ref) / tr, 1.0) * m
    i = np.floor(ph).astype(int) % m
    w = ph - np.floor(ph)
    return tmpl[i] * (1 - w) + tmpl[(i + 1) % m] * w


def _sharpness(ef: np.ndarray, sr: float, i: int, tr: float, rising: bool) -> float:
    """Share of the level step (dB, over two periods each side) within 1 ms of sample ``i``."""
    v = 10 * np.log10(ef + 1e-30)
    w = max(2, int(round(2 * tr * sr)))
    ms = max(1, int(round(0.001 * sr)))
    before, after = v[max(0, i - w):i], v[i:i + w]
    near_b, near_a = v[max(0, i - ms):i], v[i:i + ms]
    if min(before.size, after.size, near_b.size, near_a.size) == 0:
        return float("nan")
    sign = -1.0 if rising else 1.0
    total = sign * (np.median(before) - np.median(after))
    local = sign * (np.mean(near_b) - np.mean(near_a))
    if total <= 0:
        return float("nan")
    return float(np.clip(local / total, 0.05, 1.0))


def _log_step(e: np.ndarray, lo: int, hi: int, rising: bool) -> tuple[int, float]:
    """Sample in [lo, hi) where the log energy steps up (``rising``) or down.

    Two-level least squares in dB, so a quiet last TR (a rotating read-out at a quiet angle)
    still counts as noise as long as it is well above what follows.
    """
    v = 10 * np.log10(e[lo:hi] + 1e-30)
    n = v.size
    c1 = np.concatenate([[0.0], np.cumsum(v)])
    c2 = np.concatenate([[0.0], np.cumsum(v * v)])
    i = np.arange(1, n)
    left = c2[i] - c1[i] ** 2 / i
    right = (c2[n] - c2[i]) - (c1[n] - c1[i]) ** 2 / (n - i)
    cost = left + right
    step = c1[i] / i - (c1[n] - c1[i]) / (n - i)  # left mean minus right mean (dB)
    ok = step < 0 if rising else step > 0
    if not np.any(ok):
        return lo + n // 2, 0.0
    cost = np.where(ok, cost, np.inf)
    k = int(np.argmin(cost))
    total = float(c2[n] - c1[n] ** 2 / n) or 1.0
    return lo + int(i[k]), float(np.clip(1 - cost[k] / total, 0, 1))


def find_scan_noise(x: np.ndarray, sr: float, *, frame_period_s: float | None = None,
                    tr_range_s: tuple[float, float] = _TR_RANGE_S,
                    min_scan_s: float = 0.25, specific: bool = False) -> ScanNoise | None:
    """Find the gradient noise of a scan: its TR, span, ends and the audio-clock drift.

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        Audio samples.
    sr : float
        Sampling rate of the file (Hz, as its header states).
    frame_period_s : float, optional
        Frame period of the sequence (s, scanner clock): the TR candidates become
        ``frame_period_s / k`` and the drift becomes measurable.
    tr_range_s : (float, float)
        Shortest and longest TR searched (s).
    min_scan_s : float
        Shortest periodic stretch accepted as a scan (s).
    specific : bool
        Also with a frame period, reject the best candidate unless the sound is clearly more
        periodic at it than 3 % off it (as the free search always does): a sustained periodic
        voice can otherwise pass for scan noise at a divisor of the frame period.

    Returns
    -------
    ScanNoise or None
        None when no stretch of at least ``min_scan_s`` is periodic at any TR candidate.
    """
    x = np.asarray(x, dtype=float)
    dur = x.size / sr
    if dur < 4 * min_scan_s or sr < 2.5 * _BAND_LOW_HZ:
        return None
    y = _band(x, sr)
    cands: list[tuple[float, int | None]] = []
    if frame_period_s is not None and frame_period_s > 0:
        k_max = int(frame_period_s / tr_range_s[0])
        for k in range(1, k_max + 1):
            p = frame_period_s / k
            if tr_range_s[0] <= p <= max(tr_range_s[1], frame_period_s):
                cands.append((p, k))
    # the candidates are scored on a copy at <= 2.5x the band's top (the band ends at 8 kHz):
    # the same periodicity, a fraction of the work at 44.1 or 48 kHz
    q = max(1, int(sr // 20000.0))
    ys, srs = (signal.resample_poly(y, 1, q), sr / q) if q > 1 else (y, sr)
    scored = [_score_candidate(ys, srs, p, k) for p, k in cands]
    best = max((c["periodic_s"] for c in scored), default=0.0)
    if best < min_scan_s:  # no frame rate, or not a whole number of TRs per frame: free search
        e, fe = _envelope(y, sr)
        for p in _free_candidates(e, fe, *tr_range_s, n_max=16):
            c = _score_candidate(ys, srs, p, None)
            # a sustained periodic sound (a held note) is about as low-rank 3 % off its
            # period; scan noise is periodic at its own period only: keep the excess
            c["null_s"] = max(_score_candidate(ys, srs, p * f, None, base=c["base"])["periodic_s"]
                              for f in (1.03, 1 / 1.03))
            c["raw_s"] = c["periodic_s"]
            c["periodic_s"] = c["periodic_s"] - c["null_s"] \
                if c["raw_s"] > _NULL_RATIO * c["null_s"] else 0.0
            scored.append(c)
        best = max((c["periodic_s"] for c in scored), default=0.0)
    if best < min_scan_s:
        return None
    scored.sort(key=lambda c: -c["periodic_s"])
    top = scored[0]
    if specific and "null_s" not in top:
        null = max(_score_candidate(ys, srs, top["p"] * f, None, base=top["base"])["periodic_s"]
                   for f in (1.03, 1 / 1.03))
        if top["periodic_s"] <= _NULL_RATIO * null:
            return None
    tr0, k = top["p"], top["k"]
    sc, ts = top["s"], top["t"]
    lo_sc, hi_sc = float(np.percentile(sc, 20)), float(np.percentile(sc, 95))
    # core: the longest stretch where the noise clearly dominates
    core = ndimage.median_filter(sc, 3, mode="nearest") >= lo_sc + 0.9 * (hi_sc - lo_sc)
    runs = _runs(core)
    if not runs:
        return None
    i0, i1 = max(runs, key=lambda r: r[1] - r[0])
    half = top["win_s"] / 2
    inner_a, inner_b = max(0.0, ts[i0] - half), min(dur, ts[i1 - 1] + half)
    if inner_b - inner_a < max(min_scan_s / 2, 4 * tr0):
        return None
    score = float(np.median(sc[i0:i1]))
    # does the waveform itself repeat? (rotating read-outs repeat only their energy envelope)
    wf = _waveform_repeat(y, sr, tr0, inner_a, inner_b)
    ef = ndimage.uniform_filter1d(y ** 2, max(1, int(round(0.00025 * sr))))
    tr = _phase_period(ef, sr, tr0, inner_a, inner_b, 3000.0 if k is None else 1500.0)
    # span: energy captured by the core's noise subspace, slot by slot over the whole recording
    # (specific to this noise: a voice, a hum or a localiser with another TR is barely captured)
    t_slot, cap = _matched_energy(y, sr, tr, inner_a, inner_b, rank=1 if wf else 3)
    cap_db = 10 * np.log10(ndimage.median_filter(cap, 5, mode="nearest") + 1e-30)
    in_core = (t_slot >= inner_a) & (t_slot < inner_b)
    lev_scan = float(np.median(cap_db[in_core]))
    lev_bg = float(np.percentile(cap_db, 5))
    on = _close(cap_db > 0.5 * (lev_scan + lev_bg), max(1, int(round(0.1 / tr))))
    mid = 0.5 * (inner_a + inner_b)
    runs = [r for r in _runs(on) if t_slot[r[0]] <= mid <= t_slot[r[1] - 1] + tr]
    if runs:
        c_a, c_b = float(t_slot[runs[0][0]]), float(t_slot[runs[0][1] - 1] + tr)
    else:
        c_a, c_b = inner_a, inner_b
    c_a, c_b = max(0.0, c_a), min(dur, c_b)
    tr_rep = _tr_within(ef, sr, tr, inner_a, inner_b)
    drift = float("nan")
    if k is not None and frame_period_s:
        drift = (tr * k / frame_period_s - 1.0) * 1e6
    # ends: steps of the log energy, at sample resolution
    res = ScanNoise(tr_s=tr / tr_rep, tr_nominal_s=tr0 / tr_rep,
                    trs_per_frame=None if k is None else k * tr_rep,
                    drift_ppm=drift, onset_s=None, end_s=None, coarse_span_s=(c_a, c_b),
                    score=score, waveform_repeats=wf, period_s=tr, period_nominal_s=tr0)
    res.candidates = [{"period_s": c["p"], "periodic_s": c["periodic_s"],
                       "trs_per_frame": c["k"]} for c in scored[:6]]
    # a short-response filter for the ends: the 4th-order band-pass rings for about a
    # millisecond each way, which the dB steps would count as noise
    sos = signal.butter(2, _BAND_LOW_HZ, "highpass", fs=sr, output="sos")
    ee = ndimage.uniform_filter1d(signal.sosfiltfilt(sos, x) ** 2,
                                  max(1, int(round(0.00025 * sr))))
    reach = 4 * tr + 0.02
    if c_a > 2 * tr:
        lo = max(0, int((c_a - reach) * sr))
        hi = min(x.size, int((c_a + reach) * sr))
        i, con = _log_step(ee, lo, hi, True)
        if i > tr * sr:
            res.onset_s, res.onset_contrast = i / sr, con
            res.onset_sharpness = _sharpness(ee, sr, i, tr, True)
    if c_b < dur - 2 * tr:
        lo = max(0, int((c_b - reach) * sr))
        hi = min(x.size, int((c_b + reach) * sr))
        i, con = _log_step(ee, lo, hi, False)
        if i < x.size - tr * sr:
            res.end_s, res.end_contrast = i / sr, con
            res.end_sharpness = _sharpness(ee, sr, i, tr, False)
    e, fe = _envelope(y, sr)
    res.other_bursts = _other_bursts(e, fe, res.span(dur), tr)
    return res


def _close(mask: np.ndarray, gap: int) -> np.ndarray:
    """Binary closing that also closes gaps touching neither end."""
    return ndimage.binary_closing(np.pad(mask, gap), structure=np.ones(2 * gap + 1))[gap:-gap]


def _matched_energy(y: np.ndarray, sr: float, p: float, a: float, b: float,
                    rank: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Energy of every period-long slot of ``y`` inside the noise subspace learnt on [a, b] (s).

    Returns the slot start times (s) and the captured energy per sample.
    """
    m = max(4, int(np.ceil(p * sr)))
    j0 = int(np.floor(a / p))
    n = int(np.floor((y.size - 2) / sr / p))
    starts = a + (np.arange(n) - j0) * p
    starts = starts[(starts >= 0) & (starts + p < (y.size - 2) / sr)]
    t = (starts[:, None] + np.arange(m)[None, :] * (p / m)) * sr
    i = np.floor(t).astype(np.int64)
    w = t - i
    Y = y[i] * (1 - w) + y[i + 1] * w
    core = (starts >= a) & (starts + p <= b)
    Yc = Y[core]
    if Yc.shape[0] > 800:
        Yc = Yc[np.linspace(0, Yc.shape[0] - 1, 800).round().astype(int)]
    _, _, vt = np.linalg.svd(Yc, full_matrices=False)
    proj = Y @ vt[:rank].T
    return starts, np.sum(proj ** 2, axis=1) / m


def _tr_within(ef: np.ndarray, sr: float, p: float, a: float, b: float) -> int:
    """How many TRs one period ``p`` holds.

    The largest ``j`` for which the folded energy envelope repeats after ``p / j`` (circular
    correlation >= 0.6: frame-rate amplitude modulation makes the TRs of one frame differ in
    level, not in shape).
    """
    m = max(16, int(np.ceil(p * sr)))
    tmpl = _fold(ef, sr, p, a, b, m)
    tmpl = tmpl - tmpl.mean()
    if not np.any(tmpl):
        return 1
    f = np.fft.rfft(tmpl)
    freqs = np.fft.rfftfreq(m, d=1.0 / m)
    best = 1
    for j in range(2, int(p / 0.001) + 1):
        shifted = np.fft.irfft(f * np.exp(-2j * np.pi * freqs / j), m)
        r = float(np.sum(tmpl * shifted) / np.sum(tmpl * tmpl))
        if r >= 0.6:
            best = j
    return best


def _waveform_repeat(y: np.ndarray, sr: float, tr: float, a: float, b: float) -> bool:
    """Normalised correlation of the waveform with itself one TR later, over [a, b]."""
    i0, i1 = int(a * sr), int(b * sr)
    lag = int(round(tr * sr))
    if i1 - i0 <= 2 * lag:
        return False
    u, v = y[i0: i1 - lag], y[i0 + lag: i1]
    r = float(np.sum(u * v) / np.sqrt(np.sum(u * u) * np.sum(v * v) + 1e-30))
    return r > 0.5


def _other_bursts(e: np.ndarray, fe: float, span: tuple[float, float],
                  tr: float) -> list[dict[str, float]]:
    """Loud stretches (>= 0.1 s) outside the scan span, with their own best period."""
    t = np.arange(e.size) / fe
    inside = (t >= span[0] - 0.05) & (t <= span[1] + 0.05)
    if np.all(inside):
        return []
    lev = 10 * np.log10(ndimage.uniform_filter1d(e, int(0.02 * fe)) + 1e-30)
    scan_lev = float(np.median(lev[inside]))
    floor = float(np.percentile(lev[~inside], 10)) if np.any(~inside) else scan_lev - 40
    loud = (lev > floor + 0.5 * (scan_lev - floor)) & ~inside
    out = []
    for i0, i1 in _runs(loud):
        if (i1 - i0) / fe < 0.1:
            continue
        seg = e[i0:i1]
        cand = _free_candidates(seg, fe, 0.001, 0.025, n_max=1)
        out.append({"start_s": i0 / fe, "end_s": i1 / fe,
                    "tr_s": cand[0] if cand else float("nan"),
                    "same_tr": bool(cand and abs(cand[0] / tr - 1) < 0.02)})
    return out
