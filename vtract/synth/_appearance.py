"""Random MRI appearance: tissue contrast, bias and coil fall-off, resolution, artefacts, noise.

Every step is numpy/scipy on the native grid (64-160 pixels): the fine tissue map is only used for
three lookup tables and block means (exact partial volume), so a sample costs a few milliseconds.
MONAI's intensity transforms would do parts of this on torch tensors, but they need torch (the
generator must stay torch-free, :mod:`vtract.synth`) and cost more per call than these few array ops.

Pipeline (one :class:`Appearance` per sample; drawn by :func:`random_appearance`)
------------------------------------------------------------------------------
1. **Contrast**: every tissue class (:data:`~._labelmap.TISSUES`) gets a two-component Gaussian mixture
   (means ``m1``, ``m2``, a smooth spatial field choosing between them, a within-class standard
   deviation with a smooth texture). 70 % of samples are *realistic* (proton-density/T1-like gradient
   echo: air, teeth and cortical bone dark, fat bright, muscle mid-grey, each jittered log-normally),
   30 % are *random* (every class uniform in [0, 1]; air still the darkest in most of them).
2. **Partial volume**: block means of the fine maps onto the native grid (exact area fractions), plus a
   wider copy mixed in (tissue beside the midline in a 5-10 mm slice).
3. **Coil and bias**: a receive-coil Gaussian around the lower face/neck (70 %: 35-90 mm wide, floor
   0.03-0.3, as with head-and-neck arrays; 30 %: nearly flat), times a smooth random log-polynomial
   bias field.
4. **k-space degradations** (one FFT): anisotropic resolution loss with a random taper (PSF, Gibbs),
   motion blur along a random direction, N/2 ghosting, radial (streaks) or variable-density random
   (spiral-like incoherent aliasing) undersampling blended in.
5. **Rician noise** at a random SNR (3-40, log-uniform): complex Gaussian noise, then the magnitude.
6. **Gamma and contrast**: a random gamma (0.6-1.6) on the normalised image and a random gain.
7. **Display**: in 40 % of samples the frame is stored like an 8-bit video (USC AVIs): scaled so a
   random 97-100th percentile saturates, clipped and quantised to 256 levels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
from scipy import ndimage as ndi

from ._labelmap import TISSUES

__all__ = ["Appearance", "random_appearance", "render_image", "REALISTIC_MEANS"]

#: Typical relative intensities (muscle = 1) of speech rtMRI (low flip-angle gradient echo / bSSFP).
REALISTIC_MEANS: dict[str, float] = {
    "outside": 0.0, "airway": 0.02, "air": 0.02, "fat": 1.35, "soft": 0.8, "muscle": 1.0,
    "tongue": 1.0, "bone": 0.12, "marrow": 0.75, "teeth": 0.05, "brain": 0.65, "csf": 0.6, "cord": 0.6,
    "mucosa": 1.1, "nasal": 0.75, "device": 0.05, "spine": 0.5}
_AIR = ("outside", "airway", "air")
_DARK = ("bone", "teeth", "device")


@dataclass
class Appearance:
    """Appearance parameters of one sample (all JSON-able but the arrays).

    Attributes are documented in the module docstring; ``m1``, ``m2``, ``sd`` are per tissue class.
    """

    mode: str
    m1: np.ndarray
    m2: np.ndarray
    sd: np.ndarray
    texture_mm: float
    mixture_mm: float
    slice_mix: float
    slice_sigma_mm: float
    coil_offset_mm: tuple[float, float]
    coil_width_mm: float
    coil_floor: float
    bias_coef: np.ndarray
    res_frac: tuple[float, float]
    taper: float
    motion_px: float
    motion_angle: float
    ghost: float
    ghost_axis: int
    under_kind: str
    under_weight: float
    under_n: int
    snr: float
    gamma: float
    gain: float
    clip_pct: float

    def to_dict(self) -> dict:
        """JSON-able parameters (arrays as lists; per-class arrays keyed by tissue name)."""
        d = asdict(self)
        for k in ("m1", "m2", "sd"):
            d[k] = {t: float(v) for t, v in zip(TISSUES, d[k], strict=True)}
        d["bias_coef"] = [float(v) for v in self.bias_coef]
        d["coil_offset_mm"] = list(self.coil_offset_mm)
        d["res_frac"] = list(self.res_frac)
        return d


def random_appearance(rng: np.random.Generator, spacing_mm: float) -> Appearance:
    """Draw the appearance of one sample.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    spacing_mm : float
        Native pixel size (mm); the resolution loss is drawn so the acquired pixel stays <= 4.5 mm.

    Returns
    -------
    Appearance
    """
    nt = len(TISSUES)
    base = np.array([REALISTIC_MEANS[t] for t in TISSUES])
    if rng.uniform() < 0.7:
        mode = "realistic"
        m1 = base * np.exp(rng.normal(0.0, 0.25, nt))
        m1[TISSUES.index("tongue")] = m1[TISSUES.index("muscle")] * np.exp(rng.normal(0.0, 0.04))
        for t in _AIR:
            m1[TISSUES.index(t)] = rng.uniform(0.0, 0.08)
    else:
        mode = "random"
        m1 = rng.uniform(0.0, 1.0, nt)
        if rng.uniform() < 0.75:  # air among the darkest, but not always
            lo = rng.uniform(0.0, 0.1)
            for t in _AIR:
                m1[TISSUES.index(t)] = lo * rng.uniform(0.5, 1.0)
    if rng.uniform() < 0.8:  # teeth/bone nearly as dark as air in most real frames
        for t in _DARK:
            i = TISSUES.index(t)
            m1[i] = min(m1[i], rng.uniform(0.0, 0.25))
    m2 = m1 * np.exp(rng.normal(0.0, 0.2, nt))
    sd = m1 * rng.uniform(0.02, 0.2, nt)
    res_max = min(1.0, spacing_mm / 1.0)
    if rng.uniform() < 0.7:  # head-and-neck array over the lower face and neck: strong fall-off
        coil_offset = (float(rng.normal(-15.0, 15.0)), float(rng.normal(10.0, 15.0)))
        coil_width, coil_floor = float(rng.uniform(35.0, 90.0)), float(rng.uniform(0.03, 0.3))
    else:  # volume coil or a normalised reconstruction: nearly flat
        coil_offset = (float(rng.normal(0.0, 30.0)), float(rng.normal(0.0, 30.0)))
        coil_width, coil_floor = float(rng.uniform(80.0, 200.0)), float(rng.uniform(0.2, 0.8))
    return Appearance(
        mode=mode, m1=m1, m2=m2, sd=sd,
        texture_mm=float(rng.uniform(1.5, 8.0)), mixture_mm=float(rng.uniform(5.0, 25.0)),
        slice_mix=float(rng.uniform(0.0, 0.4)), slice_sigma_mm=float(rng.uniform(1.0, 4.0)),
        coil_offset_mm=coil_offset, coil_width_mm=coil_width, coil_floor=coil_floor,
        bias_coef=rng.normal(0.0, 0.25, 5),
        res_frac=(float(rng.uniform(0.45, res_max)), float(rng.uniform(0.45, res_max)))
        if rng.uniform() < 0.7 else (1.0, 1.0),
        taper=float(rng.uniform(0.0, 0.5)),
        motion_px=float(rng.exponential(0.6)) if rng.uniform() < 0.5 else 0.0,
        motion_angle=float(rng.uniform(0.0, np.pi)),
        ghost=float(rng.uniform(0.02, 0.15)) if rng.uniform() < 0.25 else 0.0,
        ghost_axis=int(rng.integers(0, 2)),
        under_kind=str(rng.choice(["none", "radial", "random"], p=[0.4, 0.4, 0.2])),
        under_weight=float(rng.uniform(0.1, 0.6)), under_n=int(rng.integers(8, 40)),
        snr=float(np.exp(rng.uniform(np.log(3.0), np.log(40.0)))),
        gamma=float(np.exp(rng.uniform(np.log(0.6), np.log(1.6)))),
        gain=float(np.exp(rng.uniform(np.log(0.2), np.log(5.0)))),
        clip_pct=float(rng.uniform(97.0, 100.0)) if rng.uniform() < 0.4 else 0.0,
    )


@lru_cache(maxsize=16)
def _block_index(n: int, k: int) -> np.ndarray:
    """Native-pixel index of every fine pixel (fine grid ``n * k`` square), flattened."""
    b = (np.arange(n * k) // k)
    return (b[:, None] * n + b[None, :]).ravel()


def tissue_fractions(tissue: np.ndarray, k: int) -> np.ndarray:
    """Area fraction of every tissue class in every native pixel.

    Parameters
    ----------
    tissue : ndarray, shape (n * k, n * k), uint8
        Fine tissue-code map.
    k : int
        Fine pixels per native pixel (per side).

    Returns
    -------
    ndarray, shape (n, n, len(TISSUES)), float32
        Fractions summing to 1 in every pixel (one ``bincount``: faster than a lookup and a block mean
        per intensity map).
    """
    n = tissue.shape[0] // k
    nt = len(TISSUES)
    counts = np.bincount(_block_index(n, k) * nt + tissue.ravel(), minlength=n * n * nt)
    return (counts.reshape(n, n, nt) / float(k * k)).astype(np.float32)


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma_px: float) -> np.ndarray:
    """Gaussian-filtered white noise with unit standard deviation."""
    f = ndi.gaussian_filter(rng.standard_normal(shape).astype(np.float32), sigma_px, mode="wrap")
    return f / (f.std() + 1e-6)


def _kspace_filter(a: Appearance, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Multiplicative k-space filter (PSF x motion x ghost) on the unshifted FFT grid."""
    ky = np.fft.fftfreq(shape[0])[:, None]  # cycles / pixel, in [-0.5, 0.5)
    kx = np.fft.fftfreq(shape[1])[None, :]
    h = np.ones(shape, np.complex64)
    for k, fr in ((ky, a.res_frac[0]), (kx, a.res_frac[1])):
        r = np.abs(k) / (0.5 * fr)  # 1 at the acquired k-space edge
        if a.taper > 0:
            w = np.where(r <= 1 - a.taper, 1.0,
                         0.5 * (1 + np.cos(np.pi * np.clip((r - 1 + a.taper) / a.taper, 0, 1))))
        else:
            w = (r <= 1).astype(float)
        h = h * w
    if a.motion_px > 0:
        proj = ky * np.sin(a.motion_angle) + kx * np.cos(a.motion_angle)
        h = h * np.sinc(a.motion_px * proj)
    if a.ghost > 0:
        n = shape[a.ghost_axis]
        alt = (np.arange(n) % 2) * 2.0 - 1.0
        alt = alt[:, None] if a.ghost_axis == 0 else alt[None, :]
        h = h * (1.0 + a.ghost * alt)
    return h


def _undersampling_mask(a: Appearance, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    ky = np.fft.fftfreq(shape[0])[:, None] * shape[0]
    kx = np.fft.fftfreq(shape[1])[None, :] * shape[1]
    r = np.hypot(kx, ky)
    if a.under_kind == "radial":
        theta = np.arctan2(ky, kx) - rng.uniform(0, np.pi)
        step = np.pi / a.under_n
        delta = theta - np.round(theta / step) * step
        m = (r * np.abs(np.sin(delta)) < 0.7) | (r < 2.0)
        w = m * (r + 0.5)  # density compensation (ramp)
        return (w / max(w.mean(), 1e-6)).astype(np.float32)
    # Variable-density random sampling: incoherent, noise-like aliasing as in spiral/compressed sensing.
    p = np.clip(2.5 * a.under_n / (r + a.under_n) - 0.9, 0.05, 1.0)
    m = rng.uniform(size=shape) < p
    return (m / p).astype(np.float32)


def render_image(tissue_fine: list[np.ndarray], factor: int, spacing_mm: float, a: Appearance,
                 centre_mm: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """Render MRI-like frames from fine tissue maps.

    Parameters
    ----------
    tissue_fine : list of ndarray, shape (n * factor, n * factor), uint8
        Tissue-code maps (:data:`~._labelmap.TISSUES`), one per frame of the context.
    factor : int
        Fine pixels per native pixel (per side).
    spacing_mm : float
        Native pixel size (mm).
    a : Appearance
        Appearance parameters (shared by all frames).
    centre_mm : tuple of float
        Oral-cavity position (x_mm, y_mm) in the field of view (coil placement).
    rng : numpy.random.Generator
        Source of randomness (textures, undersampling, noise).

    Returns
    -------
    ndarray, shape (n_frames, n, n), float32
        Magnitude images (arbitrary scale).
    """
    n = tissue_fine[0].shape[0] // factor
    shape = (n, n)
    tex = _smooth_noise(rng, shape, a.texture_mm / spacing_mm)
    sel = 1.0 / (1.0 + np.exp(-3.0 * _smooth_noise(rng, shape, a.mixture_mm / spacing_mm)))
    # Coil x bias field (smooth, multiplicative).
    yy, xx = (np.mgrid[0:n, 0:n].astype(np.float32) + 0.5) * spacing_mm
    cx, cy = centre_mm[0] + a.coil_offset_mm[0], centre_mm[1] + a.coil_offset_mm[1]
    coil = a.coil_floor + (1 - a.coil_floor) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2)
                                                       / (2 * a.coil_width_mm ** 2))
    u, v = xx / (n * spacing_mm) - 0.5, yy / (n * spacing_mm) - 0.5
    c = a.bias_coef
    bias = np.exp(c[0] * u + c[1] * v + c[2] * u * v + c[3] * (u * u - 1 / 12) + c[4] * (v * v - 1 / 12))
    field = (coil * bias).astype(np.float32)
    h = _kspace_filter(a, shape, rng)
    mask = _undersampling_mask(a, shape, rng) if a.under_kind != "none" else None
    m1, dm, sd = (x.astype(np.float32) for x in (a.m1, a.m2 - a.m1, a.sd))
    clean = []
    for t in tissue_fine:
        frac = tissue_fractions(t, factor)
        img = frac @ m1 + sel * (frac @ dm) + tex * (frac @ sd)
        if a.slice_mix > 0:
            img = (1 - a.slice_mix) * img + a.slice_mix * ndi.gaussian_filter(
                img, a.slice_sigma_mm / spacing_mm)
        k = np.fft.fft2(img * field) * h
        z = np.fft.ifft2(k)
        if mask is not None:
            z = (1 - a.under_weight) * z + a.under_weight * np.fft.ifft2(k * mask)
        clean.append(z)
    # One noise level for all frames, from the centre frame's bright tissue (95th percentile).
    ref = float(np.percentile(np.abs(clean[len(clean) // 2]), 95)) + 1e-6
    sigma = ref / a.snr
    frames = [np.abs(z + sigma * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))) / ref
              for z in clean]
    x = np.stack(frames).astype(np.float32)
    x = np.clip(x, 0, None) ** a.gamma
    if a.clip_pct > 0:  # 8-bit video: saturate the brightest pixels, 256 grey levels
        top = float(np.percentile(x[len(x) // 2], a.clip_pct)) + 1e-6
        x = np.round(np.clip(x / top, 0.0, 1.0) * 255.0) / 255.0
    x = x * a.gain
    return x.astype(np.float32)
