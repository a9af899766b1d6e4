"""Audio from the phantom's articulation: voice (source-filter), wind instruments, MRI gradient noise.

Voice
    A Rosenberg (1971) glottal-flow-derivative pulse train driven by the f0 track (vibrato included), with
    per-period jitter (relative period perturbation, default 0.6 %), shimmer (amplitude, 4 %) and
    aspiration noise (flow-modulated, -30 dB), filtered block-wise (20 ms hop, Hann overlap-add, 2048-point
    FFT) by the transfer function of the ground-truth area function (:func:`vtract.tube.transfer_function`,
    lossy, with lip radiation). The flow *derivative* includes the +6 dB/octave lip radiation.
Area function
    The sagittal distance ``d`` on each tract grid line (:mod:`._geometry`) is converted to a cross-section
    with ``A = alpha * d ** beta`` (Heinz & Stevens 1965; ``d`` in cm, ``A`` in cm^2), with region
    coefficients: epilarynx (lowest 28 mm above the glottis) alpha 1.2, beta 1.4; hypopharynx (up to the
    epiglottis tip; the piriform sinuses widen it laterally) 3.0, 1.4; oropharynx 1.8, 1.4; bend (polar
    lines) 1.7, 1.45; oral cavity 1.6, 1.5; the last 1.5 cm before the lip front (lips) 1.5, 1.3
    (Sundberg et al. 1987; Baer et al. 1991; Story et al. 1996). Section lengths are the midline
    distances between grid lines.
Wind instruments
    Additive harmonic tones on the note f0 track with instrument spectra (trumpet: bright, brightness
    rising with level, +bell resonance ~1.2 kHz; clarinet: odd harmonics dominant below ~1.8 kHz; flute:
    few harmonics plus breath noise), amplitude from the articulatory ``amp`` track (note onsets follow the
    tonguing releases), plus a 15 ms noise burst at each onset (tongue release).
MRI gradient noise
    Present only while frames are acquired. The read-out repeats every TR (about 6 ms; an integer number
    of TRs per frame); each TR emits a burst of damped resonances of the gradient coils (session-specific
    frequencies between 0.5 and 4 kHz), amplitude-modulated with the frame clock (interleave pattern), so
    the noise is periodic with both the TR and the frame rate. Level: ``noise_db`` relative to the voice
    RMS (default +6 dB). A quiet broadband floor (pump, ventilation) runs throughout.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

from ..measures import area_from_distance
from ..tube import transfer_function
from ._geometry import FrameGeometry

__all__ = ["SAMPLE_RATE_HZ", "area_function", "nasal_area_function", "NASAL_AREAS_CM2",
           "glottal_source", "filter_source", "instrument_tone",
           "mri_noise", "TR_TARGET_S", "block_transfer", "stack_area_functions"]

#: Audio sample rate (Hz).
SAMPLE_RATE_HZ = 20_000
#: Target repetition time of the simulated read-out (s).
TR_TARGET_S = 0.006

_COEF = {"epilarynx": (1.2, 1.4), "hypopharynx": (3.0, 1.4), "pharynx": (1.8, 1.4),
         "polar": (1.7, 1.45), "oral": (1.6, 1.5), "lips": (1.5, 1.3)}


def area_function(geom: FrameGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Area function of one frame.

    Parameters
    ----------
    geom : FrameGeometry
        Frame geometry (tract grid with inner/outer walls).

    Returns
    -------
    area_cm2 : ndarray, shape (n_lines,)
        Cross-sectional areas (cm^2), glottis -> lips.
    length_cm : ndarray, shape (n_lines,)
        Section lengths (cm).
    """
    d = geom.distance_mm
    reg = geom.region.copy()
    mid = geom.midline
    lip_x = mid[-1, 0]
    reg = np.where((reg == "oral") & (mid[:, 0] < lip_x + 15.0), "lips", reg)
    alpha = np.array([_COEF[r][0] for r in reg])
    beta = np.array([_COEF[r][1] for r in reg])
    area = area_from_distance(d, alpha=alpha, beta=beta) / 100.0  # mm^2 -> cm^2
    return np.maximum(area, 1e-3), geom.section_lengths_mm() / 10.0


#: Nasal tract from the velopharyngeal port to the nostrils: 10 sections of 1 cm (cm^2), after the
#: midsagittal-MRI area functions of Dang & Honda (1994), without the paranasal sinuses.
NASAL_AREAS_CM2 = np.array([2.0, 2.5, 3.0, 3.4, 3.4, 3.0, 2.6, 2.1, 1.5, 1.0])


def nasal_area_function(geom: FrameGeometry, port_mm: float) -> tuple[np.ndarray, np.ndarray] | None:
    """Area function of the nasal path (glottis -> velopharyngeal port -> nostrils), or None if closed.

    Parameters
    ----------
    geom : FrameGeometry
        Frame geometry.
    port_mm : float
        Velopharyngeal port opening (mm), e.g. :func:`vtract.phantom._measures.velum_opening`.

    Returns
    -------
    (area_cm2, length_cm) or None
        The pharynx below the port (from the oral area function), a 1 cm port section of area
        ``port_cm * 1.0 cm`` and the fixed nasal tract :data:`NASAL_AREAS_CM2`.
    """
    if port_mm <= 0.2:
        return None
    from ._geometry import OUTER_NAMES

    area, length = area_function(geom)
    hits = np.flatnonzero(np.isin(geom.outer_hit, [OUTER_NAMES.index("velum"),
                                                   OUTER_NAMES.index("port")]))
    i = int(hits[0]) if hits.size else int(np.flatnonzero(geom.region == "polar")[0])
    return (np.concatenate([area[:i], [port_mm / 10.0], NASAL_AREAS_CM2]),
            np.concatenate([length[:i], [1.0], np.ones(NASAL_AREAS_CM2.size)]))


def glottal_source(f0: np.ndarray, amp: np.ndarray, rng: np.random.Generator, *,
                   fs: int = SAMPLE_RATE_HZ, jitter: float = 0.006, shimmer: float = 0.04,
                   open_quotient: float = 0.6, aspiration_db: float = -30.0) -> np.ndarray:
    """Rosenberg glottal-flow-derivative pulse train.

    Parameters
    ----------
    f0 : ndarray, shape (n_samples,)
        Fundamental frequency per sample (Hz).
    amp : ndarray, shape (n_samples,)
        Amplitude envelope per sample (0 = silent).
    rng : numpy.random.Generator
        For jitter, shimmer and aspiration.
    fs : int
        Sample rate (Hz).
    jitter, shimmer : float
        Relative standard deviations of period and peak amplitude from period to period.
    open_quotient : float
        Open phase / period (opening 2/3, closing 1/3 of it).
    aspiration_db : float
        Aspiration noise level relative to the pulse RMS (dB).

    Returns
    -------
    ndarray, shape (n_samples,)
        Flow derivative (arbitrary units).
    """
    n = f0.size
    flow = np.zeros(n)
    t = 0.0
    while t < n - 1:
        i = int(t)
        f = max(float(f0[i]), 30.0)
        period = fs / f * (1.0 + jitter * rng.standard_normal())
        a = float(amp[i]) * (1.0 + shimmer * rng.standard_normal())
        if a > 1e-3:
            tp = open_quotient * period * 2 / 3
            tn = open_quotient * period / 3
            k = np.arange(int(np.ceil(t)), min(int(t + tp + tn) + 1, n))
            x = k - t
            g = np.where(x < tp, 0.5 * (1 - np.cos(np.pi * x / tp)),
                         np.cos(np.pi * (x - tp) / (2 * tn)))
            g[x > tp + tn] = 0.0
            flow[k] += a * np.clip(g, 0.0, None)
        t += period
    dflow = np.diff(flow, prepend=0.0)
    rms = np.sqrt(np.mean(dflow ** 2)) + 1e-12
    noise = rng.standard_normal(n)
    noise = sosfilt(butter(2, [500, 6000], btype="band", fs=fs, output="sos"), noise)
    noise *= rms * 10 ** (aspiration_db / 20) / (np.std(noise) + 1e-12)
    return dflow + noise * (0.3 + flow / (flow.max() + 1e-12))


def stack_area_functions(afs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Pad area functions of different section counts into (n, n_max) arrays.

    Zero-length sections (identities in the chain) are added at the glottis end, so the last
    section stays the lips (used by the radiation load).
    """
    n = max(a.size for a, _ in afs)
    area = np.ones((len(afs), n))
    length = np.zeros((len(afs), n))
    for i, (a, ln) in enumerate(afs):
        area[i, n - a.size:] = a
        length[i, n - a.size:] = ln
    return area, length


def block_transfer(afs: list[tuple[np.ndarray, np.ndarray]], *, fs: int = SAMPLE_RATE_HZ,
                   nfft: int = 2048, chunk: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Transfer functions of many area functions at the FFT bins used by :func:`filter_source`.

    Returns
    -------
    freqs : ndarray, shape (nfft // 2 + 1,)
        Bin frequencies (Hz).
    h : ndarray of complex, shape (n_blocks, nfft // 2 + 1)
        Lossy transfer functions with lip radiation (:func:`vtract.tube.transfer_function`).
    """
    freqs = np.fft.rfftfreq(nfft, 1 / fs)
    area, length = stack_area_functions(afs)
    h = np.empty((area.shape[0], freqs.size), complex)
    for i in range(0, area.shape[0], chunk):  # chunks bound the memory (chunk x bins complex)
        h[i:i + chunk] = transfer_function(area[i:i + chunk], length[i:i + chunk], freqs, loss=True,
                                           radiation=True)
    return freqs, h


def filter_source(source: np.ndarray, h_blocks: np.ndarray, block_times_s: np.ndarray, *,
                  fs: int = SAMPLE_RATE_HZ, hop_s: float = 0.02) -> np.ndarray:
    """Filter a source with time-varying transfer functions (Hann overlap-add).

    Parameters
    ----------
    source : ndarray, shape (n_samples,)
        Excitation (flow derivative).
    h_blocks : ndarray of complex, shape (n_blocks, nfft // 2 + 1)
        Transfer function at each block centre (from :func:`block_transfer`).
    block_times_s : ndarray, shape (n_blocks,)
        Block centres on the audio clock (s); consecutive blocks are ``hop_s`` apart.
    fs : int
        Sample rate (Hz).
    hop_s : float
        Block hop (s); the window is twice as long (50 % overlap, sums to one).

    Returns
    -------
    ndarray, shape (n_samples,)
        Radiated pressure (arbitrary units).
    """
    hop = int(round(hop_s * fs))
    win_len = 2 * hop
    nfft = 2 * (h_blocks.shape[1] - 1)
    w = np.hanning(win_len + 1)[:-1]
    out = np.zeros(source.size + nfft + win_len)
    pad = np.concatenate([np.zeros(win_len), source, np.zeros(win_len)])
    starts = np.round(np.asarray(block_times_s) * fs).astype(int) - hop + win_len
    segs = np.stack([pad[s:s + win_len] for s in starts]) * w
    y = np.fft.irfft(np.fft.rfft(segs, nfft, axis=1) * h_blocks, nfft, axis=1)
    for s, yy in zip(starts, y):
        out[s:s + nfft] += yy[: max(0, out.size - s)]
    return out[win_len:win_len + source.size]


def instrument_tone(instrument: str, f0: np.ndarray, amp: np.ndarray, onsets_s: list[float],
                    rng: np.random.Generator, *, fs: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Harmonic instrument tone.

    Parameters
    ----------
    instrument : {"trumpet", "clarinet", "flute"}
        Spectral model.
    f0, amp : ndarray, shape (n_samples,)
        Note f0 (Hz) and amplitude envelope per sample.
    onsets_s : list of float
        Note onsets on the audio clock (s), for the tongue-release transients.
    rng : numpy.random.Generator
        Seeded generator (phases, noise).
    fs : int
        Sample rate (Hz).

    Returns
    -------
    ndarray, shape (n_samples,)
    """
    phase = 2 * np.pi * np.cumsum(f0) / fs
    y = np.zeros(f0.size)
    for h in range(1, 26):
        fh = h * f0
        if instrument == "trumpet":
            bright = 1.5 + 5.0 * amp
            a = np.exp(-(h - 1) / bright) * (1 + 1.5 * np.exp(-((fh - 1200.0) / 500.0) ** 2))
        elif instrument == "clarinet":
            a = np.where((h % 2 == 1) | (fh > 1800.0), 1.0 / h, 0.12 / h) * np.ones_like(f0)
        else:
            a = (0.5 ** (h - 1)) * np.ones_like(f0)
        a = np.where(fh < 0.45 * fs, a, 0.0)
        y += a * np.sin(h * phase + rng.uniform(0, 2 * np.pi))
    y *= amp
    noise = rng.standard_normal(f0.size)
    if instrument == "flute":
        breath = sosfilt(butter(2, [1000, 6000], btype="band", fs=fs, output="sos"), noise)
        y += 0.08 * amp * breath / (breath.std() + 1e-12)
    burst = np.zeros(f0.size)
    env = np.exp(-np.arange(int(0.015 * fs)) / (0.004 * fs))
    for t in onsets_s:
        i = int(round(t * fs))
        if 0 <= i < f0.size - env.size:
            burst[i:i + env.size] += env
    hp = sosfilt(butter(2, 2000, btype="high", fs=fs, output="sos"), noise)
    return y + 0.3 * burst * hp / (hp.std() + 1e-12)


def mri_noise(n_samples: int, acq_start_s: float, n_frames: int, fps: float,
              rng: np.random.Generator, *, fs: int = SAMPLE_RATE_HZ) -> tuple[np.ndarray, float]:
    """Gradient acoustic noise of the rtMRI read-out, present only while frames are acquired.

    Parameters
    ----------
    n_samples : int
        Length of the recording (samples).
    acq_start_s : float
        Audio time (s) at which frame 0 starts (the audio offset; negative = before the recording).
    n_frames : int
        Number of frames acquired.
    fps : float
        Frame rate (frames/s).
    rng : numpy.random.Generator
        Seeded generator (resonances, jitter).
    fs : int
        Sample rate (Hz).

    Returns
    -------
    noise : ndarray, shape (n_samples,)
        Unit-RMS (over the acquisition) gradient noise, 0 outside the acquisition.
    tr_s : float
        Repetition time used (s): ``1 / (fps * round(1 / (fps * 6 ms)))``.
    """
    per_frame = max(1, int(round(1.0 / (fps * TR_TARGET_S))))
    tr = 1.0 / (fps * per_frame)
    n_burst = int(round(tr * fs))
    tb = np.arange(n_burst) / fs
    res_f = np.sort(rng.uniform(500, 4000, 6))
    res_d = rng.uniform(0.0008, 0.003, 6)
    burst = sum(np.exp(-tb / d) * np.sin(2 * np.pi * f * tb + rng.uniform(0, 6.28))
                for f, d in zip(res_f, res_d))
    pattern = 1.0 + 0.35 * rng.uniform(-1, 1, per_frame)  # per-TR amplitude within a frame
    out = np.zeros(n_samples)
    n_tr = n_frames * per_frame
    for j in range(n_tr):
        t = acq_start_s + j * tr
        i = int(round(t * fs))
        lo, hi = max(i, 0), min(i + n_burst, n_samples)
        if hi <= lo:
            continue
        out[lo:hi] += pattern[j % per_frame] * burst[lo - i:hi - i]
    on = out != 0
    if on.any():
        out /= np.sqrt(np.mean(out[on] ** 2))
    return out, tr
