"""Random imaging grid and head pose: template mm -> field-of-view mm.

The phantom's geometry (:mod:`vtract.phantom._geometry`) lives in a *template* frame (mm, ``x`` face ->
back, ``y`` down, about 200 mm wide). A :class:`Placement` maps template points into the sampled field of
view with, in order: a smooth neck bend (shear below the mandible that grows with depth, flexion or
extension of the cervical spine), an isotropic scale about the oral cavity (sets tract length and head
size), a rotation about the oral cavity (head tilt, +-20 deg) and a translation (where the head sits in
the field of view). Field-of-view mm use the *edge* convention of :mod:`vtract.synth`: the image covers
``[0, n * spacing_mm)`` in both directions, pixel ``i`` is centred at ``(i + 0.5) * spacing_mm``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["Grid", "Placement", "random_grid", "random_placement", "random_warp", "FOV_RANGE_MM",
           "PIXEL_RANGE_MM", "MATRIX_RANGE", "ROTATION_RANGE_DEG", "FINE_PIXEL_MAX_MM"]

#: Field of view (mm), pixel size (mm) and matrix ranges of the sampled grids (issue 12).
FOV_RANGE_MM = (180.0, 300.0)
PIXEL_RANGE_MM = (1.2, 3.2)
MATRIX_RANGE = (64, 160)
ROTATION_RANGE_DEG = (-20.0, 20.0)
#: Largest label-grid pixel (mm): the label grid is the image grid subdivided by an integer factor.
FINE_PIXEL_MAX_MM = 0.8

#: Template point about which the head is scaled and rotated (the oral cavity, template mm).
ORAL_CENTRE = np.array([70.0, 118.0])
#: Template height (mm) below which the neck bends (just under the mandible).
NECK_TOP_Y = 125.0


@dataclass(frozen=True)
class Grid:
    """Native image grid and its label grid.

    Attributes
    ----------
    matrix : int
        Pixels per side of the square acquisition grid (before any random crop).
    spacing_mm : float
        Native pixel size (mm).
    factor : int
        Label-grid subdivision: label pixels are ``spacing_mm / factor`` mm.
    """

    matrix: int
    spacing_mm: float
    factor: int

    @property
    def fov_mm(self) -> float:
        """Field of view (mm)."""
        return self.matrix * self.spacing_mm

    @property
    def fine_spacing_mm(self) -> float:
        """Label-grid pixel size (mm)."""
        return self.spacing_mm / self.factor


def random_grid(rng: np.random.Generator) -> Grid:
    """Sample a field of view of 180-300 mm, a pixel of 1.2-3.2 mm and a matrix of 64-160.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Grid
        ``matrix * spacing_mm`` lies in :data:`FOV_RANGE_MM`, the pixel in :data:`PIXEL_RANGE_MM`, the
        matrix in :data:`MATRIX_RANGE`.
    """
    fov = rng.uniform(*FOV_RANGE_MM)
    lo = max(PIXEL_RANGE_MM[0], fov / MATRIX_RANGE[1])
    hi = min(PIXEL_RANGE_MM[1], fov / MATRIX_RANGE[0])
    # Log-uniform pixel size: coarse (2-3 mm, speech rtMRI) and fine (1.2-2 mm) protocols equally often.
    sp = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    matrix = int(np.clip(round(fov / sp), MATRIX_RANGE[0], MATRIX_RANGE[1]))
    sp = float(np.clip(fov / matrix, *PIXEL_RANGE_MM))
    if not FOV_RANGE_MM[0] <= matrix * sp <= FOV_RANGE_MM[1]:
        sp = float(np.clip(sp, FOV_RANGE_MM[0] / matrix, FOV_RANGE_MM[1] / matrix))
    factor = int(np.ceil(sp / FINE_PIXEL_MAX_MM - 1e-9))
    return Grid(matrix=matrix, spacing_mm=sp, factor=max(factor, 2))


@dataclass(frozen=True)
class Placement:
    """Template mm -> field-of-view mm.

    Attributes
    ----------
    scale : float
        Isotropic scale about the oral cavity.
    rotation_deg : float
        Head rotation about the oral cavity (positive = chin towards the back of the image).
    centre_mm : tuple of float
        Where the oral cavity lands in the field of view (x_mm, y_mm).
    neck_bend_deg : float
        Neck flexion (+, the neck leans backwards below the mandible) or extension (-).
    warp : tuple of (ax_mm, ay_mm, kx, ky, phase)
        Smooth random deformation applied first (template mm): the sum of plane waves
        ``(ax, ay) * sin(kx * x + ky * y + phase)``, wavenumbers in rad/mm. It bends every structure
        together (shape variety beyond the articulatory model, as SynthSeg's random deformations).
    """

    scale: float
    rotation_deg: float
    centre_mm: tuple[float, float]
    neck_bend_deg: float
    warp: tuple = ()

    def __call__(self, pts: np.ndarray) -> np.ndarray:
        """Map template points (n, 2) in mm to field-of-view mm (n, 2)."""
        p = np.asarray(pts, float)
        if self.warp:
            w = np.asarray(self.warp)  # rows: ax_mm, ay_mm, kx, ky (rad/mm), phase
            arg = np.sin(p[:, :1] * w[None, :, 2] + p[:, 1:2] * w[None, :, 3] + w[None, :, 4])
            p = p + np.column_stack([arg @ w[:, 0], arg @ w[:, 1]])
        x = p[:, 0].copy()
        dy = np.maximum(p[:, 1] - NECK_TOP_Y, 0.0)
        # C1 ramp: quadratic over the first 40 mm, then linear (a smooth bend, not a kink).
        ramp = np.where(dy < 40.0, dy * dy / 80.0, dy - 20.0)
        x += np.tan(np.deg2rad(self.neck_bend_deg)) * ramp
        a = np.deg2rad(self.rotation_deg)
        c, s = np.cos(a), np.sin(a)
        u = (x - ORAL_CENTRE[0]) * self.scale
        v = (p[:, 1] - ORAL_CENTRE[1]) * self.scale
        return np.column_stack([c * u - s * v + self.centre_mm[0], s * u + c * v + self.centre_mm[1]])

    def direction(self, d: np.ndarray) -> np.ndarray:
        """Rotate direction vectors (n, 2) (the neck bend is ignored: directions are used above it)."""
        a = np.deg2rad(self.rotation_deg)
        c, s = np.cos(a), np.sin(a)
        return np.column_stack([c * d[:, 0] - s * d[:, 1], s * d[:, 0] + c * d[:, 1]])

    def to_dict(self) -> dict:
        """JSON-able parameters."""
        d = asdict(self)
        d["centre_mm"] = list(self.centre_mm)
        d["warp"] = [list(w) for w in self.warp]
        return d


def random_placement(rng: np.random.Generator, grid: Grid, scale: float,
                     keep_in: np.ndarray | None = None, margin_mm: float = 5.0) -> Placement:
    """Sample rotation, neck bend, deformation and the head position in the field of view.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    grid : Grid
        The sampled grid (its field of view bounds the translation).
    scale : float
        Subject scale (from the anatomy: tract length).
    keep_in : ndarray, shape (n, 2), optional
        Template points (lips, glottis, ...) that must land inside the field of view, ``margin_mm``
        from its edges: the position is redrawn up to 20 times (then the last draw is kept), as an
        operator centres the vocal tract.
    margin_mm : float
        Margin for ``keep_in`` (mm).

    Returns
    -------
    Placement
        The oral cavity lands at 25-50 % of the width and 35-62 % of the height, as in midsagittal
        rtMRI (face left, head up) with some margin for off-centre heads.
    """
    fov = grid.fov_mm
    rot = float(rng.uniform(*ROTATION_RANGE_DEG))
    bend = float(rng.uniform(-12.0, 12.0))
    warp = random_warp(rng)
    for _ in range(20):
        cx = float(rng.uniform(0.25, 0.50) * fov)
        cy = float(rng.uniform(0.35, 0.62) * fov)
        pl = Placement(scale=float(scale), rotation_deg=rot, centre_mm=(cx, cy), neck_bend_deg=bend,
                       warp=warp)
        if keep_in is None:
            break
        q = pl(keep_in)
        if (q.min() >= margin_mm) and (q.max() <= fov - margin_mm):
            break
    return pl


#: Smooth deformation: number of plane waves, wavelength range (mm) and largest strain of each.
WARP_WAVES = 6
WARP_WAVELENGTH_MM = (50.0, 160.0)
WARP_MAX_STRAIN = 0.05


def random_warp(rng: np.random.Generator) -> tuple:
    """Draw the plane waves of a smooth deformation (see :class:`Placement`).

    Each wave's amplitude is at most ``WARP_MAX_STRAIN * wavelength / (2 pi)`` (about 1.3-4 mm), so
    the summed strain stays below 0.3 and the map never folds.
    """
    waves = []
    for _ in range(WARP_WAVES):
        lam = rng.uniform(*WARP_WAVELENGTH_MM)
        k = 2 * np.pi / lam
        th = rng.uniform(0, 2 * np.pi)
        amp = rng.uniform(0, WARP_MAX_STRAIN) / k
        phi = rng.uniform(0, 2 * np.pi)
        waves.append((float(amp * np.cos(phi)), float(amp * np.sin(phi)), float(k * np.cos(th)),
                      float(k * np.sin(th)), float(rng.uniform(0, 2 * np.pi))))
    return tuple(waves)
