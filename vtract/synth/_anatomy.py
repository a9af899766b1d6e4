"""Random subject anatomy and the head outside the vocal tract (cranium, brain, neck).

The vocal tract itself comes from the phantom's articulatory model (:mod:`vtract.phantom._geometry`),
driven by a :class:`vtract.phantom.Subject` whose palate, larynx, pharynx and velum are drawn here far
more widely than the four demo subjects. The phantom's template only models the face and the tract; the
rest of a midsagittal head (scalp, skull, brain, neck muscles) is added here as template-mm polygons so
that the appearance model can give each tissue its own intensity and the network sees whole heads.

Ranges (uniform unless stated)
------------------------------
=====================  ================  ===========================================================
parameter              range             effect
=====================  ================  ===========================================================
tract_length_mm        130-200           glottis-to-lips midline length at the neutral pose (sets
                                         the subject scale, 0.8-1.25)
palate_vault_mm        3-15              hard-palate vault depth
palate_length_mm       44-58             alveolar ridge to posterior nasal spine (before scaling)
larynx_rest_mm         -6-14             resting glottis height (+ = lower)
pharynx_depth_mm       -5-6              posterior pharyngeal wall shift backwards
velum_length_mm        24-40             posterior nasal spine to uvula tip
velum_thickness        0.75-1.35         velum thickness factor
tongue_fill_mm         0-9               how much higher the tongue body sits than in the demo
                                         phantom (real oral cavities are nearly filled by the tongue)
head_scale             0.9-1.12          cranium size relative to the face
fat_mm                 2.5-9             subcutaneous fat layer under the skin outline
nose_scale             0.7-1.3           nose size about its root
palate_mucosa_mm       1-4               oral mucosa of the hard palate (bright, between the air and the bone)
incisor_tilt_deg       0-10              upper incisor proclination (crown forward); the palate's front
                                         follows the tooth
palate_front_slope     0-1               hard palate's front: 0 steep behind the incisors, 1 a long
                                         gentle alveolar slope
=====================  ================  ===========================================================
"""

from __future__ import annotations

import numpy as np

from ..phantom._anatomy import ANATOMY_REVISION, Subject

__all__ = ["random_anatomy", "subject_of", "head_shapes", "ANATOMY_RANGES"]

ANATOMY_RANGES: dict[str, tuple[float, float]] = {
    "tract_length_mm": (130.0, 200.0),
    "palate_vault_mm": (3.0, 15.0),
    "palate_length_mm": (44.0, 58.0),
    "larynx_rest_mm": (-6.0, 14.0),
    "pharynx_depth_mm": (-5.0, 6.0),
    "velum_length_mm": (24.0, 40.0),
    "velum_thickness": (0.75, 1.35),
    "tongue_fill_mm": (0.0, 9.0),
    "head_scale": (0.9, 1.12),
    "fat_mm": (2.5, 9.0),
    "nose_scale": (0.7, 1.3),
    "palate_mucosa_mm": (1.0, 4.0),
    "incisor_tilt_deg": (0.0, 10.0),
    "palate_front_slope": (0.0, 1.0),
}


def random_anatomy(rng: np.random.Generator) -> dict[str, float]:
    """Draw one subject's anatomy.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    dict
        One value per key of :data:`ANATOMY_RANGES` (mm or unitless factors).
    """
    return {k: float(rng.uniform(lo, hi)) for k, (lo, hi) in ANATOMY_RANGES.items()}


def subject_of(anat: dict[str, float]) -> Subject:
    """Return the phantom :class:`~vtract.phantom.Subject` at template scale (the placement scales)."""
    return Subject("synth", "male", scale=1.0, palate_vault_mm=anat["palate_vault_mm"],
                   palate_length_mm=anat["palate_length_mm"], larynx_rest_mm=anat["larynx_rest_mm"],
                   pharynx_depth_mm=anat["pharynx_depth_mm"], velum_length_mm=anat["velum_length_mm"],
                   palate_mucosa_mm=anat["palate_mucosa_mm"], anatomy_revision=ANATOMY_REVISION,
                   incisor_tilt_deg=anat["incisor_tilt_deg"],
                   palate_front_slope=anat["palate_front_slope"])


# Template-mm outlines (face left, y down) of the head outside the tract. The face profile is the
# phantom's; the cranium closes it over the vertex and the occiput down the back of the neck.
_OUTLINE = np.array([
    [46.0, -20.0], [38.0, 10.0], [33.0, 35.0], [30.0, 52.0], [20.0, 66.0], [9.0, 76.0], [12.0, 82.0],
    [22.0, 87.0], [30.0, 92.0], [36.0, 118.0], [44.0, 150.0], [60.0, 168.0], [74.0, 180.0],
    [80.0, 200.0], [82.0, 240.0], [196.0, 240.0], [190.0, 170.0], [196.0, 120.0], [212.0, 80.0],
    [222.0, 40.0], [221.0, 0.0], [206.0, -40.0], [176.0, -68.0], [130.0, -82.0], [86.0, -75.0],
    [58.0, -52.0]])
_SKULL = np.array([
    [52.0, -18.0], [46.0, 8.0], [42.0, 34.0], [56.0, 40.0], [96.0, 46.0], [112.0, 56.0], [130.0, 66.0],
    [150.0, 74.0], [176.0, 84.0], [200.0, 86.0], [214.0, 40.0], [213.0, 0.0], [199.0, -35.0],
    [172.0, -61.0], [130.0, -74.0], [88.0, -67.0], [63.0, -47.0]])
_BRAIN = np.array([
    [58.0, -15.0], [53.0, 8.0], [52.0, 28.0], [66.0, 38.0], [96.0, 44.0], [112.0, 52.0],
    [130.0, 62.0], [150.0, 68.0], [176.0, 76.0], [196.0, 74.0], [206.0, 38.0], [205.0, 0.0],
    [192.0, -31.0], [168.0, -54.0], [130.0, -66.0], [91.0, -60.0], [68.0, -42.0]])
_NECK_MUSCLE = np.array([
    [150.0, 84.0], [178.0, 92.0], [200.0, 92.0], [190.0, 120.0], [182.0, 170.0], [186.0, 240.0],
    [150.0, 240.0], [150.0, 160.0], [149.0, 110.0]])
_SUBMENTAL = np.array([[44.0, 140.0], [50.0, 150.0], [62.0, 160.0], [74.0, 158.0], [84.0, 156.0],
                       [76.0, 148.0], [62.0, 150.0], [50.0, 138.0]])
_CRANIUM_CENTRE = np.array([130.0, 10.0])
_NOSE = slice(4, 8)  # outline vertices of the nose (tip at index 5)
_NOSE_ROOT = np.array([30.0, 76.0])


def _inset(poly: np.ndarray, d_mm: float, step: float = 2.0) -> np.ndarray:
    """Move a closed polygon's outline inwards by ``d_mm`` along its vertex normals.

    Hand-written (a few lines) instead of a polygon-offset library (shapely is not a dependency); the
    small self-overlaps it makes at sharp concave corners (the nostril) are painted over anyway.
    """
    a = np.asarray(poly, float)
    b = np.roll(a, -1, axis=0)
    n = np.maximum(np.ceil(np.linalg.norm(b - a, axis=1) / step).astype(int), 1)
    i = np.repeat(np.arange(len(a)), n)
    t = (np.arange(i.size) - np.repeat(np.cumsum(n) - n, n)) / n[i]
    p = a[i] + t[:, None] * (b[i] - a[i])
    tang = np.roll(p, -1, axis=0) - np.roll(p, 1, axis=0)
    tang /= np.linalg.norm(tang, axis=1, keepdims=True) + 1e-12
    normal = np.column_stack([tang[:, 1], -tang[:, 0]])
    area2 = np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1])
    return p - np.sign(area2) * d_mm * normal


def head_shapes(anat: dict[str, float]) -> list[tuple[str, np.ndarray, str]]:
    """Polygons of the head outside the tract, in paint order (template mm).

    Parameters
    ----------
    anat : dict
        Anatomy from :func:`random_anatomy` (uses ``head_scale``).

    Returns
    -------
    list of (name, points (n, 2), tissue)
        The cranium is scaled by ``head_scale`` about its centre, blending into the face below the
        orbit (points lower than y = 60 mm are not moved).
    """
    hs = anat["head_scale"]

    def cranial(p: np.ndarray) -> np.ndarray:
        w = np.clip((60.0 - p[:, 1]) / 40.0, 0.0, 1.0)[:, None]  # 1 above the orbit, 0 below y = 60
        return p + w * (p - _CRANIUM_CENTRE) * (hs - 1.0)

    outline = cranial(_OUTLINE)
    outline[_NOSE] = _NOSE_ROOT + (outline[_NOSE] - _NOSE_ROOT) * anat["nose_scale"]
    return [("head", outline, "fat"), ("head_inner", _inset(outline, anat["fat_mm"]), "soft"),
            ("skull", cranial(_SKULL), "bone"), ("brain", cranial(_BRAIN), "brain"),
            ("neck_muscle", _NECK_MUSCLE, "muscle"), ("submental", _SUBMENTAL, "soft")]
