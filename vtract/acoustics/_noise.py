"""Suppression of MRI gradient noise, which repeats with the frame/TR clock.

Methods
-------
``"hybrid"`` (default)
    ``"periodic"`` followed by a gentle ``"spectral"`` pass whose noise estimate is the
    synchronous-average noise spectrum scaled by 0.1 (-10 dB): the periodic subtraction removes
    most of the noise, the spectral pass the part that jitters or changes from burst to burst.
    The most robust choice across the synthetic tests and the phantom (see
    ``benchmarks/results/acoustics_accuracy.md``).
``"periodic"``
    Synchronous averaging: the noise waveform of one period is the median over periods (the voice
    is not periodic at the frame clock and averages out); it is subtracted, period by period,
    over the acquisition span found by :func:`~vtract.acoustics.find_gradient_noise`, each burst
    optionally with its own fitted gain and sub-sample shift (``per_burst``). Removes stable
    noise almost entirely, at little cost to the voice.
``"spectral"``
    Spectral subtraction (Boll 1979, with over-subtraction and a spectral floor): the noise power
    spectrum comes from ``noise_only`` (a time range or an Audio of acquisition-only sound) or,
    failing that, from the short-time spectra of the synchronous-average noise waveform (so the
    estimate follows the noise within each period and needs no voice-free stretch).
``"comb"``
    Notches at the harmonics of the repetition frequency (the noise is a line spectrum at
    k / period); long-window STFT so the notches are narrow.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import signal

from ..audio import Audio
from ..errors import DataValueError, MissingMetadataError, VtractWarning
from ._gradient import GradientNoise, _fold, _rises, find_gradient_noise
from ._scan import ScanNoise, find_scan_noise

__all__ = ["suppress_mri_noise"]

METHODS = ("hybrid", "periodic", "spectral", "comb")
_BURST_GAIN = 0.15  # auto per-burst fit threshold (fraction of the residual energy removed)
_HYBRID_SCALE = 0.1  # residual-noise power left by the periodic step (relative)
_RIDGE = 1.0  # per-burst fit: prior weight relative to the segment energy


def suppress_mri_noise(audio: Audio, *, fps: float | None = None,
                       period_s: float | None = None,
                       noise_only: tuple[float, float] | Audio | None = None,
                       method: str = "hybrid", block_periods: int = 256,
                       over_subtraction: float = 2.0, spectral_floor: float = 0.05,
                       notch_width_hz: float = 1.5, per_burst: bool | None = None) -> Audio:
    """Remove MRI gradient noise from an in-scanner recording.

    Parameters
    ----------
    audio : Audio
        The noisy recording.
    fps : float, optional
        Frame rate of the sequence (frames/s), a hint: the frame-periodic noise model with period
        ``1 / fps`` is used. Without it the noise is detected automatically (TR search).
    period_s : float, optional
        Noise repetition period in s (e.g. the TR, or a multiple of it); overrides
        ``fps``. When neither is given the period is estimated from the audio.
    noise_only : (start_s, end_s) or Audio, optional
        A stretch with gradient noise but no voice (for ``"spectral"``).
    method : {"hybrid", "periodic", "spectral", "comb"}
        See the module notes.
    block_periods : int
        ``"periodic"``/``"hybrid"``: the noise waveform is re-estimated every this many periods, so slow
        changes in the noise are followed.
    over_subtraction, spectral_floor : float
        ``"spectral"``: noise power multiplier and the lowest gain kept.
    notch_width_hz : float
        ``"comb"``: half-width of each notch in Hz.
    per_burst : bool or None
        ``"periodic"``/``"hybrid"``: fit a gain and a sub-sample shift to every gradient burst
        (follows read-out jitter and loudness changes, at the price of some voice leakage when
        the noise is perfectly stable). ``None`` (default): only when the fit removes more than
        2% of the noise energy beyond the fixed waveform.

    Returns
    -------
    Audio
        Same length and sample rate; ``metadata["mri_noise"]`` records the method, period, drift
        and the acquisition span used.

    Examples
    --------
    >>> from vtract.acoustics import synth_vowel, add_gradient_noise
    >>> clean = synth_vowel(duration_s=3.0)
    >>> noisy = add_gradient_noise(clean, fps=23.0, onset_s=0.5, snr_db=-10)
    >>> den = suppress_mri_noise(noisy, fps=23.0)
    >>> bool(np.std(den.samples - clean.samples) < 0.2 * np.std(noisy.samples - clean.samples))
    True
    """
    if method not in METHODS:
        raise DataValueError(f"suppress_mri_noise: method must be one of {METHODS}, got {method!r}")
    x = audio.samples
    sr = audio.sample_rate_hz
    if fps is not None and not fps > 0:
        raise DataValueError(f"suppress_mri_noise: fps must be > 0 (frames/s), got {fps}")
    info: dict = {"method": method}
    gn = None
    scan = None
    if method != "spectral" or noise_only is None:
        if period_s is None and fps is not None:
            # a frame rate given: the frame-periodic model first (noise that repeats with
            # the frame); the TR search below when it finds nothing
            gn = find_gradient_noise(x, sr, period_s=1.0 / float(fps))
            if gn is not None:
                info["detection"] = "frame-periodic (--fps)"
        if gn is None and period_s is None:
            # no frame rate: find the scan by its TR (any read-out). With a frame rate whose
            # frame-periodic model found nothing, the TR search is not tried: a steady voice
            # at a divisor of the frame period could pass for a scan there
            scan = None if fps is not None else find_scan_noise(x, sr, specific=True)
            info["detection"] = "automatic" if fps is None else "frame-periodic (--fps)"
            if scan is None:
                warnings.warn(f"{audio.source or 'audio'}: no gradient noise found; audio "
                              "returned unchanged", VtractWarning, stacklevel=2)
                return audio.replace(metadata=dict(audio.metadata,
                                                   mri_noise=dict(info, found=False)))
            info.update(_scan_info(scan, x.size / sr))
            gn = None
            if scan.waveform_repeats:
                # a repeating waveform: the synchronous-average machinery at its period
                gn = find_gradient_noise(x, sr, period_s=scan.period_s)
            if gn is None:
                gn = _from_scan(x, sr, scan)
        elif gn is None:
            gn = find_gradient_noise(x, sr, period_s=period_s)
            if gn is None:
                warnings.warn(f"{audio.source or 'audio'}: no gradient noise periodic at "
                              f"{period_s * 1e3:.3f} ms found; audio returned unchanged",
                              VtractWarning, stacklevel=2)
                return audio.replace(metadata=dict(audio.metadata,
                                                   mri_noise=dict(info, found=False)))
        info.update(period_s=gn.period_s, drift_ppm=gn.drift_ppm, found=True,
                    span_s=list(_span(gn, x.size / sr)))
    if scan is not None and not scan.waveform_repeats and method in ("hybrid", "periodic"):
        # rotating read-out (interleaved / golden angle): the waveform changes from TR to TR
        # but stays in a 3-dimensional subspace; fit it slot by slot by least squares
        y, pred = _subtract_subspace(x, sr, scan)
        info["model"] = "rotating read-out: per-TR least-squares fit of 3 noise components"
        if method == "hybrid":
            y = _spectral_subtract(y, sr, None, _PredNoise(pred), over_subtraction,
                                   spectral_floor, source=audio.source, scale=_HYBRID_SCALE)
        return audio.replace(samples=y, metadata=dict(audio.metadata, mri_noise=info))
    if scan is not None:
        info["model"] = "repeating waveform: synchronous average over periods"
    y = x
    if method == "periodic":
        y = _subtract_periodic(x, sr, gn, block_periods, per_burst, info)
    if method == "comb":
        y = _comb(x, sr, gn, notch_width_hz)
    if method == "hybrid":
        y = _subtract_periodic(x, sr, gn, block_periods, per_burst, info)
        y = _spectral_subtract(y, sr, gn, None, over_subtraction, spectral_floor,
                               source=audio.source, scale=_HYBRID_SCALE)
    if method == "spectral":
        y = _spectral_subtract(y, sr, gn, noise_only, over_subtraction, spectral_floor,
                               source=audio.source)
    return audio.replace(samples=y, metadata=dict(audio.metadata, mri_noise=info))


def _span(gn: GradientNoise, dur: float) -> tuple[float, float]:
    a = gn.onset_s if gn.onset_s is not None else 0.0
    b = gn.end_s if gn.end_s is not None else dur
    return a, b


def _subtract_periodic(x: np.ndarray, sr: float, gn: GradientNoise, block: int,
                       per_burst: bool | None = None,
                       stats: dict | None = None) -> np.ndarray:
    """Subtract the median noise waveform (re-estimated every ``block`` periods).

    With ``per_burst``, every occurrence of every gradient burst (the stretches between the burst
    starts of the template) gets its own gain and sub-sample time shift, fitted by linearised
    least squares (``x ~ g * N + g * dt * dN/dt``): real read-outs jitter by fractions of a sample
    against the audio clock and vary in loudness, which a fixed waveform cannot follow.
    """
    stats = {} if stats is None else stats
    a, b = _span(gn, x.size / sr)
    t = np.arange(x.size) / sr
    on = (t >= a) & (t < b)
    pred = np.zeros(x.size)
    n_per = int(np.floor((b - a) / gn.period_s))
    if n_per <= 2 * block:
        pred[on] = gn.predict(t[on])
    else:
        ref = gn.ref_s + np.ceil((a - gn.ref_s) / gn.period_s) * gn.period_s
        for k0 in range(0, n_per, block):
            k1 = min(n_per, k0 + block)
            if n_per - k1 < block // 2:  # fold a short last block into this one
                k1 = n_per
            tmpl = _fold(x, sr, gn.period_s, ref + k0 * gn.period_s, k1 - k0)
            part = GradientNoise(gn.period_s, gn.nominal_period_s, gn.drift_ppm, None, None,
                                 a, b, ref, tmpl)
            lo = a if k0 == 0 else ref + k0 * gn.period_s
            hi = b if k1 == n_per else ref + k1 * gn.period_s
            sel = (t >= lo) & (t < hi)
            pred[sel] = part.predict(t[sel])
            if k1 == n_per:
                break
    if per_burst or per_burst is None:
        fit = _fit_bursts(x, pred, t, on, gn)
        if per_burst is None:
            # auto: keep the per-burst fit only when it explains clearly more than it would by
            # fitting the voice (measured on synthetic voices with perfectly stable noise: the
            # fit removes 5-8% of the residual voice energy; with jittering read-outs 20-30%)
            before = np.sum((x[on] - pred[on]) ** 2)
            gain = before - np.sum((x[on] - fit[on]) ** 2)
            stats["burst_fit_gain"] = float(gain / max(before, 1e-30))
            per_burst = bool(gain > _BURST_GAIN * before)
        if per_burst:
            pred = fit
    stats["per_burst"] = bool(per_burst)
    return x - pred


def _fit_bursts(x: np.ndarray, pred: np.ndarray, t: np.ndarray, on: np.ndarray,
                gn: GradientNoise) -> np.ndarray:
    """Per-burst gain and sub-sample shift of the predicted noise (see _subtract_periodic)."""
    idx = np.flatnonzero(on)
    if idx.size < 8:
        return pred
    m = gn.template.size
    rises, _, _ = _rises(gn)
    ph = (t[idx] - gn.ref_s) / gn.period_s
    per = np.floor(ph).astype(np.int64)
    frac = (ph - per) * m
    seg = np.searchsorted(np.sort(rises), frac, side="right") if rises.size else np.zeros(
        idx.size, np.int64)
    n_seg = rises.size + 1
    sid = (per - per.min()) * n_seg + seg
    _, sid = np.unique(sid, return_inverse=True)
    nv = pred[idx]
    dv = np.gradient(pred)[idx]
    xv = x[idx]

    def s(w: np.ndarray) -> np.ndarray:
        return np.bincount(sid, weights=w)

    snn, snd, sdd = s(nv * nv), s(nv * dv), s(dv * dv)
    sxn, sxd = s(xv * nv), s(xv * dv)
    # ridge towards the plain template (gain 1, no shift) with the weight of half the segment's
    # own noise energy, so segments where the voice dominates stay close to the template
    lam = _RIDGE
    a11, a12, a22 = snn * (1 + lam), snd, sdd * (1 + lam)
    r1, r2 = sxn + lam * snn, sxd
    det = a11 * a22 - a12 * a12
    ok = det > 1e-12 * np.maximum(a11 * a22, 1e-30)
    g = np.where(ok, (r1 * a22 - r2 * a12) / np.where(ok, det, 1), 1.0)
    h = np.where(ok, (a11 * r2 - a12 * r1) / np.where(ok, det, 1), 0.0)
    shift = np.where(np.abs(g) > 1e-6, h / np.where(np.abs(g) > 1e-6, g, 1), 0.0)
    bad = ~ok | (g < 0.25) | (g > 4) | (np.abs(shift) > 1.5)
    g[bad], h[bad] = 1.0, 0.0
    out = pred.copy()
    out[idx] = g[sid] * nv + h[sid] * dv
    return out


def _stft(x: np.ndarray, sr: float, nperseg: int):
    return signal.stft(x, fs=sr, nperseg=nperseg, noverlap=nperseg * 3 // 4, window="hann",
                       boundary="even", padded=True)


def _spectral_subtract(x: np.ndarray, sr: float, gn: GradientNoise | None,
                       noise_only: tuple[float, float] | Audio | None, alpha: float,
                       beta: float, source: str | None, scale: float = 1.0) -> np.ndarray:
    """Power spectral subtraction with over-subtraction ``alpha`` and gain floor ``beta``."""
    nper = int(2 ** np.round(np.log2(0.032 * sr)))
    f, tt, z = _stft(x, sr, nper)
    p = np.abs(z) ** 2
    if isinstance(noise_only, _PredNoise):
        _, _, zp = _stft(noise_only.samples, sr, nper)
        noise = scale * np.abs(zp) ** 2
    elif isinstance(noise_only, Audio):
        if abs(noise_only.sample_rate_hz - sr) > 1e-6:
            raise DataValueError("noise_only audio must have the same sample rate as the audio")
        _, _, zn = _stft(noise_only.samples, sr, nper)
        noise = np.mean(np.abs(zn) ** 2, axis=1)
    elif noise_only is not None:
        a, b = map(float, noise_only)
        sel = (tt >= a) & (tt <= b)
        if sel.sum() < 2:
            raise DataValueError(f"noise_only range {noise_only} holds fewer than 2 STFT frames")
        noise = np.mean(p[:, sel], axis=1)
    else:
        if gn is None:
            raise MissingMetadataError(
                f"{source or 'audio'}: spectral subtraction needs noise_only= or a frame rate")
        a, b = _span(gn, x.size / sr)
        t = np.arange(x.size) / sr
        pred = np.where((t >= a) & (t < b), gn.predict(t), 0.0)
        _, _, zp = _stft(pred, sr, nper)
        noise = scale * np.abs(zp) ** 2
    noise = noise if noise.ndim == 2 else noise[:, None]
    gain = np.sqrt(np.maximum(1.0 - alpha * noise / np.maximum(p, 1e-30), beta ** 2))
    _, y = signal.istft(z * gain, fs=sr, nperseg=nper, noverlap=nper * 3 // 4, window="hann")
    return y[: x.size] if y.size >= x.size else np.pad(y, (0, x.size - y.size))


def _comb(x: np.ndarray, sr: float, gn: GradientNoise, width_hz: float) -> np.ndarray:
    """Attenuate narrow bands at the harmonics of 1/period inside the acquisition span."""
    nper = int(2 ** np.ceil(np.log2(max(8 * gn.period_s, 0.25) * sr)))
    f, tt, z = _stft(x, sr, nper)
    f_rep = 1.0 / gn.period_s
    dist = np.abs(f - np.round(f / f_rep) * f_rep)
    notch = (dist <= width_hz) & (f > 0.5 * f_rep)
    a, b = _span(gn, x.size / sr)
    during = (tt >= a) & (tt <= b)
    gain = np.ones(z.shape)
    gain[np.ix_(notch, during)] = 0.0
    _, y = signal.istft(z * gain, fs=sr, nperseg=nper, noverlap=nper * 3 // 4, window="hann")
    return y[: x.size] if y.size >= x.size else np.pad(y, (0, x.size - y.size))


class _PredNoise:
    """A predicted noise waveform (same length as the audio) for the spectral pass."""

    def __init__(self, samples: np.ndarray) -> None:
        self.samples = samples


def _from_scan(x: np.ndarray, sr: float, scan: ScanNoise) -> GradientNoise:
    """Build a :class:`GradientNoise` (repeating waveform) from a found scan."""
    dur = x.size / sr
    a, b = scan.span(dur)
    p = scan.period_s
    n_per = max(1, int(np.floor((b - a) / p)) - 1)
    tmpl = _fold(x, sr, p, a, n_per)
    return GradientNoise(period_s=p, nominal_period_s=scan.period_nominal_s,
                         drift_ppm=0.0 if not np.isfinite(scan.drift_ppm) else scan.drift_ppm,
                         onset_s=scan.onset_s, end_s=scan.end_s, coarse_onset_s=a,
                         coarse_end_s=b, ref_s=a, template=tmpl, score=scan.score)


def _scan_info(scan: ScanNoise, dur: float) -> dict:
    return {"tr_s": scan.tr_s, "trs_per_frame": scan.trs_per_frame,
            "repetition_period_s": scan.period_s, "waveform_repeats": scan.waveform_repeats,
            "line_spacing_hz": 1.0 / scan.tr_s,
            "lines": ("harmonics of 1/TR" if scan.waveform_repeats else
                      "lines at non-integer multiples of 1/TR (rotating read-out)"),
            "scan_span_s": list(scan.span(dur)), "periodicity_score": scan.score,
            "other_bursts": scan.other_bursts}


def _subtract_subspace(x: np.ndarray, sr: float, scan: ScanNoise,
                       rank: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Remove rotating-read-out noise: every TR slot is fitted by ``rank`` fixed waveforms.

    The waveforms are the first right-singular vectors of all TR slots of the scan (the voice
    drifts against the TR grid and spreads over many components, the noise sits in a few);
    each slot's coefficients are its projection (least squares). Slots are read with cubic
    interpolation on a 2x oversampled grid, so a TR need not be a whole number of samples.
    """
    dur = x.size / sr
    a, b = scan.span(dur)
    p = scan.tr_s
    m = 2 * int(np.ceil(p * sr))
    n_slots = int(np.floor((b - a) / p))
    if n_slots < 4 * rank:
        return x.copy(), np.zeros_like(x)
    t = a + (np.arange(n_slots)[:, None] + np.arange(m)[None, :] / m) * p
    from scipy import ndimage

    Y = ndimage.map_coordinates(x, [t.ravel() * sr], order=3, mode="nearest").reshape(t.shape)
    _, _, vt = np.linalg.svd(Y[np.linspace(0, n_slots - 1, min(n_slots, 1500)).astype(int)],
                             full_matrices=False)
    basis = vt[:rank]
    fit = (Y @ basis.T) @ basis  # (n_slots, m)
    # back to the sample grid: each sample takes the fitted value at its phase in its slot
    ts = np.arange(x.size) / sr
    inside = (ts >= a) & (ts < a + n_slots * p)
    ph = (ts[inside] - a) / p
    j = np.floor(ph).astype(int)
    q = (ph - j) * m
    i0 = np.floor(q).astype(int)
    w = q - i0
    i1 = i0 + 1
    nxt = np.where(i1 >= m, np.minimum(j + 1, n_slots - 1), j)
    i1 = np.where(i1 >= m, 0, i1)
    pred = np.zeros_like(x)
    pred[inside] = fit[j, i0] * (1 - w) + fit[nxt, i1] * w
    return x - pred, pred
