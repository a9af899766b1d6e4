"""Label maps of the synthetic heads: the sublingual cavity under a raised tongue tip."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from vtract import labels as L
from vtract.phantom import NEUTRAL
from vtract.synth._anatomy import random_anatomy
from vtract.synth._labelmap import build_head, rasterise
from vtract.synth._pose import Grid, Placement

GRID = Grid(matrix=100, spacing_mm=2.4, factor=4)  # 0.6 mm label pixels
PLACE = Placement(scale=1.0, rotation_deg=0.0, centre_mm=(110.0, 110.0), neck_bend_deg=0.0)


def _maps(pose: dict):
    anat = random_anatomy(np.random.default_rng(0))
    geom, shapes = build_head(anat, pose, None)
    return geom, shapes, rasterise(geom, shapes, PLACE, GRID).labels


def test_raised_tip_opens_a_sublingual_air_space_joined_to_the_tract():
    raised = dict(NEUTRAL, tip_y_mm=-15.0, jaw_mm=4.0)
    geom0, shapes0, lab0 = _maps(raised)
    g, depth = 4.0, 18.0
    geom1, shapes1, lab1 = _maps(dict(raised, sublingual_mm=g, sublingual_depth_mm=depth))
    assert "sublingual" not in [s[0] for s in shapes0]
    assert "sublingual" in [s[0] for s in shapes1]
    # the new airway lies below the lower-incisor edge, behind the incisor
    f = GRID.fine_spacing_mm
    edge = PLACE(geom1.landmarks["lower_incisor_edge"][None])[0] / f  # (col, row) fine px
    new = (lab1 == L.AIRWAY) & (lab0 != L.AIRWAY)
    rows, cols = np.nonzero(new)
    area_mm2 = new.sum() * f * f
    # the front face lifts by g (0.7 g lower down), over most of the cavity's depth
    assert area_mm2 > 0.5 * g * (depth - 6.0)
    # (the underside near the tip lifts too, so part of it lies above the edge)
    assert np.mean(rows > edge[1]) > 0.4 and rows.max() <= edge[1] + (depth + 3.0) / f
    assert cols.min() >= edge[0] - 3.0 / f and cols.max() <= edge[0] + (g + 8.0) / f
    # the cavity is part of the one tract airway (not a separate pocket turned into tissue)
    comp, n = ndi.label(lab1 == L.AIRWAY)
    main = np.argmax(np.bincount(comp.ravel())[1:]) + 1
    assert (comp[new] == main).mean() > 0.95
    # the tongue gave up the space: it lost pixels, nothing else changed label
    assert ((lab0 == L.TONGUE) & (lab1 != L.TONGUE)).sum() > 0
    assert np.isin(lab0[new], (L.TONGUE, L.BACKGROUND)).all()
    assert np.array_equal(lab0[~new & (lab0 != L.TONGUE)], lab1[~new & (lab0 != L.TONGUE)])


def test_tip_at_rest_or_no_keys_draws_no_cavity():
    _, shapes, _ = _maps(dict(NEUTRAL))
    assert "sublingual" not in [s[0] for s in shapes]
    _, shapes, _ = _maps(dict(NEUTRAL, sublingual_mm=0.0, sublingual_depth_mm=15.0))
    assert "sublingual" not in [s[0] for s in shapes]
