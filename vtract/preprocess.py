"""Image preprocessing for segmentation: bias correction, intensity normalisation, denoising.

All functions work on a ``(n, ny, nx)`` float stack in the canonical view and return new arrays;
they never modify a :class:`~vtract.Sequence` in place.

The bias field is estimated once per sequence with SimpleITK's N4 on a *reference* image (the
temporal mean, where noise is low and anatomy covers the whole head), then divided out of every
frame: the coil sensitivity profile does not move with the articulators, so one field serves the
whole sequence and the cost does not grow with its length.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from skimage.filters import threshold_otsu

__all__ = ["reference_image", "bias_field", "normalize", "denoise", "preprocess"]


def reference_image(frames: np.ndarray, *, max_frames: int = 400) -> np.ndarray:
    """Temporal mean of a frame stack (a strided subset of at most ``max_frames`` frames).

    Parameters
    ----------
    frames : ndarray, shape (n, ny, nx)
        Image stack.
    max_frames : int
        Upper bound on the frames averaged (evenly strided), so long sequences stay cheap.

    Returns
    -------
    ndarray, shape (ny, nx), float32
    """
    frames = np.asarray(frames)
    step = max(1, int(np.ceil(frames.shape[0] / max_frames)))
    return frames[::step].mean(axis=0, dtype=np.float64).astype(np.float32)


def bias_field(reference: np.ndarray, *, shrink: int = 1, iterations: int = 30) -> np.ndarray:
    """Estimate a smooth multiplicative bias field with SimpleITK N4.

    Parameters
    ----------
    reference : ndarray, shape (ny, nx)
        Reference image (e.g. the temporal mean), non-negative intensities.
    shrink : int
        Shrink factor used by N4 (1 = full resolution; rtMRI matrices are small).
    iterations : int
        Maximum N4 iterations per fitting level (4 levels).

    Returns
    -------
    ndarray, shape (ny, nx), float32
        Field with mean 1 inside the head; divide images by it. All ones when N4 fails
        (e.g. an empty image).
    """
    import SimpleITK as sitk  # heavy import, only when bias correction is requested

    ref = np.asarray(reference, dtype=np.float32)
    if not np.any(ref > 0):
        return np.ones_like(ref)
    img = sitk.GetImageFromArray(ref - ref.min() + 1e-3)
    # mask: everything above a third of Otsu's level with holes filled, so that low-signal
    # tissue far from the coil (neck, back of the head) is part of the fit
    level = 0.33 * float(threshold_otsu(ref))
    inside_np = ndi.binary_fill_holes(ndi.binary_closing(ref > level, iterations=2))
    mask = sitk.GetImageFromArray(inside_np.astype(np.uint8))
    if shrink > 1:
        img_s = sitk.Shrink(img, [shrink] * 2)
        mask_s = sitk.Shrink(mask, [shrink] * 2)
    else:
        img_s, mask_s = img, mask
    corrector = sitk.N4BiasFieldCorrectionImageFilter()
    corrector.SetMaximumNumberOfIterations([iterations] * 4)
    try:
        corrector.Execute(img_s, mask_s)
        log_field = corrector.GetLogBiasFieldAsImage(img)
    except RuntimeError:  # N4 refuses degenerate inputs; no correction is the safe fallback
        return np.ones_like(ref)
    field = np.exp(sitk.GetArrayFromImage(log_field)).astype(np.float32)
    inside = sitk.GetArrayFromImage(mask).astype(bool)
    norm = float(field[inside].mean()) if inside.any() else float(field.mean())
    return field / max(norm, 1e-6)


def normalize(frames: np.ndarray, reference: np.ndarray, *, low: float = 1.0,
              high: float = 99.5) -> np.ndarray:
    """Scale intensities so the reference's ``low``/``high`` percentiles map to 0 and 1.

    Parameters
    ----------
    frames : ndarray, shape (n, ny, nx)
    reference : ndarray, shape (ny, nx)
        Image whose percentiles define the scale (the same scale is applied to every frame, so
        intensity changes over time are kept).
    low, high : float
        Percentiles in 0..100.

    Returns
    -------
    ndarray, float32, clipped to [0, 1.5]
    """
    lo, hi = np.percentile(reference, [low, high])
    scale = 1.0 / max(float(hi - lo), 1e-6)
    out = (np.asarray(frames, dtype=np.float32) - np.float32(lo)) * np.float32(scale)
    return np.clip(out, 0.0, 1.5, out=out)


def denoise(frames: np.ndarray, *, sigma_px: float = 0.7, temporal: int = 1) -> np.ndarray:
    """Gaussian denoising in space and a short temporal mean.

    Parameters
    ----------
    frames : ndarray, shape (n, ny, nx)
    sigma_px : float
        Spatial Gaussian sigma in pixels (0 disables).
    temporal : int
        Half-width of the temporal box filter in frames (0 disables; 1 = 3-frame mean, which
        at 20-100 fps keeps articulator motion).

    Returns
    -------
    ndarray, float32
    """
    out = np.asarray(frames, dtype=np.float32)
    if temporal > 0 and out.shape[0] > 1:
        out = ndi.uniform_filter1d(out, size=2 * temporal + 1, axis=0, mode="nearest")
    if sigma_px > 0:
        out = ndi.gaussian_filter(out, sigma=(0, sigma_px, sigma_px), mode="nearest")
    return out.astype(np.float32, copy=False)


def preprocess(frames: np.ndarray, *, bias_correction: bool = True, sigma_px: float = 0.7,
               temporal: int = 1, reference: np.ndarray | None = None,
               field: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bias-correct, normalise and denoise a frame stack.

    Parameters
    ----------
    frames : ndarray, shape (n, ny, nx)
    bias_correction : bool
        Run N4 on the reference image (ignored when ``field`` is given).
    sigma_px, temporal : see :func:`denoise`.
    reference : ndarray, optional
        Reference image; default the temporal mean of ``frames``.
    field : ndarray, optional
        A bias field computed earlier (e.g. for the first chunk of a long sequence).

    Returns
    -------
    frames : ndarray, float32
        Preprocessed stack (air near 0, tissue near 1).
    reference : ndarray
        The preprocessed reference image (same scale).
    field : ndarray
        The bias field used (ones when disabled).
    """
    frames = np.asarray(frames, dtype=np.float32)
    ref = reference_image(frames) if reference is None else np.asarray(reference, np.float32)
    if field is None:
        field = bias_field(ref) if bias_correction else np.ones_like(ref)
    ref_c = ref / field
    out = normalize(frames / field, ref_c)
    out = denoise(out, sigma_px=sigma_px, temporal=temporal)
    ref_n = denoise(normalize(ref_c[None], ref_c), sigma_px=sigma_px, temporal=0)[0]
    return out, ref_n, field
