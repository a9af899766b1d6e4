"""MRI-like rendering of phantom geometry: label maps and proton-density-like frames.

Pipeline (every step seeded through the ``rng`` passed in; numbers are the defaults)
-----------------------------------------------------------------------------------
1. **Rasterise** every polygon of :class:`~._geometry.FrameGeometry` in paint order on a supersampled
   grid (fine pixel <= 0.8 mm; PIL's scanline polygon fill). Each pixel gets a tissue intensity and a label.
2. **Airway by connectivity**: air painted by the oral-tract envelope and the nasopharynx is airway (label
   1) when 4-connected to the tract midline (where the tract is open); the nasal cavity joins it only
   through an open velopharyngeal port; the lower incisors touching that air count as airway too
   (:data:`vtract.labels.AIRWAY_INCLUDES`, the lower-incisor pocket). Other pockets of envelope air
   become tissue.
3. **Partial volume (in-plane)**: block-average the fine grid to the matrix; labels by majority vote.
4. **Proton-density-like intensities** (relative to muscle = 1): air 0, teeth 0.05, cortical bone 0.15,
   fat 1.45, bone marrow 1.1, mucosa 1.2, brain 0.75, CSF 1.3, spinal cord 0.85, nasal cavity (septum in
   the slice) 0.65, instrument 0.
   Soft tissue gets a static smooth texture (+-10 %).
5. **Slice thickness**: 25 % of the signal comes from a 1.3 mm-sigma blurred copy (tissue beside the
   midline in a 6-10 mm slice), which fills thin air gaps and greys the airway edges.
6. **PSF**: Gaussian blur, sigma 0.35 pixel (apodised finite k-space coverage).
7. **Coil sensitivity**: a smooth multiplicative field, strongest over the tongue and lips (session-specific
   position and width, 50-70 mm Gaussian), falling to a 12 % floor at the brain and the back of the neck.
8. **Motion blur**: frames are a weighted mix with their neighbours, the weight growing with the speed of
   the fastest articulator (sliding-window / view-sharing reconstruction).
9. **Radial streaks** (optional): k-space of each frame is re-sampled on a set of radial spokes (golden-angle
   rotated from frame to frame) and blended in, giving faint streaks from bright structures.
10. **Rician noise**: complex Gaussian noise, then magnitude; ``snr`` = muscle signal / noise sigma.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage as ndi

from .. import labels as L
from ._geometry import FrameGeometry

__all__ = ["RenderSettings", "TISSUE_PD", "rasterise", "degrade", "supersample_factor"]

#: Proton-density-like intensity of each tissue class, relative to muscle.
TISSUE_PD: dict[str, float] = {"air": 0.0, "teeth": 0.05, "bone": 0.15, "fat": 1.45, "marrow": 1.1,
                               "mucosa": 1.2, "brain": 0.75, "nasal": 0.65, "muscle": 1.0,
                               "device": 0.0, "csf": 1.3, "cord": 0.85}


@dataclass(frozen=True)
class RenderSettings:
    """Imaging settings of one session.

    Parameters
    ----------
    matrix : int
        Image matrix (square), e.g. 68, 84, 128.
    spacing_mm : float
        Pixel size in mm.
    fps : float
        Frame rate (frames/s).
    snr : float
        Muscle signal over the noise standard deviation (per real/imaginary channel).
    streaks : float
        Blend weight of the radial-undersampling image (0 = none).
    coil_centre_mm : tuple of float
        (x, y) of the receive coil's sensitivity maximum.
    slice_mix : float
        Fraction of the signal from beside the midline (slice thickness).
    psf_sigma_px : float
        In-plane point-spread sigma in pixels.
    """

    matrix: int
    spacing_mm: float
    fps: float
    snr: float = 14.0
    streaks: float = 0.0
    coil_centre_mm: tuple[float, float] = (60.0, 115.0)
    coil_width_mm: float = 60.0
    slice_mix: float = 0.25
    psf_sigma_px: float = 0.35


def supersample_factor(spacing_mm: float) -> int:
    """Supersampling factor so that fine pixels are at most 0.8 mm."""
    return max(2, int(np.ceil(spacing_mm / 0.8)))


def _to_fine(pts: np.ndarray, spacing_mm: float, ss: int) -> tuple[np.ndarray, np.ndarray]:
    # Fine pixel centres sit at (j - (ss - 1) / 2) * spacing / ss mm, so each ss x ss block averages to a
    # coarse pixel centred at k * spacing (origin = centre of the top-left pixel, as in DESIGN.md).
    f = ss / spacing_mm
    return pts[:, 1] * f + (ss - 1) / 2, pts[:, 0] * f + (ss - 1) / 2


def rasterise(geom: FrameGeometry, matrix: int, spacing_mm: float, *,
              texture: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Rasterise one frame's geometry.

    Parameters
    ----------
    geom : FrameGeometry
        The frame's polygons.
    matrix : int
        Output matrix size (square).
    spacing_mm : float
        Output pixel size (mm).
    texture : ndarray, shape (matrix * ss, matrix * ss), optional
        Multiplicative soft-tissue texture on the fine grid.

    Returns
    -------
    pd : ndarray, shape (matrix, matrix), float32
        Partial-volume proton density (muscle = 1), before blur, coil and noise.
    labels : ndarray, shape (matrix, matrix), uint8
        Majority label per pixel.
    airway_area_mm2 : float
        Airway area on the fine grid (mm^2).
    """
    ss = supersample_factor(spacing_mm)
    n = matrix * ss
    # Paint shape indices with PIL's scanline polygon fill (C; ~100x faster than skimage.draw.polygon,
    # which tests every pixel of the bounding box against every edge), then map index -> tissue/label.
    canvas = Image.new("L", (n, n), 0)
    draw = ImageDraw.Draw(canvas)
    pd_lut = np.zeros(len(geom.shapes) + 1, np.float32)
    lab_lut = np.zeros(len(geom.shapes) + 1, np.uint8)
    src_lut = np.zeros(len(geom.shapes) + 1, np.uint8)  # 1 envelope air, 2 nasopharynx, 3 nasal, 4 teeth
    code = {"envelope": 1, "nasopharynx": 2, "nasal_cavity": 3}
    for k, sh in enumerate(geom.shapes, start=1):
        r, c = _to_fine(sh.points, spacing_mm, ss)
        draw.polygon(list(zip(c.tolist(), r.tolist())), fill=k)
        pd_lut[k] = TISSUE_PD[sh.tissue]
        lab_lut[k] = sh.label if sh.label != L.AIRWAY else L.BACKGROUND
        src_lut[k] = 4 if sh.name in L.AIRWAY_INCLUDES else code.get(sh.name, 0)
    idx = np.asarray(canvas)
    pd = pd_lut[idx]
    lab = lab_lut[idx]
    src = src_lut[idx]
    comp, ncomp = ndi.label(src > 0)
    if ncomp:
        # Airway = the air components crossed by the tract midline (where the tract is open), plus
        # whatever air joins them (the nasal cavity through an open port) and the lower incisors that
        # touch them (vtract.labels.AIRWAY_INCLUDES). Other envelope or nasopharynx air (pockets left
        # between tissue polygons) becomes tissue.
        mid = geom.open_midline(0.3)  # the walls MRI shows (FrameGeometry.visible)
        r, c = _to_fine(mid, spacing_mm, ss)
        r = np.clip(np.round(r).astype(int), 0, n - 1)
        c = np.clip(np.round(c).astype(int), 0, n - 1)
        keep = np.zeros(ncomp + 1, bool)
        keep[comp[r, c]] = True
        keep[0] = False
        has_nasal = np.bincount(comp[src == 3], minlength=ncomp + 1) > 0
        airway = keep[comp]
        lab[airway] = L.AIRWAY
        pockets = (comp > 0) & ~airway & ~has_nasal[comp] & (src < 3)
        pd[pockets] = TISSUE_PD["muscle"]
    if texture is not None:
        pd = np.where((pd > 0.5) & (pd < 1.6), pd * texture, pd)
    area = float((lab == L.AIRWAY).sum()) * (spacing_mm / ss) ** 2
    coarse = pd.reshape(matrix, ss, matrix, ss).mean(axis=3).mean(axis=1)
    return coarse.astype(np.float32), _majority(lab, matrix, ss), area


def _majority(lab: np.ndarray, matrix: int, ss: int) -> np.ndarray:
    """Majority label of each ss x ss block (ties -> the lower label value)."""
    block = (np.arange(lab.shape[0]) // ss)[:, None] * matrix + (np.arange(lab.shape[1]) // ss)[None, :]
    nl = int(lab.max()) + 1
    counts = np.bincount((block * nl + lab).ravel(), minlength=matrix * matrix * nl)
    return np.argmax(counts.reshape(matrix, matrix, nl), axis=-1).astype(np.uint8)


def tissue_texture(matrix: int, spacing_mm: float, rng: np.random.Generator) -> np.ndarray:
    """Return a smooth multiplicative texture (mean 1, about +-10 %) on the fine grid."""
    ss = supersample_factor(spacing_mm)
    n = matrix * ss
    field = ndi.gaussian_filter(rng.standard_normal((n, n)), sigma=3.0 / (spacing_mm / ss))
    field /= field.std() + 1e-12
    return (1.0 + 0.12 * field).astype(np.float32)


def coil_field(matrix: int, spacing_mm: float, centre_mm: tuple[float, float],
               width_mm: float = 60.0) -> np.ndarray:
    """Receive-coil sensitivity: 1 at ``centre_mm``, Gaussian fall-off (sigma ``width_mm``) to a 0.12 floor.

    Head-and-neck array coils for vocal-tract rtMRI are placed around the lower face and neck, so the
    tongue and lips are brightest and the brain and the back of the neck are dim.
    """
    y, x = np.mgrid[0:matrix, 0:matrix] * spacing_mm
    r2 = (x - centre_mm[0]) ** 2 + (y - centre_mm[1]) ** 2
    return (0.12 + 0.88 * np.exp(-r2 / (2 * width_mm ** 2))).astype(np.float32)


def _spoke_masks(matrix: int, n_spokes: int, n_sets: int) -> list[np.ndarray]:
    """Radial k-space sampling masks (ramp-weighted) for ``n_sets`` golden-angle rotations."""
    from skimage.draw import line

    masks = []
    c = matrix // 2
    ky, kx = np.mgrid[0:matrix, 0:matrix] - c
    ramp = np.hypot(kx, ky) + 0.5
    golden = np.pi * (3 - np.sqrt(5))
    for s in range(n_sets):
        m = np.zeros((matrix, matrix), np.float32)
        for j in range(n_spokes):
            a = np.pi * j / n_spokes + s * golden
            dx, dy = np.cos(a) * c, np.sin(a) * c
            rr, cc = line(int(round(c - dy)), int(round(c - dx)), int(round(c + dy)),
                          int(round(c + dx)))
            ok = (rr >= 0) & (rr < matrix) & (cc >= 0) & (cc < matrix)
            m[rr[ok], cc[ok]] = 1.0
        w = m * ramp
        w *= m.sum() / max(w.sum(), 1e-9) * (matrix * matrix) / max(m.sum(), 1.0)
        masks.append(np.fft.ifftshift(w))
    return masks


def degrade(pd: np.ndarray, settings: RenderSettings, speed: np.ndarray, rng: np.random.Generator,
            *, signal_scale: float = 1.0) -> np.ndarray:
    """Turn clean partial-volume frames into MRI-like magnitude frames.

    Parameters
    ----------
    pd : ndarray, shape (n_frames, matrix, matrix)
        Clean proton density from :func:`rasterise` (muscle = 1).
    settings : RenderSettings
        Imaging settings (SNR, streaks, coil, PSF, slice mixing).
    speed : ndarray, shape (n_frames,)
        Fastest articulator speed at each frame (mm/s), for motion blur.
    rng : numpy.random.Generator
        Seeded generator (noise, streak rotations).
    signal_scale : float
        Overall gain (between-subject proton density differences).

    Returns
    -------
    ndarray, shape (n_frames, matrix, matrix), float32
        Magnitude images, scaled so that muscle near the coil is about 0.35 (like 8-bit rtMRI videos
        normalised to [0, 1]).
    """
    sp = settings.spacing_mm
    x = pd.astype(np.float32) * signal_scale
    # Slice thickness: signal from beside the midline.
    lateral = ndi.gaussian_filter(x, sigma=(0, 1.3 / sp * 2.4, 1.3 / sp * 2.4))
    x = (1 - settings.slice_mix) * x + settings.slice_mix * lateral
    x = ndi.gaussian_filter(x, sigma=(0, settings.psf_sigma_px, settings.psf_sigma_px))
    x *= coil_field(settings.matrix, sp, settings.coil_centre_mm, settings.coil_width_mm)[None]
    # Motion blur: mix with neighbours, weight ~ displacement per frame in pixels.
    disp_px = speed / settings.fps / sp
    w = np.clip(0.25 * disp_px, 0.0, 0.45)[:, None, None]
    prev = np.concatenate([x[:1], x[:-1]])
    nxt = np.concatenate([x[1:], x[-1:]])
    x = (1 - w) * x + w * 0.5 * (prev + nxt)
    if settings.streaks > 0:
        masks = _spoke_masks(settings.matrix, n_spokes=max(8, settings.matrix // 6), n_sets=13)
        k = np.fft.fft2(x, axes=(1, 2))
        under = np.empty_like(x)
        for i in range(x.shape[0]):
            under[i] = np.real(np.fft.ifft2(k[i] * masks[i % len(masks)]))
        x = (1 - settings.streaks) * x + settings.streaks * under
    sigma = 1.0 / settings.snr
    re = x + rng.normal(0.0, sigma, x.shape).astype(np.float32)
    im = rng.normal(0.0, sigma, x.shape).astype(np.float32)
    mag = np.hypot(re, im)
    return (0.35 * mag).astype(np.float32)
