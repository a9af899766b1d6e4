"""Random articulation: vowel blends, consonant constrictions and closures, velum, wind mouthpieces.

A pose is a dict over :data:`vtract.phantom.PARAMS` (mm unless stated), the phantom's articulatory
parameters. :func:`random_articulation` blends two vowel targets, adds per-parameter jitter, lays a
consonant gesture on top in about 40 % of samples (with a random strength: values >= 1 give full
closures at the lips, alveolar ridge or velum), opens the velum at random, and puts a wind-instrument
mouthpiece between the lips in a few samples. :func:`perturb` moves a pose by a small articulatory step
(the neighbouring frames of a temporal context).
"""

from __future__ import annotations

import numpy as np
from skimage.measure import points_in_poly

from ..phantom._articulation import CONSONANTS, NEUTRAL, PARAMS, VOWELS
from ..phantom._geometry import INSTRUMENT_OBJECTS

__all__ = ["random_articulation", "perturb", "open_vowel_tract", "INSTRUMENT_PROB", "CONSONANT_PROB",
           "VOWEL_GAP_MM"]

#: Probability of a wind-instrument object in the mouth, and of a consonant gesture.
INSTRUMENT_PROB = 0.08
CONSONANT_PROB = 0.4
#: Smallest tongue-to-roof gap (mm) of a vowel (no consonant gesture): drawn uniformly per sample.
VOWEL_GAP_MM = (1.0, 4.0)

#: Per-parameter jitter (standard deviation) around the vowel blend.
_JITTER = {"jaw_mm": 2.5, "lip_aperture_mm": 3.0, "lip_protrusion_mm": 2.0, "dorsum_x_mm": 3.5,
           "dorsum_y_mm": 2.5, "tip_x_mm": 2.5, "tip_y_mm": 2.5, "root_mm": 3.0, "larynx_mm": 4.0,
           "epilarynx_mm": 1.5}
#: Size of one frame-to-frame step for the temporal context (standard deviation, mm).
_STEP = {"jaw_mm": 0.8, "lip_aperture_mm": 1.2, "lip_protrusion_mm": 0.5, "dorsum_x_mm": 1.2,
         "dorsum_y_mm": 1.0, "tip_x_mm": 1.2, "tip_y_mm": 1.5, "root_mm": 0.8, "larynx_mm": 0.6,
         "velum": 0.06, "epilarynx_mm": 0.3}
#: Hard limits that keep the polygons valid.
_LIMITS = {"jaw_mm": (0.0, 22.0), "lip_aperture_mm": (-3.0, 24.0), "lip_protrusion_mm": (-4.0, 10.0),
           "dorsum_x_mm": (-20.0, 16.0), "dorsum_y_mm": (-22.0, 10.0), "tip_x_mm": (-8.0, 6.0),
           "tip_y_mm": (-20.0, 8.0), "root_mm": (-10.0, 10.0), "velum": (0.0, 1.1),
           "larynx_mm": (-10.0, 14.0), "epilarynx_mm": (3.0, 13.0)}


def _clip(p: dict) -> dict:
    for k, (lo, hi) in _LIMITS.items():
        p[k] = float(np.clip(p[k], lo, hi))
    return p


def random_articulation(rng: np.random.Generator, anat: dict) -> tuple[dict, dict]:
    """Draw one articulatory pose.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    anat : dict
        Anatomy (:func:`vtract.synth._anatomy.random_anatomy`); ``tongue_fill_mm`` raises the tongue.

    Returns
    -------
    pose : dict
        One float per name in :data:`vtract.phantom.PARAMS`.
    info : dict
        What was drawn: ``vowels`` (two names), ``weight``, ``consonant`` (name or None),
        ``strength``, ``instrument`` (name or None).
    """
    names = sorted(VOWELS)
    v1, v2 = (names[i] for i in rng.choice(len(names), size=2))
    w = float(rng.uniform())
    p = dict(NEUTRAL)
    for k in PARAMS:
        if k in VOWELS[v1] or k in VOWELS[v2]:
            p[k] = (1 - w) * VOWELS[v1].get(k, NEUTRAL[k]) + w * VOWELS[v2].get(k, NEUTRAL[k])
    for k, sd in _JITTER.items():
        p[k] += float(rng.normal(0.0, sd))
    # Velum: mostly raised (speech), sometimes half or fully open (nasals, rest breathing).
    p["velum"] = float(rng.choice([rng.uniform(0.0, 0.25), rng.uniform(0.25, 1.1)], p=[0.6, 0.4]))
    cons, strength = None, 0.0
    if rng.uniform() < CONSONANT_PROB:
        cons = str(rng.choice(sorted(CONSONANTS)))
        strength = float(rng.uniform(0.6, 1.25))
        for k, v in CONSONANTS[cons].items():
            if k == "velum":
                p[k] = v
            else:
                p[k] = p[k] + strength * (v - p[k])
    if cons is None:  # vowels: lips and teeth apart (closures come from consonant gestures only)
        p["lip_aperture_mm"] = max(p["lip_aperture_mm"], float(rng.uniform(1.5, 4.0)))
        p["jaw_mm"] = max(p["jaw_mm"], 1.5)
    # Fill the oral cavity: the tongue body and blade sit higher than in the demo phantom.
    # Mostly the blade and the front of the dorsum: raising the whole dorsum would press it against
    # the velum (the velar gap of real speakers stays open in vowels).
    fill = anat["tongue_fill_mm"]
    p["dorsum_y_mm"] -= 0.6 * fill
    p["dorsum_x_mm"] -= 0.3 * fill
    p["tip_y_mm"] -= 0.8 * fill
    instrument = None
    if rng.uniform() < INSTRUMENT_PROB:
        instrument = str(rng.choice(INSTRUMENT_OBJECTS))
        p["lip_aperture_mm"] = float(rng.uniform(2.0, 8.0))
    info = {"vowels": [v1, v2], "weight": w, "consonant": cons, "strength": strength,
            "instrument": instrument}
    return _clip(p), info


def perturb(p: dict, rng: np.random.Generator) -> dict:
    """Move a pose by one small random articulatory step (a neighbouring frame)."""
    q = dict(p)
    for k, sd in _STEP.items():
        q[k] = q[k] + float(rng.normal(0.0, sd))
    return _clip(q)


def open_vowel_tract(pose: dict, geometry, rng: np.random.Generator, build) -> tuple[dict, object]:
    """Open contacts the random vowel blend made between the tongue and the palate, velum or wall.

    Vowels never close the tract; a random blend with a raised tongue can. Where the narrowest
    tongue-to-roof distance (tract grid lines whose floor is the tongue) is below a random gap of
    :data:`VOWEL_GAP_MM`, the tongue body is lowered (or its root advanced, for a pharyngeal contact)
    and the velum raised a little; where the tongue tip is closer than the gap to the upper incisors,
    the tip moves back and down; at most five steps.

    Parameters
    ----------
    pose : dict
        Articulatory pose.
    geometry : vtract.phantom.FrameGeometry
        Its geometry.
    rng : numpy.random.Generator
        Source of randomness (the gap).
    build : callable
        ``build(pose) -> geometry``.

    Returns
    -------
    pose, geometry
        The adjusted pose and its geometry.
    """
    gap = float(rng.uniform(*VOWEL_GAP_MM))
    for _ in range(5):
        inner, outer, _ = geometry.visible()  # the walls MRI shows (FrameGeometry.visible)
        d = outer - inner
        # Lines whose roof is the pharyngeal wall, velum, port, hard palate or upper incisors and whose
        # floor is the tongue (not the lower teeth or lip: a closed bite is not a tongue contact).
        floor = geometry.grid_origin + geometry.grid_dir * (inner - 0.5)[:, None]
        roof = (geometry.outer_hit <= 4) & points_in_poly(floor, geometry.curves["tongue"])
        if not roof.any():
            break
        i = int(np.argmin(np.where(roof, d, np.inf)))
        short = gap - float(d[i])
        # The tongue tip against the back of the upper incisors (grid lines run vertically there).
        teeth_gap = _distance_to(geometry, "tongue", "upper_incisor")
        if gap - teeth_gap > max(short, 0.0):
            q = dict(pose)
            q["tip_x_mm"] += 1.2 * (gap - teeth_gap)
            q["tip_y_mm"] += 0.5 * (gap - teeth_gap)
            pose = _clip(q)
            geometry = build(pose)
            continue
        if short <= 0:
            break
        q = dict(pose)
        hit = int(geometry.outer_hit[i])
        if hit == 0 and geometry.region[i] != "polar":  # tongue root against the pharyngeal wall
            q["root_mm"] += 1.2 * short
        elif hit in (1, 2):  # tongue back against a long or lowered velum: lower, advance, raise velum
            q["dorsum_y_mm"] += 1.5 * short
            q["dorsum_x_mm"] -= 1.0 * short
            q["root_mm"] += 0.5 * short
            q["velum"] -= 0.15 * short
        else:
            q["dorsum_y_mm"] += 1.2 * short
            q["tip_y_mm"] += 0.4 * short
            q["velum"] -= 0.03 * short
        pose = _clip(q)
        geometry = build(pose)
    return pose, geometry


def _distance_to(geometry, a: str, b: str) -> float:
    """Smallest distance (mm) between the outlines of two structures of a geometry (0 if they overlap)."""
    pa = next(sh.points for sh in geometry.shapes if sh.name == a)
    pb = next(sh.points for sh in geometry.shapes if sh.name == b)
    # Densify b's edges to 0.5 mm; a (the tongue, 180 vertices) is dense already.
    e = np.roll(pb, -1, axis=0) - pb
    n = np.maximum(np.ceil(np.linalg.norm(e, axis=1) / 0.5).astype(int), 1)
    t = np.concatenate([np.arange(k) / k for k in n])
    q = np.repeat(pb, n, axis=0) + t[:, None] * np.repeat(e, n, axis=0)
    if points_in_poly(q, pa).any():
        return 0.0
    return float(np.sqrt(((pa[:, None, :] - q[None, :, :]) ** 2).sum(-1)).min())
