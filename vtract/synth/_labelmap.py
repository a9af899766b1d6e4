"""Rasterise a whole midsagittal head: tissue map (for the appearance) and target labels.

Every structure is a polygon in template mm (the phantom's tract geometry plus the head of
:mod:`._anatomy`), resampled densely (so the non-linear neck bend bends straight edges too), mapped to
field-of-view mm by the :class:`~._pose.Placement`, and painted in order on the fine label grid with PIL's
scanline fill (C; the same choice as :mod:`vtract.phantom._render`).

Two maps come out, on the same fine grid:

* the **tissue map** (:data:`TISSUES` codes), one code per tissue class, so the appearance model can
  give each its own intensity distribution;
* the **target labels** (:mod:`vtract.labels` values 0-5, 7, 8, 10), with the airway defined as in
  ``shared/tools/real_atb/atb_gt.py``: vocal-tract air from the lip line to the glottis line, closed at
  the top by the velopharyngeal line (velum tip to the pharyngeal wall), so the nasopharynx and nasal
  cavity are never airway; air of the tract envelope that is cut off from the tract midline (pockets left
  between tissue polygons) becomes tissue. The lower incisors are airway where they touch the tract air
  (:data:`vtract.labels.AIRWAY_INCLUDES`, the "lower-incisor pocket"); their tissue code stays
  ``teeth`` for the appearance.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage as ndi

from .. import labels as L
from ..phantom._geometry import FrameGeometry, build_geometry
from ._anatomy import head_shapes, subject_of
from ._pose import Grid, Placement

__all__ = ["TISSUES", "TARGET_LABELS", "HeadMaps", "build_head", "rasterise", "tract_length_mm"]

#: Tissue classes of the tissue map (index = code). ``outside`` is the air around the head, ``airway``
#: the vocal-tract air (label 1), ``air`` every other air (nasopharynx, sinuses, trachea).
TISSUES: tuple[str, ...] = ("outside", "airway", "air", "fat", "soft", "muscle", "tongue", "bone",
                            "marrow", "teeth", "brain", "csf", "cord", "mucosa", "nasal", "device",
                            "spine")
_CODE = {t: i for i, t in enumerate(TISSUES)}
#: Label values the target map may contain.
TARGET_LABELS: tuple[int, ...] = (L.BACKGROUND, L.AIRWAY, L.TONGUE, L.HARD_PALATE, L.VELUM, L.LIPS,
                                  L.EPIGLOTTIS, L.PHARYNGEAL_WALL, L.TEETH)
_PHANTOM_SKIP = {"face", "brain"}  # replaced by the whole-head shapes of ._anatomy


class HeadMaps:
    """Fine-grid maps of one frame.

    Attributes
    ----------
    tissue : ndarray, shape (n, n), uint8
        Tissue codes (:data:`TISSUES`).
    labels : ndarray, shape (n, n), uint8
        Target labels (:mod:`vtract.labels` values).
    geometry : FrameGeometry
        The phantom geometry (template mm) the maps were painted from.
    """

    def __init__(self, tissue: np.ndarray, labels: np.ndarray, geometry: FrameGeometry):
        self.tissue = tissue
        self.labels = labels
        self.geometry = geometry


def tract_length_mm(geom: FrameGeometry) -> float:
    """Glottis-to-lips midline length (mm) of a geometry, along the midline MRI shows."""
    return float(geom.section_lengths_mm(visible=True).sum())


def _densify_all(polys: list[np.ndarray], step: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Add vertices to closed polygons so that no edge is longer than ``step`` mm (all at once).

    Returns
    -------
    points : ndarray, shape (n, 2)
        The densified polygons, concatenated.
    bounds : ndarray, shape (len(polys) + 1,)
        Polygon ``j`` is ``points[bounds[j]:bounds[j + 1]]``.
    """
    a = np.vstack(polys).astype(float)
    sizes = np.array([len(p) for p in polys])
    first = np.cumsum(sizes) - sizes
    nxt = np.arange(len(a)) + 1
    nxt[first + sizes - 1] = first  # each polygon closes on its first vertex
    b = a[nxt]
    n = np.maximum(np.ceil(np.linalg.norm(b - a, axis=1) / step).astype(int), 1)
    i = np.repeat(np.arange(len(a)), n)
    t = (np.arange(i.size) - np.repeat(np.cumsum(n) - n, n)) / n[i]
    owner = np.repeat(np.arange(len(polys)), sizes)
    counts = np.bincount(owner, weights=n, minlength=len(polys)).astype(int)
    return a[i] + t[:, None] * (b[i] - a[i]), np.concatenate([[0], np.cumsum(counts)])


def _thicken_velum(poly: np.ndarray, factor: float) -> np.ndarray:
    """Scale the velum's thickness, keeping its oral surface (phantom layout: 40 oral, 6 tip, 40 nasal).

    The oral surface stays where the phantom's tract grid saw it, so the vowel-gap check of
    :func:`~._articulation.open_vowel_tract` still holds; the nasal surface moves.
    """
    if len(poly) != 86 or factor == 1.0:
        return poly
    out = poly.copy()
    i = np.arange(40)
    out[85 - i] = poly[i] + factor * (poly[85 - i] - poly[i])
    out[40:46] = poly[39] + factor * (poly[40:46] - poly[39])
    return out


def build_head(anat: dict, pose: dict, instrument: str | None,
               geometry: FrameGeometry | None = None) -> tuple[FrameGeometry, list]:
    """Geometry of one frame and the full paint list (template mm).

    Parameters
    ----------
    anat : dict
        Anatomy (:func:`~._anatomy.random_anatomy`).
    pose : dict
        Articulatory pose.
    instrument : str or None
        Wind-instrument object in the mouth.
    geometry : FrameGeometry, optional
        The phantom geometry of this pose when already built.

    Returns
    -------
    geometry : FrameGeometry
        The phantom geometry (tract grid, landmarks, curves).
    shapes : list of (name, points, tissue, label)
        Polygons in paint order.
    """
    geom = geometry if geometry is not None else build_geometry(subject_of(anat), pose,
                                                                instrument=instrument)
    shapes = [(n, p, t, L.BACKGROUND) for n, p, t in head_shapes(anat)]
    for sh in geom.shapes:
        if sh.name in _PHANTOM_SKIP:
            continue
        pts = sh.points
        tissue = sh.tissue
        if sh.name == "velum":
            pts = _thicken_velum(pts, anat["velum_thickness"])
        if sh.name == "tongue":
            tissue = "tongue"
        if sh.name == "vertebra":  # thin cortex: partial volume with the marrow at rtMRI resolution
            tissue = "spine"
        if sh.name == "envelope":
            tissue = "airway"
        label = sh.label if sh.label in TARGET_LABELS and sh.label != L.AIRWAY else L.BACKGROUND
        shapes.append((sh.name, pts, tissue, label))  # AIRWAY_INCLUDES: resolved by rasterise()
    return geom, shapes


def rasterise(geom: FrameGeometry, shapes: list, placement: Placement, grid: Grid) -> HeadMaps:
    """Paint the shapes on the fine grid and derive the airway.

    Parameters
    ----------
    geom : FrameGeometry
        Phantom geometry (template mm), for the tract midline (airway seeds).
    shapes : list of (name, points, tissue, label)
        From :func:`build_head`.
    placement : Placement
        Template mm -> field-of-view mm.
    grid : Grid
        Image grid; the fine grid has ``grid.matrix * grid.factor`` pixels per side.

    Returns
    -------
    HeadMaps
    """
    n = grid.matrix * grid.factor
    f = 1.0 / grid.fine_spacing_mm
    canvas = Image.new("L", (n, n), 0)
    draw = ImageDraw.Draw(canvas)
    tis_lut = np.zeros(len(shapes) + 1, np.uint8)
    lab_lut = np.zeros(len(shapes) + 1, np.uint8)
    dark_lut = np.zeros(len(shapes) + 1, bool)  # structures counted with the airway (AIRWAY_INCLUDES)
    env = 0
    # One densify + transform for all polygons (per-shape calls dominated the cost).
    pts, bounds = _densify_all([sh[1] for sh in shapes])
    w = placement(pts) * f - 0.5  # PIL fills pixels whose centre (integer coords) is inside
    for k, (name, _, tissue, label) in enumerate(shapes, start=1):
        draw.polygon(w[bounds[k - 1]:bounds[k]].ravel().tolist(), fill=k)
        tis_lut[k] = _CODE[tissue]
        lab_lut[k] = label
        dark_lut[k] = name in L.AIRWAY_INCLUDES
        if name == "envelope":
            env = k
    idx = np.asarray(canvas)
    tissue = tis_lut[idx]
    labels = lab_lut[idx]
    air = idx == env
    dark = dark_lut[idx]
    comp, ncomp = ndi.label(air | dark)
    keep = np.zeros(ncomp + 1, bool)
    if ncomp:
        mid = geom.open_midline(0.3)  # the walls MRI shows (FrameGeometry.visible)
        if len(mid):
            m = placement(mid) * f - 0.5
            c = np.round(m[:, 0]).astype(int)
            r = np.round(m[:, 1]).astype(int)
            ok = (r >= 0) & (r < n) & (c >= 0) & (c < n)
            keep[comp[r[ok], c[ok]]] = True
        keep[0] = False
    airway = keep[comp]
    labels[airway] = L.AIRWAY
    labels[dark & ~airway] = L.BACKGROUND
    tissue[air & ~airway] = _CODE["muscle"]
    return HeadMaps(tissue, labels, geom)
