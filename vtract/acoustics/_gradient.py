"""Finding MRI gradient noise in a recording: its period (frame/TR clock), waveform and span.

Gradient noise repeats with the acquisition clock, so it is found by its periodicity rather than
its loudness: a sliding normalised correlation between the signal and itself one period later is
near 1 while frames are acquired and near 0 elsewhere (speech is not periodic at the frame clock).
The period is refined by cross-correlating noise stretches many periods apart (which measures the
drift between the audio clock and the nominal frame rate), the noise waveform of one period is the
median over periods (speech averages out), and the acquisition start/end are change points of a
least-squares fit of that periodic waveform (sample precision).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy import ndimage, signal

__all__ = ["GradientNoise", "find_gradient_noise", "periodicity_score", "estimate_period"]


@dataclass
class GradientNoise:
    """Where and how the gradient noise sits in a recording (times on the audio clock, s).

    Attributes
    ----------
    period_s : float
        Measured repetition period (audio clock).
    nominal_period_s : float
        The period expected from the frame rate.
    drift_ppm : float
        ``(period_s / nominal_period_s - 1) * 1e6``.
    onset_s, end_s : float or None
        Acquisition start / end (None when the noise is already present at the first sample /
        still present at the last one).
    coarse_onset_s, coarse_end_s : float
        Span where the periodicity score is high.
    ref_s : float
        Audio time of phase 0 of ``template``.
    template : ndarray
        One period of noise, sampled at ``len(template)`` equally spaced phases.
    score : float
        Median periodicity score inside the span (0-1).
    onset_contrast, end_contrast : float
        Relative cost improvement of the change points (0-1; higher = sharper).
    """

    period_s: float
    nominal_period_s: float
    drift_ppm: float
    onset_s: float | None
    end_s: float | None
    coarse_onset_s: float
    coarse_end_s: float
    ref_s: float
    template: np.ndarray = field(repr=False)
    score: float = 0.0
    onset_contrast: float = 0.0
    end_contrast: float = 0.0

    def predict(self, times: np.ndarray) -> np.ndarray:
        """Evaluate the periodic noise waveform at ``times`` (s), without on/off gating."""
        m = self.template.size
        ph = np.mod((np.asarray(times) - self.ref_s) / self.period_s, 1.0) * m
        i0 = np.floor(ph).astype(int) % m
        w = ph - np.floor(ph)
        return self.template[i0] * (1 - w) + self.template[(i0 + 1) % m] * w


def periodicity_score(x: np.ndarray, sample_rate_hz: float, period_s: float, *,
                      hop_s: float | None = None, n_lags: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """How periodic the signal is at ``period_s``, in sliding windows.

    The score is the smallest of the normalised correlations between a two-period window and the
    same window 1, 2, ... ``n_lags`` periods later: gradient noise scores near its share of the
    signal power at every lag, while speech and music, which can correlate at one lag by chance,
    do not at all of them.

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        Audio samples.
    sample_rate_hz : float
        Sample rate of ``x`` (Hz).
    period_s : float
        The frame (or TR) period in s.
    hop_s : float, optional
        Output spacing (default period/4).
    n_lags : int
        Number of lags compared.

    Returns
    -------
    times : ndarray
        Window start times in s (the windows reach ``(2 + n_lags) * period_s`` ahead).
    score : ndarray
        Score in [-1, 1].
    """
    sr = sample_rate_hz
    p = max(1, int(round(period_s * sr)))
    w = 2 * p
    if x.size < n_lags * p + w + 1:
        return np.zeros(0), np.zeros(0)
    hop = max(1, int(round((hop_s or period_s / 4) * sr)))
    idx = np.arange(0, x.size - n_lags * p - w + 1, hop)

    def movsum(v: np.ndarray) -> np.ndarray:
        c = np.concatenate([[0.0], np.cumsum(v)])
        return (c[w:] - c[:-w])[idx]

    e = x ** 2
    c_e = np.concatenate([[0.0], np.cumsum(e)])
    e0 = (c_e[w:] - c_e[:-w])
    score = np.full(idx.size, np.inf)
    for k in range(1, n_lags + 1):
        lag = int(round(k * period_s * sr))
        num = movsum(x[:-lag] * x[lag:])
        den = np.sqrt(e0[idx] * e0[idx + lag])
        floor = 1e-12 + 1e-6 * np.max(den)
        score = np.minimum(score, num / np.maximum(den, floor))
    return idx / sr, score


def estimate_period(x: np.ndarray, sample_rate_hz: float, *, min_period_s: float = 0.004,
                    max_period_s: float = 0.1) -> float:
    """Period (s) of the strongest repetition in ``x`` (for recordings without a frame rate).

    Uses the normalised autocorrelation of the high-passed signal and returns the smallest lag
    whose peak reaches 90% of the highest peak within ``[min_period_s, max_period_s]``.
    """
    sr = sample_rate_hz
    sos = signal.butter(4, 300, "highpass", fs=sr, output="sos")
    y = signal.sosfiltfilt(sos, x[: int(min(x.size, 30 * sr))])
    n = int(2 ** np.ceil(np.log2(2 * y.size)))
    f = np.fft.rfft(y, n)
    ac = np.fft.irfft(np.abs(f) ** 2, n)[: y.size]
    ac = ac / ac[0] / (1 - np.arange(y.size) / y.size)
    lo, hi = int(min_period_s * sr), min(int(max_period_s * sr), y.size // 3)
    seg = ac[lo:hi]
    pk, _ = signal.find_peaks(seg)
    if pk.size == 0:
        return float(np.argmax(seg) + lo) / sr
    best = seg[pk].max()
    k = pk[np.flatnonzero(seg[pk] >= 0.9 * best)[0]] + lo
    return _parabolic(ac, k) / sr


def _parabolic(v: np.ndarray, k: int) -> float:
    if 0 < k < v.size - 1:
        y0, y1, y2 = v[k - 1], v[k], v[k + 1]
        den = y0 - 2 * y1 + y2
        if den != 0:
            return k + float(np.clip(0.5 * (y0 - y2) / den, -1, 1))
    return float(k)


def _sample(x: np.ndarray, sr: float, t: np.ndarray) -> np.ndarray:
    """Cubic-spline samples of ``x`` at times ``t`` (s); 0 outside."""
    return ndimage.map_coordinates(x, [np.asarray(t) * sr], order=3, mode="constant", cval=0.0)


def _refine_period(x: np.ndarray, sr: float, period: float, t_a: float, t_b: float,
                   max_drift_ppm: float = 500.0) -> float:
    """Refine the period by cross-correlating noise stretches 4, 16, 64... periods apart.

    The search window around the predicted position is kept as narrow as the largest plausible
    clock drift allows, so the peak cannot slip to a neighbouring readout or carrier cycle.
    """
    seg_len = 4 * period
    s0 = t_a
    i_s0 = int(round(s0 * sr))
    seg0 = x[i_s0: i_s0 + int(seg_len * sr)]
    if seg0.size < 8:
        return period
    n = 4
    while True:
        target = s0 + n * period
        if target + seg_len + period > t_b:
            break
        half = 3 + int(np.ceil(n * period * sr * max_drift_ppm * 1e-6))
        half = min(half, max(3, int(period * sr / 4)))
        a = int(round(target * sr)) - half
        b = a + seg0.size + 2 * half
        if a < 0 or b > x.size:
            break
        c = signal.correlate(x[a:b], seg0, mode="valid", method="fft")
        k = int(np.argmax(c))
        lag = (a + _parabolic(c, k) - i_s0) / sr
        period = lag / n
        n *= 4
        max_drift_ppm = 50.0  # later steps only correct the residual of the previous one
    return period


def _fold(x: np.ndarray, sr: float, period: float, ref: float, n_periods: int,
          max_periods: int = 400) -> np.ndarray:
    """Noise waveform of one period: median over periods at equally spaced phases (4x oversampled).

    The voice is not periodic at the frame clock, so it leaks into the median of ``N`` periods
    only with a standard deviation of about ``1.25 * sigma_voice / sqrt(N)``.
    """
    m = int(np.ceil(period * sr)) * 4
    if n_periods > max_periods:
        ks = np.unique(np.linspace(0, n_periods - 1, max_periods).round().astype(int))
    else:
        ks = np.arange(n_periods)
    ph = np.arange(m) / m
    tt = ref + (ks[:, None] + ph[None, :]) * period
    vals = _sample(x, sr, tt.ravel()).reshape(tt.shape)
    return np.median(vals, axis=0)


def _change_point(a: np.ndarray, pred: np.ndarray, rising: bool,
                  candidates: np.ndarray | None = None) -> tuple[int, float]:
    """Index where the predicted noise switches on (``rising``) or off, by least squares.

    ``candidates`` restricts the answer to given indices (the burst starts): a wrong answer then
    needs a whole burst's worth of evidence, not just a few samples of a loud voice.
    """
    g = pred ** 2 - 2 * a * pred
    if rising:
        cost = np.concatenate([np.cumsum(g[::-1])[::-1], [0.0]])  # cost[i] = sum_{t>=i} g
    else:
        cost = np.concatenate([[0.0], np.cumsum(g)])  # cost[i] = sum_{t<i} g
    if candidates is not None and candidates.size:
        i = int(candidates[np.argmin(cost[candidates])])
    else:
        i = int(np.argmin(cost))
    scale = float(np.sum(pred ** 2)) or 1.0
    contrast = float(np.clip(-cost[i] / scale, 0.0, 1.0))
    return i, contrast


def _burst_starts(gn: GradientNoise, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the samples of ``t`` where a template burst starts, and the exact times (s)."""
    rises, _, _ = _rises(gn)
    if rises.size == 0 or t.size < 2:
        return np.zeros(0, int), np.zeros(0)
    m = gn.template.size
    ph = np.mod((t - gn.ref_s) / gn.period_s, 1.0) * m
    step = np.mod(np.diff(ph), m)
    idx, times = [], []
    for r in rises:
        d = np.mod(r - ph[:-1], m)
        hit = np.flatnonzero(d < step)
        idx.append(hit + 1)
        times.append(t[hit] + d[hit] / m * gn.period_s)
    idx_a, times_a = np.concatenate(idx), np.concatenate(times)
    order = np.argsort(idx_a)
    return idx_a[order], times_a[order]


def find_gradient_noise(x: np.ndarray, sample_rate_hz: float, *, period_s: float,
                        threshold: float = 0.15) -> GradientNoise | None:
    """Locate frame-periodic gradient noise in ``x``.

    Parameters
    ----------
    x : ndarray, shape (n_samples,)
        Audio samples.
    sample_rate_hz : float
        Sample rate of ``x`` (Hz).
    period_s : float
        Nominal repetition period in s (``1 / fps`` or the TR).
    threshold : float
        Periodicity score above which a stretch counts as acquisition.

    Returns
    -------
    GradientNoise or None
        None when no stretch of at least four periods is periodic at ``period_s``.
    """
    sr = sample_rate_hz
    x = np.asarray(x, dtype=float)
    dur = x.size / sr
    times, sc = periodicity_score(x, sr, period_s)
    if sc.size == 0:  # shorter than one scoring window: nothing to time
        return None
    y = x
    # speech dominates below ~1 kHz; when the noise is more periodic in the high band, time it
    # there (loud voices then do not mask it)
    if sr > 4000:
        sos = signal.butter(4, 1000.0, "highpass", fs=sr, output="sos")
        x_hi = signal.sosfiltfilt(sos, x)
        _, sc_hi = periodicity_score(x_hi, sr, period_s)
        if sc_hi.size == sc.size and np.percentile(sc_hi, 90) > np.percentile(sc, 90):
            sc, y = sc_hi, x_hi
    hop = times[1] - times[0] if times.size > 1 else period_s / 4
    smooth = ndimage.median_filter(sc, size=5, mode="nearest")
    on = smooth > threshold
    # close short dropouts (loud speech), then keep the longest stretch: the acquisition
    gap = max(1, int(round(4 * period_s / hop)))
    on = ndimage.binary_closing(np.pad(on, gap), structure=np.ones(2 * gap + 1))[gap:-gap]
    lab, nlab = ndimage.label(on)
    if nlab == 0:
        return None
    sizes = ndimage.sum(on, lab, index=np.arange(1, nlab + 1))
    big = int(np.argmax(sizes)) + 1
    if sizes[big - 1] * hop < 4 * period_s:
        return None
    span = lab == big
    idx = np.flatnonzero(span)
    c_on = float(times[idx[0]])
    c_end = float(min(dur, times[idx[-1]] + 5 * period_s))  # window 2 periods + 3 lags
    score = float(np.median(sc[span]))
    # drift
    inner_a = c_on + period_s
    inner_b = c_end - 2 * period_s
    period = period_s
    if inner_b - inner_a > 8 * period_s:
        period = _refine_period(y, sr, period_s, inner_a, inner_b)
        if not (0.99 * period_s < period < 1.01 * period_s):
            period = period_s
    ref = inner_a
    n_per = int(np.floor((inner_b - ref) / period))
    if n_per < 2:
        ref, n_per = c_on, max(1, int(np.floor((c_end - c_on) / period)))
    tmpl = _fold(y, sr, period, ref, n_per)
    gn = GradientNoise(period_s=period, nominal_period_s=period_s,
                       drift_ppm=(period / period_s - 1) * 1e6, onset_s=None, end_s=None,
                       coarse_onset_s=c_on, coarse_end_s=c_end, ref_s=ref, template=tmpl,
                       score=score)
    t_all = np.arange(x.size) / sr
    # the periodicity span can overrun the acquisition when the voice happens to be periodic at
    # the frame lag; the correlation with the noise waveform itself is specific: redo the span
    c_on, c_end = _matched_span(y, sr, gn, c_on, c_end)
    gn.coarse_onset_s, gn.coarse_end_s = c_on, c_end
    # onset and end: change points within +/- 2 periods of the coarse span, at burst starts
    # when the noise comes in bursts (frames start with a read-out), else at any sample. Burst
    # starts come from the full-band waveform (the zero-phase high-pass smears them earlier).
    gx = gn if y is x else replace(gn, template=_fold(x, sr, period, ref, n_per))
    # the change points use the high band when it was the better one, filtered causally so
    # that no noise energy is smeared to before the onset
    yc, gc = x, gx
    if y is not x:
        yc = signal.sosfilt(signal.butter(4, 1000.0, "highpass", fs=sr, output="sos"), x)
        gc = replace(gn, template=_fold(yc, sr, period, ref, n_per))
    if c_on > 0.25 * period:
        i0 = max(0, int((c_on - 2 * period) * sr))
        i1 = min(x.size, int((c_on + 2 * period) * sr))
        tw = t_all[i0:i1]
        cand, ctimes = _burst_starts(gx, tw)
        k, con = _change_point(yc[i0:i1], gc.predict(tw), rising=True,
                               candidates=cand if cand.size else None)
        if cand.size and k > 0:
            gn.onset_s, gn.onset_contrast = float(ctimes[np.flatnonzero(cand == k)[0]]), con
        elif 0 < k < i1 - i0:
            gn.onset_s, gn.onset_contrast = _snap_onset(gx, (i0 + k) / sr), con
    if c_end < dur - 1.5 * period:
        i0 = max(0, int((c_end - 2 * period) * sr))
        i1 = min(x.size, int((c_end + 2 * period) * sr))
        tw = t_all[i0:i1]
        cand, ctimes = _burst_starts(gx, tw)
        k, con = _change_point(yc[i0:i1], gc.predict(tw), rising=False,
                               candidates=cand if cand.size else None)
        if cand.size and k < i1 - i0:
            gn.end_s, gn.end_contrast = float(ctimes[np.flatnonzero(cand == k)[0]]), con
        elif 0 < k < i1 - i0:
            gn.end_s, gn.end_contrast = _snap_end(gx, (i0 + k) / sr), con
    gn.template = gx.template  # the full-band waveform, for noise suppression
    return gn


def _matched_span(y: np.ndarray, sr: float, gn: GradientNoise, c_on: float,
                  c_end: float) -> tuple[float, float]:
    """Acquisition span from the local correlation with the predicted noise waveform."""
    p = max(2, int(round(gn.period_s * sr)))
    hop = max(1, p // 4)
    pred = gn.predict(np.arange(y.size) / sr)
    c = np.concatenate([[0.0], np.cumsum(y * pred)])
    e1 = np.concatenate([[0.0], np.cumsum(y * y)])
    e2 = np.concatenate([[0.0], np.cumsum(pred * pred)])
    idx = np.arange(0, y.size - p + 1, hop)
    num = c[idx + p] - c[idx]
    den = np.sqrt((e1[idx + p] - e1[idx]) * (e2[idx + p] - e2[idx]))
    r = num / np.maximum(den, 1e-12 + 1e-9 * (den.max() if den.size else 0))
    t = idx / sr
    inner = (t >= c_on + gn.period_s) & (t <= c_end - 2 * gn.period_s)
    if inner.sum() < 4:
        return c_on, c_end
    thr = 0.5 * float(np.median(r[inner]))
    if thr <= 0.05:
        return c_on, c_end
    on = ndimage.median_filter(r, size=3, mode="nearest") > thr
    lab, n = ndimage.label(on)
    if n == 0:
        return c_on, c_end
    # the stretch that overlaps the periodicity span most
    overlap = ndimage.sum(inner, lab, index=np.arange(1, n + 1))
    k = int(np.argmax(overlap)) + 1
    sel = np.flatnonzero(lab == k)
    return float(t[sel[0]]), float(min(y.size / sr, t[sel[-1]] + gn.period_s))


def _rises(gn: GradientNoise) -> tuple[np.ndarray, np.ndarray, float]:
    """Template phases (template samples) where a noise burst begins, the envelope, threshold.

    The envelope is the magnitude of the periodic analytic signal (no dips at carrier zero
    crossings); a burst begins where it rises through 20% of its maximum after at least
    0.4 ms below that level.
    """
    tm = gn.template
    m = tm.size
    spec = np.fft.fft(tm)
    h = np.zeros(m)
    h[0] = 1.0
    h[1:(m + 1) // 2] = 2.0
    if m % 2 == 0:
        h[m // 2] = 1.0
    env = np.abs(np.fft.ifft(spec * h))
    thr = 0.2 * env.max()
    below = env < thr
    quiet = max(2, int(round(4e-4 / gn.period_s * m)))
    c = np.concatenate([[0], np.cumsum(np.concatenate([below, below]))])
    up = np.flatnonzero(~below & np.roll(below, 1))
    # all of the `quiet` samples before the crossing are below the threshold
    ok = [(c[i + m] - c[i + m - quiet]) == quiet for i in up]
    rises = up[np.asarray(ok, bool)] if up.size else up
    return rises, env, thr


def _snap_onset(gn: GradientNoise, t_on: float) -> float:
    """Move an onset found in the quiet gap before a burst to where that burst begins.

    Before the first burst the predicted noise is only the previous period's decaying tail, so
    the least-squares onset is poorly defined there and tends to land early; the acquisition
    starts where the first burst begins. Continuous noise (no burst starts) is left as it is.
    """
    rises, env, thr = _rises(gn)
    if rises.size == 0:
        return t_on
    m = gn.template.size
    ph = np.mod((t_on - gn.ref_s) / gn.period_s, 1.0) * m
    ahead = np.mod(rises - ph, m)
    j = int(np.argmin(ahead))
    n_ahead = int(np.ceil(ahead[j]))
    quiet = env[(int(ph) + np.arange(n_ahead)) % m]
    if n_ahead > 0 and quiet.size and np.max(quiet) < thr:
        return t_on + float(ahead[j]) / m * gn.period_s
    behind = np.mod(ph - rises, m)
    if np.min(behind) < 0.02 * m:  # just past a burst start
        return t_on - float(np.min(behind)) / m * gn.period_s
    return t_on


def _snap_end(gn: GradientNoise, t_end: float) -> float:
    """Move a noise end found in a quiet tail to where the next noise burst would have begun.

    Gradient noise often comes in bursts (one per readout) that decay before the next one; the
    least-squares end then falls somewhere in the last burst or its quiet tail, while the
    acquisition ends where the next burst would have started (frames start with a readout, as the
    onset estimate assumes too). Continuous noise has no burst starts and is left as it is.
    """
    rises, env, thr = _rises(gn)
    if rises.size == 0:
        return t_end
    m = gn.template.size
    ph_end = np.mod((t_end - gn.ref_s) / gn.period_s, 1.0) * m
    ahead = np.mod(rises - ph_end, m)
    if np.min(np.minimum(ahead, m - ahead)) < 0.01 * m:  # already at a burst start
        return t_end
    return t_end + float(np.min(ahead)) / m * gn.period_s
