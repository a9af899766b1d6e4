"""Image–audio offset: match what the frames show to how the sound changes.

Speech moves the articulators and changes the sound at the same time, so per-frame image
features (principal components of the frames: lip closure, jaw and tongue motion) predict the
per-frame level of the sound when the frames are placed at the right audio time, and not when
they are shifted. :func:`image_audio_scores` measures that (the share of the audio level's
variance a least-squares fit of the image components explains, R²) for candidate offsets, and
:func:`image_audio_offset` finds the best offset over a range, to a fraction of a millisecond
of the audio envelope's grid.

No segmentation is needed (works on any sequence, and does not use label masks). The audio
envelope is computed once on a fixed 1 ms grid from the first sample, and the per-frame means
are exact integrals of it (cumulative sums, linear inside a bin), so shifting the audio by a
whole number of milliseconds shifts the score curve exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage, signal

__all__ = ["frame_components", "audio_envelope", "image_audio_scores", "image_audio_offset"]

_HOP_S = 0.001
# both series are high-passed at the syllable rate (a 0.3 s moving average, about one syllable,
# is removed): slower trends (breathing, loudness, coil drift) are not articulation
_DETREND_S = 0.3


def frame_components(frames: np.ndarray, n_components: int = 8) -> np.ndarray:
    """Per-frame principal-component scores of a sequence.

    Parameters
    ----------
    frames : ndarray, shape (n_frames, ny, nx)
        The images (any intensity scale).
    n_components : int
        Number of components kept.

    Returns
    -------
    ndarray, shape (n_frames, n_components)
        Scores of the first components (pixels standardised over time first, so that
        small moving structures such as the lips count as much as bright static ones).
    """
    f = np.asarray(frames, dtype=float)
    n = f.shape[0]
    # average 2x2 blocks of larger images: faster, and the pixel noise averages out
    while f.shape[1] * f.shape[2] > 96 * 96:
        f = f[:, : f.shape[1] // 2 * 2, : f.shape[2] // 2 * 2]
        f = f.reshape(n, f.shape[1] // 2, 2, f.shape[2] // 2, 2).mean(axis=(2, 4))
    x = f.reshape(n, -1)
    x = x - x.mean(axis=0)
    sd = x.std(axis=0)
    keep = sd > 1e-6 * max(float(sd.max()), 1e-30)
    x = x[:, keep] / sd[keep]
    if x.shape[1] == 0:
        return np.zeros((n, 0))
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    k = min(n_components, u.shape[1])
    return u[:, :k] * s[:k]


def audio_envelope(x: np.ndarray, sr: float) -> tuple[np.ndarray, float]:
    """Log energy (dB) of the voice band (80 Hz .. 5 kHz) on a 1 ms grid from the first sample.

    Returns
    -------
    env : ndarray
        dB per 1 ms bin.
    hop_s : float
        Bin length (s).
    """
    hi = min(5000.0, 0.45 * sr)
    sos = signal.butter(4, [80.0, hi], "bandpass", fs=sr, output="sos")
    y = signal.sosfiltfilt(sos, np.asarray(x, dtype=float))
    hop = int(round(_HOP_S * sr))
    n = y.size // hop
    p = (y[: n * hop] ** 2).reshape(n, hop).mean(axis=1)
    return 10 * np.log10(p + 1e-12 * max(float(p.max()), 1e-30)), hop / sr


def _frame_means(env: np.ndarray, hop: float, starts: np.ndarray, period: float) -> np.ndarray:
    """Mean of ``env`` over [start, start + period) for each start (s); NaN outside the audio."""
    c = np.concatenate([[0.0], np.cumsum(env)])
    pos_a = starts / hop
    pos_b = (starts + period) / hop
    ok = (pos_a >= 0) & (pos_b <= env.size)
    out = np.full(starts.shape, np.nan)
    ca = np.interp(pos_a[ok], np.arange(c.size), c)
    cb = np.interp(pos_b[ok], np.arange(c.size), c)
    out[ok] = (cb - ca) / (pos_b[ok] - pos_a[ok])
    return out


def _highpass(v: np.ndarray, fps: float) -> np.ndarray:
    w = max(3, int(round(_DETREND_S * fps)) | 1)
    return v - ndimage.uniform_filter1d(v, w, axis=0, mode="nearest")


def image_audio_scores(pcs: np.ndarray, env: np.ndarray, hop_s: float, fps: float,
                       offsets_s: np.ndarray, *, drift_ppm: float = 0.0,
                       min_frames: int = 20) -> np.ndarray:
    """R² of the per-frame audio level explained by the image components, per candidate offset.

    Parameters
    ----------
    pcs : ndarray, shape (n_frames, k)
        :func:`frame_components`.
    env : ndarray
        :func:`audio_envelope` (dB per bin).
    hop_s : float
        Envelope bin length (s).
    fps : float
        Frame rate (frames/s).
    offsets_s : ndarray
        Candidate audio times (s) of the start of frame 0.
    drift_ppm : float
        Audio-clock drift (frame period on the audio clock ``(1 + drift_ppm 1e-6) / fps``).
    min_frames : int
        Offsets leaving fewer frames inside the audio score NaN.

    Returns
    -------
    ndarray
        R² (0-1) per offset, adjusted for the number of components and frames used.
    """
    n, k = pcs.shape
    period = (1 + drift_ppm * 1e-6) / fps
    z = _highpass(pcs, fps)
    out = np.full(len(offsets_s), np.nan)
    kk = np.arange(n) * period
    for j, off in enumerate(np.asarray(offsets_s, dtype=float)):
        a = _frame_means(env, hop_s, off + kk, period)
        ok = np.isfinite(a)
        m = int(ok.sum())
        if m < max(min_frames, 3 * k):
            continue
        av = _highpass(a[ok], fps)
        zz = np.column_stack([z[ok], np.ones(m)])
        coef, *_ = np.linalg.lstsq(zz, av, rcond=None)
        res = av - zz @ coef
        tot = float(np.sum((av - av.mean()) ** 2))
        if tot <= 0:
            continue
        r2 = 1 - float(np.sum(res ** 2)) / tot
        out[j] = 1 - (1 - r2) * (m - 1) / max(1, m - k - 1)
    return out


def image_audio_offset(frames: np.ndarray, fps: float, x: np.ndarray, sr: float, *,
                       search_s: tuple[float, float] | None = None,
                       candidates_s: np.ndarray | None = None, drift_ppm: float = 0.0,
                       n_components: int | None = None) -> dict[str, Any]:
    """Best audio offset of frame 0 from image–audio agreement.

    Parameters
    ----------
    frames : ndarray, shape (n_frames, ny, nx)
        The sequence.
    fps : float
        Frame rate (frames/s).
    x : ndarray
        Audio samples.
    sr : float
        Sampling rate (Hz).
    search_s : (float, float), optional
        Offset range searched (s); default: every offset leaving at least half the frames
        inside the audio.
    candidates_s : ndarray, optional
        Score only these offsets (s) instead (e.g. whole-frame alternatives of an audio
        estimate); the best one is returned without refinement.
    drift_ppm : float
        Audio-clock drift (ppm).
    n_components : int, optional
        Image components used (default ``min(16, n_frames // 10)``: enough to describe lips,
        jaw, tongue and velum, few enough for a stable fit).

    Returns
    -------
    dict
        ``offset_s`` (best), ``r2`` (its adjusted R²), ``runner_up_r2`` (best R² more than one
        frame away), ``margin`` (``r2 - runner_up_r2``), ``offsets_s`` and ``r2_curve`` (the
        scores, for reports).
    """
    n = frames.shape[0]
    if n_components is None:
        n_components = int(np.clip(n // 10, 2, 16))
    pcs = frame_components(frames, n_components)
    if pcs.shape[1] == 0:  # static images: nothing to match
        return {"offset_s": float("nan"), "r2": float("nan"), "runner_up_r2": float("nan"),
                "margin": 0.0, "offsets_s": [], "r2_curve": []}
    env, hop = audio_envelope(x, sr)
    period = 1.0 / fps
    if candidates_s is not None:
        offs = np.asarray(candidates_s, dtype=float)
        sc = image_audio_scores(pcs, env, hop, fps, offs, drift_ppm=drift_ppm)
        if not np.any(np.isfinite(sc)):
            return {"offset_s": float("nan"), "r2": float("nan"), "runner_up_r2": float("nan"),
                    "margin": 0.0, "offsets_s": offs.tolist(), "r2_curve": sc.tolist()}
        j = int(np.nanargmax(sc))
        others = np.delete(sc, j)
        ru = float(np.nanmax(others)) if np.any(np.isfinite(others)) else float("nan")
        return {"offset_s": float(offs[j]), "r2": float(sc[j]), "runner_up_r2": ru,
                "margin": float(sc[j] - ru) if np.isfinite(ru) else float(sc[j]),
                "offsets_s": offs.tolist(), "r2_curve": sc.tolist()}
    dur = x.size / sr
    if search_s is None:
        search_s = (-0.5 * n * period, dur - 0.5 * n * period)
    coarse = np.arange(search_s[0], search_s[1] + 1e-9, period / 3)
    sc = image_audio_scores(pcs, env, hop, fps, coarse, drift_ppm=drift_ppm)
    if not np.any(np.isfinite(sc)):
        return {"offset_s": float("nan"), "r2": float("nan"), "runner_up_r2": float("nan"),
                "margin": 0.0, "offsets_s": [], "r2_curve": []}
    j = int(np.nanargmax(sc))
    far = np.abs(coarse - coarse[j]) > period
    ru = float(np.nanmax(sc[far])) if np.any(far & np.isfinite(sc)) else float("nan")
    # fine: 0.5 ms steps around the coarse peak, then a parabola through the best three
    fine = coarse[j] + np.arange(-period / 2, period / 2 + 1e-9, 0.0005)
    sf = image_audio_scores(pcs, env, hop, fps, fine, drift_ppm=drift_ppm)
    i = int(np.nanargmax(sf))
    best = float(fine[i])
    if 0 < i < fine.size - 1 and np.all(np.isfinite(sf[i - 1:i + 2])):
        y0, y1, y2 = sf[i - 1:i + 2]
        den = y0 - 2 * y1 + y2
        if den < 0:
            best += float(np.clip(0.5 * (y0 - y2) / den, -1, 1)) * 0.0005
    r2 = float(sf[i])
    return {"offset_s": best, "r2": r2, "runner_up_r2": ru,
            "margin": r2 - ru if np.isfinite(ru) else r2,
            "offsets_s": coarse.tolist(), "r2_curve": sc.tolist()}
