"""Synthetic test signals with known truth: source-filter vowels and MRI gradient noise.

Used by the tests and benchmarks (and handy in notebooks) to measure accuracy where the phantom's
audio is not available: the f0 contour, formants and the gradient-noise onset are known exactly.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from ..audio import Audio

__all__ = ["synth_vowel", "gradient_noise", "add_gradient_noise"]


def synth_vowel(*, f0_hz: float | np.ndarray = 120.0,
                formants_hz: tuple[float, ...] = (700.0, 1200.0, 2600.0, 3500.0),
                bandwidths_hz: tuple[float, ...] | None = None, duration_s: float = 1.0,
                sample_rate_hz: float = 20000.0, vibrato_rate_hz: float = 0.0,
                vibrato_extent_cents: float = 0.0, jitter: float = 0.0,
                amplitude: float = 0.3, seed: int = 0) -> Audio:
    """Synthesise a vowel: a glottal-like pulse train through cascaded second-order formant resonators.

    Parameters
    ----------
    f0_hz : float or ndarray
        Fundamental frequency in Hz (constant, or one value per sample).
    formants_hz : tuple of float
        Resonance frequencies in Hz.
    bandwidths_hz : tuple of float, optional
        Resonance bandwidths in Hz (default 60, 80, 120, 150, ...).
    duration_s : float
        Length in s.
    sample_rate_hz : float
        Sampling rate in Hz.
    vibrato_rate_hz, vibrato_extent_cents : float
        Sinusoidal vibrato: rate in Hz and semi-extent (+/- cents).
    jitter : float
        Relative random period perturbation (e.g. 0.005).
    amplitude : float
        Peak amplitude of the output.
    seed : int
        Random seed (jitter).

    Returns
    -------
    Audio
        ``metadata["f0_hz"]`` holds the per-sample f0 contour in Hz.
    """
    rng = np.random.default_rng(seed)
    sr = float(sample_rate_hz)
    n = int(round(duration_s * sr))
    t = np.arange(n) / sr
    f0 = np.broadcast_to(np.asarray(f0_hz, dtype=float), (n,)).copy()
    if vibrato_rate_hz > 0 and vibrato_extent_cents > 0:
        f0 = f0 * 2 ** (vibrato_extent_cents / 1200 * np.sin(2 * np.pi * vibrato_rate_hz * t))
    phase = np.cumsum(f0 / sr)
    if jitter > 0:
        phase = phase + np.cumsum(rng.normal(0, jitter, n) * f0 / sr)
    # glottal flow derivative-like source: a band-limited pulse at each period (sum of harmonics
    # with -12 dB/octave flow spectrum, +6 dB/oct radiation => -6 dB/oct), computed additively so
    # it is alias-free for any f0 contour
    src = np.zeros(n)
    nh = int(np.floor((sr / 2 - 200) / max(f0.max(), 1.0)))
    for h in range(1, nh + 1):
        ok = h * f0 < sr / 2 - 100
        src += np.where(ok, np.cos(2 * np.pi * h * phase) / h, 0.0)
    if bandwidths_hz is None:
        bandwidths_hz = tuple([60.0, 80.0, 120.0, 150.0, 200.0, 250.0][: len(formants_hz)])
    y = src
    for f, b in zip(formants_hz, bandwidths_hz, strict=False):
        r = np.exp(-np.pi * b / sr)
        a = [1.0, -2 * r * np.cos(2 * np.pi * f / sr), r * r]
        y = signal.lfilter([sum(a)], a, y)  # unit gain at DC
    ramp = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02)
    y = y * ramp
    y = amplitude * y / max(np.max(np.abs(y)), 1e-12)
    return Audio(y, sr, source="synth_vowel",
                 metadata={"f0_hz": f0, "formants_hz": tuple(formants_hz),
                           "bandwidths_hz": tuple(bandwidths_hz)})


def gradient_noise(n_samples: int, sample_rate_hz: float, *, fps: float, onset_s: float,
                   n_frames: int | None = None, drift_ppm: float = 0.0, tr_per_frame: int = 8,
                   level: float = 0.3, seed: int = 1) -> np.ndarray:
    """MRI gradient noise that repeats with the frame clock, present only during acquisition.

    Each frame period holds ``tr_per_frame`` readouts; each readout makes a band-pass burst with
    a 0.2 ms attack (gradient slew) and an exponential ring-down (gradient switching excites
    the coil's mechanical resonances around 0.6-3 kHz).
    The waveform of one frame is identical in every frame, so the noise is periodic at the frame
    clock (and nearly periodic at the TR).

    Parameters
    ----------
    n_samples : int
        Output length in samples.
    sample_rate_hz : float
        Sampling rate of the audio clock in Hz.
    fps : float
        Nominal frame rate in frames/s (image clock).
    onset_s : float
        Audio time (s) of the start of frame 0 (may be negative: acquisition began before
        the recording).
    n_frames : int, optional
        Number of frames acquired (default: until the end of the audio).
    drift_ppm : float
        Audio-clock drift: one frame lasts ``(1 + drift_ppm * 1e-6) / fps`` s of audio time.
    tr_per_frame : int
        Readouts (TRs) per frame.
    level : float
        RMS of the noise while acquiring.
    seed : int
        Random seed of the frame waveform.

    Returns
    -------
    ndarray, shape (n_samples,)
    """
    rng = np.random.default_rng(seed)
    sr = float(sample_rate_hz)
    period = (1.0 + drift_ppm * 1e-6) / fps  # s of audio time
    m = 4096  # template resolution per frame
    tt = np.arange(m) / m * (1.0 / fps)
    tr = 1.0 / fps / tr_per_frame
    tmpl = np.zeros(m)
    for k in range(tr_per_frame):
        tk = tt - k * tr
        on = tk >= 0
        # gradient switching ramps up within ~0.2 ms (slew-rate limit), then rings down
        tk0 = np.where(on, tk, 0.0)
        attack = 0.5 - 0.5 * np.cos(np.pi * np.clip(tk0 / 2e-4, 0, 1))
        env = np.where(on, attack * np.exp(-tk0 / (0.25 * tr)), 0.0)
        freqs = rng.uniform(600, 3000, 4)
        burst = sum(np.sin(2 * np.pi * f * tk + rng.uniform(0, 2 * np.pi)) for f in freqs)
        tmpl += env * burst * (1 + 0.3 * rng.standard_normal())
    tmpl /= np.sqrt(np.mean(tmpl ** 2))
    t = np.arange(n_samples) / sr
    ph = (t - onset_s) / period
    active = ph >= 0
    if n_frames is not None:
        active &= ph < n_frames
    # evaluate the continuous frame waveform at every sample's phase (fine template + linear
    # interpolation; the template is oversampled so this is accurate to well below 1 us)
    frac = np.mod(ph, 1.0) * m
    i0 = np.floor(frac).astype(int) % m
    w = frac - np.floor(frac)
    val = tmpl[i0] * (1 - w) + tmpl[(i0 + 1) % m] * w
    return np.where(active, level * val, 0.0)


def add_gradient_noise(audio: Audio, *, fps: float, onset_s: float, n_frames: int | None = None,
                       drift_ppm: float = 0.0, snr_db: float = 0.0, background_db: float = -50.0,
                       seed: int = 1) -> Audio:
    """Mix frame-periodic gradient noise (and a little white background noise) into ``audio``.

    Parameters
    ----------
    audio : Audio
        The clean recording.
    fps, onset_s, n_frames, drift_ppm :
        See :func:`gradient_noise`.
    snr_db : float
        Signal (RMS of ``audio``) to gradient-noise (RMS while acquiring) ratio in dB.
    background_db : float
        White background-noise RMS relative to the signal RMS in dB.
    seed : int
        Random seed.

    Returns
    -------
    Audio
        ``metadata`` records ``true_offset_s``, ``fps``, ``drift_ppm``, ``snr_db``.
    """
    x = audio.samples
    rms = float(np.sqrt(np.mean(x ** 2))) or 1e-3
    g = gradient_noise(x.size, audio.sample_rate_hz, fps=fps, onset_s=onset_s,
                       n_frames=n_frames, drift_ppm=drift_ppm, level=rms * 10 ** (-snr_db / 20),
                       seed=seed)
    rng = np.random.default_rng(seed + 1000)
    bg = rng.standard_normal(x.size) * rms * 10 ** (background_db / 20)
    meta = dict(audio.metadata, true_offset_s=onset_s, fps=fps, drift_ppm=drift_ppm,
                snr_db=snr_db, n_frames=n_frames)
    return audio.replace(samples=x + g + bg, metadata=meta, source="synthetic+gradient-noise")
