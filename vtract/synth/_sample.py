"""One synthetic training sample: random anatomy, articulation, pose and appearance.

The sample is the contract with the network (``notes/synth_api.md``): a rendered frame (or three, for
temporal context) at its native resolution and the target labels of the centre frame on a finer grid
that covers exactly the same field of view.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import DataValueError
from ..phantom._geometry import build_geometry
from ._anatomy import random_anatomy, subject_of
from ._appearance import random_appearance, render_image
from ._articulation import open_vowel_tract, perturb, random_articulation
from ._labelmap import build_head, rasterise, tract_length_mm
from ._pose import Placement, random_grid, random_placement

__all__ = ["SynthSample", "sample", "random_head", "GENERATOR_VERSION", "CROP_PROB"]

#: Version of the generator; bump it whenever the distribution of samples changes (model cards cite it).
GENERATOR_VERSION = "0.13.0"
#: Landmarks reported in ``meta["landmarks_mm"]`` (besides ``vp_port`` and ``glottis``).
_LANDMARKS = ("upper_incisor_edge", "lower_incisor_edge", "ridge_front", "upper_lip_inner",
              "lower_lip_inner", "velum_tip", "epiglottis_tip", "pns")
#: Probability of a random crop of the field of view (0-15 % from each side).
CROP_PROB = 0.3


@dataclass
class SynthSample:
    """A synthetic rtMRI sample with its target labels.

    Attributes
    ----------
    image : ndarray, shape (n_ctx, H, W), float32
        Rendered frame(s) at the native resolution, canonical view (face left, head up); raw
        intensities. ``n_ctx`` is 1, or 3 for frames t-1, t, t+1.
    spacing_mm : float
        Native pixel size (mm, square pixels). The image covers ``[0, H * spacing_mm)`` by
        ``[0, W * spacing_mm)`` mm.
    labels : ndarray, shape (Hh, Wh), uint8
        Target labels (:mod:`vtract.labels` values) of the centre frame on the fine grid; covers the same
        field of view: ``Hh * labels_spacing_mm == H * spacing_mm`` (likewise for W).
    labels_spacing_mm : float
        Fine-grid pixel size (mm), 0.4-0.8.
    meta : dict
        The random parameters (anatomy, articulation, grid, placement, appearance, crop), JSON-able;
        ``landmarks_mm`` gives landmarks of the centre frame as ``[x_mm, y_mm]`` in the returned field
        of view (glottis, velum tip, velopharyngeal port on the wall, incisor edges, lips, PNS, ...).
    """

    image: np.ndarray
    spacing_mm: float
    labels: np.ndarray
    labels_spacing_mm: float
    meta: dict = field(default_factory=dict)


def _nudge(p: Placement, rng: np.random.Generator) -> Placement:
    """Small head motion between neighbouring frames (0.4 mm, 0.4 deg standard deviation)."""
    d = rng.normal(0.0, 0.4, 3)
    return replace(p, rotation_deg=p.rotation_deg + float(d[0]),
                   centre_mm=(p.centre_mm[0] + float(d[1]), p.centre_mm[1] + float(d[2])))


def _crop(rng: np.random.Generator, n: int) -> tuple[int, int, int, int]:
    """Random crop (top, bottom, left, right) in native pixels."""
    if rng.uniform() >= CROP_PROB:
        return 0, n, 0, n
    c = rng.integers(0, int(0.15 * n) + 1, 4)
    return int(c[0]), int(n - c[1]), int(c[2]), int(n - c[3])


def random_head(rng: np.random.Generator) -> tuple[dict, dict, dict, object, list, float]:
    """Draw anatomy and articulation and build the geometry (no grid, no rendering).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    anat, pose, info : dict
        Anatomy, articulatory pose and what was drawn (:func:`~._articulation.random_articulation`).
    geometry : vtract.phantom.FrameGeometry
        Tract geometry (template mm).
    shapes : list
        Paint list (:func:`~._labelmap.build_head`).
    scale : float
        Template -> mm scale that gives the drawn tract length (clipped to 0.8-1.25).
    """
    anat = random_anatomy(rng)
    pose, info = random_articulation(rng, anat)
    subject = subject_of(anat)

    def build(p):
        return build_geometry(subject, p, instrument=info["instrument"])

    geom = build(pose)
    if info["consonant"] is None:
        pose, geom = open_vowel_tract(pose, geom, rng, build)
    geom, shapes = build_head(anat, pose, info["instrument"], geometry=geom)
    scale = float(np.clip(anat["tract_length_mm"] / tract_length_mm(geom), 0.8, 1.25))
    return anat, pose, info, geom, shapes, scale


def sample(rng: np.random.Generator, *, context: int = 1) -> SynthSample:
    """Draw one synthetic training sample.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the sample is a deterministic function of its state.
    context : {1, 3}
        Number of frames: 1, or 3 (t-1, t, t+1 with small articulatory steps and a little head motion
        between them; same anatomy and appearance, independent noise).

    Returns
    -------
    SynthSample

    Examples
    --------
    >>> import numpy as np
    >>> from vtract.synth import sample
    >>> s = sample(np.random.default_rng(0))
    >>> s.image.shape[1] * s.spacing_mm == s.labels.shape[0] * s.labels_spacing_mm
    True
    """
    if context not in (1, 3):
        raise DataValueError(f"context must be 1 or 3 (frames t-1, t, t+1), got {context!r}")
    anat, pose, art_info, geom0, shapes0, scale = random_head(rng)
    length0 = tract_length_mm(geom0)
    grid = random_grid(rng)
    keep = np.vstack([geom0.landmarks["lip_front"], geom0.grid_origin[:1], geom0.landmarks["pns"]])
    placement = random_placement(rng, grid, scale, keep_in=keep)
    poses, places = [pose], [placement]
    if context == 3:
        poses = [perturb(pose, rng), pose, perturb(pose, rng)]
        places = [_nudge(placement, rng), placement, _nudge(placement, rng)]
    maps = []
    for p, pl in zip(poses, places, strict=True):
        if p is pose:
            geom, shapes = geom0, shapes0
        else:
            geom, shapes = build_head(anat, p, art_info["instrument"])
        maps.append(rasterise(geom, shapes, pl, grid))
    app = random_appearance(rng, grid.spacing_mm)
    image = render_image([m.tissue for m in maps], grid.factor, grid.spacing_mm, app,
                         placement.centre_mm, rng)
    r0, r1, c0, c1 = _crop(rng, grid.matrix)
    f = grid.factor
    image = np.ascontiguousarray(image[:, r0:r1, c0:c1])
    labels = np.ascontiguousarray(maps[len(maps) // 2].labels[r0 * f:r1 * f, c0 * f:c1 * f])
    # Landmarks in the returned field of view (mm, edge origin, after the crop).
    g = maps[len(maps) // 2].geometry
    lm_t = {k: np.asarray(g.landmarks[k], float) for k in _LANDMARKS}
    wf = g.curves["wall_front"]
    lm_t["vp_port"] = wf[np.argmin(np.linalg.norm(wf - lm_t["velum_tip"], axis=1))]
    lm_t["glottis"] = g.visible()[2][0]
    off = np.array([c0, r0]) * grid.spacing_mm
    landmarks = {k: [float(v) for v in placement(np.atleast_2d(p))[0] - off] for k, p in lm_t.items()}
    meta = {
        "generator_version": GENERATOR_VERSION,
        "anatomy": anat,
        "tract_length_mm": length0 * scale,
        "articulation": {k: float(v) for k, v in pose.items()},
        "articulation_info": art_info,
        "grid": {"matrix": grid.matrix, "spacing_mm": grid.spacing_mm, "factor": grid.factor,
                 "fov_mm": grid.fov_mm},
        "placement": placement.to_dict(),
        "appearance": app.to_dict(),
        "crop_px": [r0, r1, c0, c1],
        "landmarks_mm": landmarks,
        "context": context,
    }
    return SynthSample(image=image, spacing_mm=grid.spacing_mm, labels=labels,
                       labels_spacing_mm=grid.fine_spacing_mm, meta=meta)
