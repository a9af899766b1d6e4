"""A realistic MRI gradient-noise simulator, for tests and benchmarks with known truth.

Unlike :func:`vtract.acoustics.gradient_noise` (one frame-long waveform repeated exactly, the
ideal case for a detector), :func:`scanner_recording` models what makes real in-scanner audio
hard:

- **TR-periodic noise whose waveform changes from TR to TR**: the sound of TR ``j`` is
  ``C + cos(theta_j) A + sin(theta_j) B``, where ``C`` (fixed gradient axis) and ``A``, ``B``
  (the two rotating in-plane axes) are TR-long waveforms (harmonics of 1/TR with random phases,
  shaped by a few resonances between 0.5 and 4 kHz, a click at the TR start).
  ``readout="cartesian"``: ``theta = 0`` (exactly TR-periodic); ``"interleaved"``:
  ``theta_j = 2 pi s(j mod N) / N`` with a shuffled order ``s`` (repeats every ``N`` TRs);
  ``"golden"``: ``theta_j = j * 137.508 deg`` (never repeats: steady spectral lines at
  non-integer multiples of 1/TR).
- per-TR gain jitter, slow gain drift (dB, linear trend plus a slow wobble), frame-rate
  amplitude modulation;
- dummy scans before frame 0 (``dummy_scans`` whole frames of noise), a localiser/shim burst with
  another TR ending ``localiser_gap_s`` before the scan, the scan stopping while the subject still
  sounds (the voice is simply longer than the scan), audio starting after frame 0 (negative
  ``audio_offset_s``), a pre-scan hum by the subject;
- sample-clock drift (``drift_ppm``: the recorder's clock runs fast, every scanner duration is
  ``1 + drift_ppm 1e-6`` times longer in audio samples) and optical-microphone band limits
  (Butterworth band-pass).

Times: ``audio_offset_s`` is the audio time (s from the first sample) at which frame 0 starts;
frame ``k`` starts at ``audio_offset_s + k / fps * (1 + drift_ppm 1e-6)``. The returned Audio's
``metadata["truth"]`` holds every parameter plus ``noise_onset_s`` / ``noise_end_s``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import signal

from ..audio import Audio
from ..clock import Clock
from ..errors import DataValueError

__all__ = ["scanner_noise", "scanner_recording"]

_GOLDEN_RAD = np.deg2rad(137.50776405)
_M = 2048  # template points per TR


def _tr_waveform(rng: np.random.Generator, tr_s: float, sr: float) -> np.ndarray:
    """One TR of noise on ``_M`` points: harmonics of 1/TR shaped by 3 resonances, plus a click."""
    n_h = int(0.45 * sr * tr_s)
    f = np.arange(1, n_h + 1) / tr_s
    amp = np.full(f.size, 0.05)
    for fc in rng.uniform(500, 4000, 3):
        amp += 1.0 / (1 + ((f - fc) / (0.15 * fc)) ** 2)
    ph = rng.uniform(0, 2 * np.pi, f.size)
    t = np.arange(_M) / _M * tr_s
    w = (amp[:, None] * np.cos(2 * np.pi * f[:, None] * t[None, :] + ph[:, None])).sum(axis=0)
    click = np.exp(-t / 2e-4) * np.sin(2 * np.pi * 2500 * t)
    w = w / np.sqrt(np.mean(w ** 2)) + 2.0 * click
    return w / np.sqrt(np.mean(w ** 2))


def _eval(tmpl: np.ndarray, ph: np.ndarray) -> np.ndarray:
    """Template at fractional phases ``ph`` in [0, 1) (linear interpolation)."""
    x = ph * _M
    i = np.floor(x).astype(int) % _M
    w = x - np.floor(x)
    return tmpl[i] * (1 - w) + tmpl[(i + 1) % _M] * w


def scanner_noise(n_samples: int, sample_rate_hz: float, *, fps: float, trs_per_frame: int,
                  n_frames: int, audio_offset_s: float, readout: str = "cartesian",
                  n_interleaves: int = 13, dummy_scans: int = 0, gain_jitter: float = 0.03,
                  gain_drift_db: float = 0.0, frame_am: float = 0.0, drift_ppm: float = 0.0,
                  seed: int = 0) -> np.ndarray:
    """Gradient noise of one scan (unit RMS while it runs) on the audio clock.

    Parameters
    ----------
    n_samples : int
        Length of the recording (samples).
    sample_rate_hz : float
        Nominal (header) sampling rate (Hz).
    fps : float
        Frame rate (frames/s, scanner clock); the TR is ``1 / (fps * trs_per_frame)``.
    trs_per_frame : int
        TRs per frame.
    n_frames : int
        Frames acquired (the noise stops at the end of the last one).
    audio_offset_s : float
        Audio time (s) at which frame 0 starts (negative: the recording started later).
    readout : {"cartesian", "interleaved", "golden"}
        How the read-out rotates from TR to TR (see the module notes).
    n_interleaves : int
        Interleaves of ``"interleaved"``.
    dummy_scans : int
        Whole frames of noise before frame 0.
    gain_jitter : float
        Relative standard deviation of the per-TR gain.
    gain_drift_db : float
        Peak of the slow gain drift over the scan (dB).
    frame_am : float
        Relative amplitude modulation at the frame rate.
    drift_ppm : float
        Audio-clock drift (ppm).
    seed : int
        Random seed.

    Returns
    -------
    ndarray, shape (n_samples,)
    """
    if readout not in ("cartesian", "interleaved", "golden"):
        raise DataValueError(f"scanner_noise: readout must be cartesian, interleaved or golden, "
                             f"got {readout!r}")
    rng = np.random.default_rng(seed)
    sr = float(sample_rate_hz)
    tr = 1.0 / (fps * trs_per_frame)
    c, a, b = (_tr_waveform(rng, tr, sr) for _ in range(3))
    clock = Clock(audio_offset_s=audio_offset_s, fps=fps, drift_ppm=drift_ppm)
    t = np.arange(n_samples) / sr
    tau = clock.audio_to_frame_time(t)  # scanner time from the start of frame 0
    j = np.floor(tau / tr).astype(np.int64)
    ph = tau / tr - j
    j0 = -dummy_scans * trs_per_frame
    on = (j >= j0) & (tau < n_frames / fps)
    jj = j - j0
    if readout == "cartesian":
        theta = np.zeros(int(jj.max(initial=0)) + 2)
    elif readout == "interleaved":
        order = rng.permutation(n_interleaves)
        theta = 2 * np.pi * order[np.arange(int(jj.max(initial=0)) + 2) % n_interleaves] \
            / n_interleaves
    else:
        theta = np.arange(int(jj.max(initial=0)) + 2) * _GOLDEN_RAD
    jc = np.clip(jj, 0, theta.size - 1)
    w_rot = 0.0 if readout == "cartesian" else 1.0
    x = _eval(c, ph) + w_rot * (np.cos(theta[jc]) * _eval(a, ph) + np.sin(theta[jc]) * _eval(b, ph))
    gains = 1 + gain_jitter * rng.standard_normal(theta.size)
    g = gains[jc]
    if frame_am:
        g = g * (1 + frame_am * np.cos(2 * np.pi * tau * fps))
    if gain_drift_db:
        span = (n_frames + dummy_scans) / fps
        u = np.clip((tau + dummy_scans / fps) / span, 0, 1)
        curve = (2 * u - 1) * 0.6 + 0.4 * np.sin(2 * np.pi * 0.3 * u * span + rng.uniform(0, 6))
        g = g * 10 ** (gain_drift_db * curve / 20)
    x = np.where(on, x * g, 0.0)
    # 0.2 ms ramps at both ends (gradient slew)
    return x / max(float(np.sqrt(np.mean(x[on] ** 2))) if np.any(on) else 1.0, 1e-12)


def scanner_recording(voice: Audio, *, fps: float, trs_per_frame: int, n_frames: int,
                      audio_offset_s: float, snr_db: float = 0.0, readout: str = "cartesian",
                      dummy_scans: int = 0, gain_jitter: float = 0.03,
                      gain_drift_db: float = 0.0, frame_am: float = 0.15,
                      drift_ppm: float = 0.0, localiser_tr_s: float | None = None,
                      localiser_gap_s: float = 0.6, localiser_s: float = 0.5,
                      prescan_hum: bool = False, band_hz: tuple[float, float] | None = (80.0, 8000.0),
                      background_db: float = -45.0, seed: int = 0) -> Audio:
    """In-scanner recording: ``voice`` plus realistic gradient noise and the extras listed above.

    Parameters
    ----------
    voice : Audio
        The subject's sound (its length is the recording's length).
    fps, trs_per_frame, n_frames, audio_offset_s, readout, dummy_scans, gain_jitter,
    gain_drift_db, frame_am, drift_ppm :
        See :func:`scanner_noise`.
    snr_db : float
        Voice RMS over scan-noise RMS (dB).
    localiser_tr_s : float, optional
        Add a localiser/shim burst with this TR, ``localiser_s`` long, ending
        ``localiser_gap_s`` before the scan noise starts.
    prescan_hum : bool
        Add a 0.3 s hum (harmonic tone at 110 Hz, -6 dB) ending 0.3 s before the noise starts.
    band_hz : (float, float) or None
        Microphone pass band (Hz); None for none.
    background_db : float
        White background noise relative to the voice RMS (dB).
    seed : int
        Random seed.

    Returns
    -------
    Audio
        ``metadata["truth"]``: every parameter, ``noise_onset_s``, ``noise_end_s``,
        ``tr_s``.
    """
    sr = voice.sample_rate_hz
    x = voice.samples.astype(float)
    n = x.size
    rms = float(np.sqrt(np.mean(x[np.abs(x) > 0] ** 2))) if np.any(x) else 1.0
    rng = np.random.default_rng(seed + 7)
    g = scanner_noise(n, sr, fps=fps, trs_per_frame=trs_per_frame, n_frames=n_frames,
                      audio_offset_s=audio_offset_s, readout=readout, dummy_scans=dummy_scans,
                      gain_jitter=gain_jitter, gain_drift_db=gain_drift_db, frame_am=frame_am,
                      drift_ppm=drift_ppm, seed=seed)
    clock = Clock(audio_offset_s=audio_offset_s, fps=fps, drift_ppm=drift_ppm)
    onset = float(clock.frame_to_audio_time(-dummy_scans / fps))
    end = float(clock.frame_to_audio_time(n_frames / fps))
    y = x + g * rms * 10 ** (-snr_db / 20)
    t = np.arange(n) / sr
    truth: dict[str, Any] = dict(fps=fps, trs_per_frame=trs_per_frame, n_frames=n_frames,
                                 audio_offset_s=audio_offset_s, readout=readout,
                                 dummy_scans=dummy_scans, drift_ppm=drift_ppm, snr_db=snr_db,
                                 tr_s=1.0 / (fps * trs_per_frame), noise_onset_s=onset,
                                 noise_end_s=end, localiser=None, prescan_hum=None)
    if localiser_tr_s is not None:
        l_end = onset - localiser_gap_s
        l_start = l_end - localiser_s
        loc = scanner_noise(n, sr, fps=1.0 / (12 * localiser_tr_s), trs_per_frame=12,
                            n_frames=int(np.ceil(localiser_s / (12 * localiser_tr_s))) + 1,
                            audio_offset_s=l_start, seed=seed + 11, frame_am=0.3)
        loc[(t < l_start) | (t >= l_end)] = 0.0
        y += loc * rms * 10 ** (-snr_db / 20)
        truth["localiser"] = {"start_s": l_start, "end_s": l_end, "tr_s": localiser_tr_s}
    if prescan_hum:
        h_end = onset - 0.3
        h_start = h_end - 0.3
        sel = (t >= h_start) & (t < h_end)
        hum = sum(np.sin(2 * np.pi * 110 * k * t[sel]) / k for k in range(1, 12))
        y[sel] += hum / np.sqrt(np.mean(hum ** 2)) * rms * 10 ** (-6 / 20)
        truth["prescan_hum"] = {"start_s": h_start, "end_s": h_end}
    y += rng.standard_normal(n) * rms * 10 ** (background_db / 20)
    if band_hz is not None:
        hi = min(band_hz[1], 0.45 * sr)
        sos = signal.butter(2, [band_hz[0], hi], "bandpass", fs=sr, output="sos")
        y = signal.sosfilt(sos, y)
    return voice.replace(samples=y, metadata=dict(voice.metadata, truth=truth),
                         source="scanner_recording")
