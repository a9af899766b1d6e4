"""Image statistics for comparing phantom frames with real rtMRI (SNR, sharpness, histograms).

All functions take frames in the canonical view, shape ``(n_frames, ny, nx)`` (or one frame), any
intensity scale: each statistic normalises by the image's own signal level, so 8-bit videos, [0, 1]
templates and phantom NIfTI frames compare directly.

Definitions
-----------
signal
    95th percentile of the temporal-mean image (bright soft tissue: tongue, lips).
noise sigma
    From the darkest 15 % of pixels of the temporal-mean image (air in front of the face, the airway,
    behind the neck), where the magnitude signal is pure Rician noise with zero mean signal:
    ``sigma = sqrt(mean(I^2) / 2)``.
snr
    signal / noise sigma.
sharpness (1/mm)
    90th percentile of the Sobel gradient magnitude (per mm) over pixels brighter than 20 % of the
    signal, divided by the signal: how steep the strongest tissue/air edges are per mm.
histogram
    Histogram of ``I / signal`` on [0, 1.6] (40 bins), density normalised; two histograms are compared
    with the 1D Wasserstein (earth mover's) distance of the normalised intensities.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from scipy.stats import wasserstein_distance

__all__ = ["signal_level", "noise_sigma", "snr", "sharpness", "intensity_histogram",
           "histogram_distance", "image_stats", "real_frame_sets", "compare_stats"]


def _stack(frames) -> np.ndarray:
    x = np.asarray(frames, dtype=np.float64)
    return x[None] if x.ndim == 2 else x


def signal_level(frames) -> float:
    """Signal level: 95th percentile of the temporal-mean image (input units)."""
    return float(np.percentile(_stack(frames).mean(axis=0), 95))


def noise_sigma(frames, *, dark_fraction: float = 0.15) -> float:
    """Rician noise sigma estimated from the darkest pixels of the temporal-mean image.

    Parameters
    ----------
    frames : ndarray, shape (n_frames, ny, nx) or (ny, nx)
        Magnitude images.
    dark_fraction : float
        Fraction of pixels (lowest temporal mean) treated as signal-free air.

    Returns
    -------
    float
        Noise standard deviation per real/imaginary channel (input units).
    """
    x = _stack(frames)
    mean = x.mean(axis=0)
    mask = mean <= np.quantile(mean, dark_fraction)
    return float(np.sqrt(np.mean(x[:, mask] ** 2) / 2.0))


def snr(frames) -> float:
    """Signal-to-noise ratio: :func:`signal_level` / :func:`noise_sigma`."""
    return signal_level(frames) / max(noise_sigma(frames), 1e-12)


def sharpness(frames, spacing_mm: float) -> float:
    """Edge steepness (1/mm): 90th-percentile gradient magnitude in tissue over the signal level.

    Parameters
    ----------
    frames : ndarray, shape (n_frames, ny, nx) or (ny, nx)
        Magnitude images.
    spacing_mm : float
        Pixel size (mm).
    """
    x = _stack(frames)
    sig = signal_level(x)
    vals = []
    for f in x[:: max(1, x.shape[0] // 40)]:
        g = np.hypot(ndi.sobel(f, 0), ndi.sobel(f, 1)) / 8.0 / spacing_mm
        vals.append(g[f > 0.2 * sig])
    return float(np.percentile(np.concatenate(vals), 90) / sig)


def intensity_histogram(frames, *, bins: int = 40, upper: float = 1.6) -> tuple[np.ndarray, np.ndarray]:
    """Density histogram of intensities normalised by the signal level.

    Returns
    -------
    centres : ndarray, shape (bins,)
        Bin centres (fraction of the signal level).
    density : ndarray, shape (bins,)
        Probability density.
    """
    x = _stack(frames)
    v = (x / signal_level(x)).ravel()
    h, edges = np.histogram(np.clip(v, 0, upper), bins=bins, range=(0, upper), density=True)
    return 0.5 * (edges[1:] + edges[:-1]), h


def histogram_distance(frames_a, frames_b, *, max_samples: int = 200_000, seed: int = 0) -> float:
    """Wasserstein distance between the normalised intensity distributions of two image sets."""
    rng = np.random.default_rng(seed)
    out = []
    for f in (frames_a, frames_b):
        x = _stack(f)
        v = (x / signal_level(x)).ravel()
        if v.size > max_samples:
            v = rng.choice(v, max_samples, replace=False)
        out.append(v)
    return float(wasserstein_distance(out[0], out[1]))


def image_stats(frames, spacing_mm: float) -> dict:
    """SNR, noise sigma, signal, sharpness and the fraction of dark pixels of an image set.

    Returns
    -------
    dict
        ``snr``, ``signal``, ``noise_sigma``, ``sharpness_per_mm``, ``dark_fraction`` (pixels below 15 %
        of the signal), ``mean_rel`` (mean intensity / signal).
    """
    x = _stack(frames)
    sig = signal_level(x)
    return {"snr": snr(x), "signal": sig, "noise_sigma": noise_sigma(x),
            "sharpness_per_mm": sharpness(x, spacing_mm),
            "dark_fraction": float(np.mean(x < 0.15 * sig)), "mean_rel": float(x.mean() / sig)}


def real_frame_sets(real_dir) -> dict[str, tuple[np.ndarray, float]]:
    """Real rtMRI frames from the development data folder, by name.

    Parameters
    ----------
    real_dir : path
        The ``shared/data/real`` folder (see its README): two USC 68x68 AVIs and the three 84x84
        SPAN template frames.

    Returns
    -------
    dict
        ``name -> (frames (n, ny, nx) float32, pixel spacing mm)`` for the files that exist.
    """
    from pathlib import Path

    from ..io import read_sequence

    real_dir = Path(real_dir)
    out: dict[str, tuple[np.ndarray, float]] = {}
    for name in ("s2_study6_3", "lac12112011_13_29_46"):
        p = real_dir / "usc_roi_toolbox" / f"{name}.avi"
        if p.exists():
            out[f"USC 68x68 {name}"] = (read_sequence(p, pixel_spacing_mm=2.9).frames, 2.9)
    p = real_dir / "span_templates" / "template_struct.mat"
    if p.exists():
        from scipy.io import loadmat

        m = loadmat(p, squeeze_me=True, struct_as_record=False)["template_struct"]
        out["SPAN 84x84 templates"] = (np.stack([t.template.MRI for t in np.atleast_1d(m)])
                                       .astype(np.float32), 2.4)
    return out


def compare_stats(sets: dict[str, tuple[np.ndarray, float]],
                  reference: dict[int, np.ndarray] | None = None):
    """Table of :func:`image_stats` for several image sets (one row each).

    Parameters
    ----------
    sets : dict
        ``name -> (frames, spacing_mm)``.
    reference : dict, optional
        ``matrix size -> real frames``; adds ``hist_dist_to_real``, the :func:`histogram_distance`
        to the real frames of the same matrix size.

    Returns
    -------
    pandas.DataFrame
        Columns ``set``, ``matrix``, ``n_frames``, ``snr``, ``noise_sigma``, ``signal``,
        ``sharpness_per_mm``, ``dark_fraction``, ``mean_rel`` (and ``hist_dist_to_real``).
    """
    import pandas as pd

    rows = []
    for name, (frames, sp) in sets.items():
        x = _stack(frames)
        row = {"set": name, "matrix": x.shape[-1], "n_frames": x.shape[0], **image_stats(x, sp)}
        if reference is not None and x.shape[-1] in reference:
            row["hist_dist_to_real"] = histogram_distance(x, reference[x.shape[-1]])
        rows.append(row)
    return pd.DataFrame(rows)
