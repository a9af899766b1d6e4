"""Phantom geometry: the tract grid, the measures and the parameters agree."""

from __future__ import annotations

import numpy as np
import pytest

from vtract import labels as L
from vtract.phantom import NEUTRAL, SUBJECTS, VOWELS, build_geometry, frame_measures, rasterise


def pose(**kw):
    p = dict(NEUTRAL)
    p.update(kw)
    return p


@pytest.mark.parametrize("sid", sorted(SUBJECTS))
def test_tract_length_in_adult_range(sid):
    g = build_geometry(SUBJECTS[sid], pose())
    m = frame_measures(g, 0.0)
    assert 140.0 <= m["tract_length_mm"] <= 190.0
    assert np.all(g.distance_mm >= 0)
    # the grid runs from the glottis (bottom) to the lips (front)
    assert g.midline[0, 1] > g.midline[-1, 1] + 40
    assert g.midline[-1, 0] < g.midline[0, 0] - 40


def test_subjects_differ_in_size_and_palate():
    lengths = [frame_measures(build_geometry(s, pose()), 0.0)["tract_length_mm"]
               for s in SUBJECTS.values()]
    assert max(lengths) - min(lengths) > 15.0
    vaults = [s.palate_vault_mm for s in SUBJECTS.values()]
    assert max(vaults) - min(vaults) >= 5.0


def test_larynx_parameter_moves_the_measured_larynx_height():
    s = SUBJECTS["sub02"]
    h0 = frame_measures(build_geometry(s, pose(larynx_mm=0.0)), 0.0)["larynx_height_mm"]
    h1 = frame_measures(build_geometry(s, pose(larynx_mm=10.0)), 0.0)["larynx_height_mm"]
    # 10 mm lower in the template = 10 * scale mm, measured perpendicular to the palatal plane
    assert h1 - h0 == pytest.approx(10.0 * s.scale, rel=0.15)


@pytest.mark.parametrize("a", [0.0, 3.0, 4.5])
def test_lip_aperture_measure_is_the_parameter_times_scale(a):
    # the lips' own outlines (measures.lip_aperture reads TractGeometry.lip_gap_mm)
    s = SUBJECTS["sub01"]
    m = frame_measures(build_geometry(s, pose(lip_aperture_mm=a)), 0.0)
    assert m["lip_aperture_mm"] == pytest.approx(a * s.scale, abs=1e-6)


def test_jaw_opening_grows_with_the_jaw_parameter():
    s = SUBJECTS["sub03"]
    j = [frame_measures(build_geometry(s, pose(jaw_mm=v)), 0.0)["jaw_opening_mm"] for v in (0, 6, 12)]
    # the lower lip's / incisors' upper surface below the alveolar ridge (vtract.measures)
    assert j[0] > 5.0
    # the lower lip rides on the jaw at 0.55 x its drop (vtract.phantom._geometry)
    assert np.all(np.diff(j) > 0) and j[2] - j[0] == pytest.approx(0.55 * 12 * s.scale, rel=0.3)


def test_consonant_closures_give_zero_constriction_degree():
    s = SUBJECTS["sub01"]
    t = frame_measures(build_geometry(s, pose(tip_x_mm=-2.0, tip_y_mm=-15.0, jaw_mm=4.0)), 0.0)
    # the phantom's /t/ closes against the incisors' lingual face, just in front of the roof's
    # turn (vtract.measures' ridge; the incisors are outside every region: MRI does not show them)
    assert t["tongue_tip_cd_mm"] < 6.0
    k = frame_measures(build_geometry(s, pose(dorsum_x_mm=12.0, dorsum_y_mm=-15.0, jaw_mm=4.0)), 0.0)
    assert k["tongue_dorsum_cd_mm"] == 0.0
    a = frame_measures(build_geometry(s, pose(**VOWELS["a"])), 0.0)
    assert a["tongue_tip_cd_mm"] > 3 * t["tongue_tip_cd_mm"] and a["tongue_dorsum_cd_mm"] > 5.0
    # /a/ narrows the oropharynx, /i/ widens it
    i = frame_measures(build_geometry(s, pose(**VOWELS["i"])), 0.0)
    assert i["pharynx_width_oro_mm"] > a["pharynx_width_oro_mm"] + 2.0
    assert i["tongue_dorsum_height_mm"] < a["tongue_dorsum_height_mm"] - 5.0


def test_velum_port_opens_and_joins_the_nasal_cavity_to_the_airway():
    s = SUBJECTS["sub04"]
    closed = build_geometry(s, pose(velum=0.0))
    opened = build_geometry(s, pose(velum=1.0))
    mc, mo = frame_measures(closed, 0.0), frame_measures(opened, 0.0)
    assert mc["velum_opening_mm"] == 0.0
    assert 3.0 < mo["velum_opening_mm"] < 15.0
    _, lab_c, area_c = rasterise(closed, 84, 2.4)
    _, lab_o, area_o = rasterise(opened, 84, 2.4)
    # through the open port the nasopharynx and nasal cavity become airway (label 1)
    assert area_o > area_c + 500.0
    rows_c = np.nonzero((lab_c == L.AIRWAY).any(axis=1))[0]
    rows_o = np.nonzero((lab_o == L.AIRWAY).any(axis=1))[0]
    assert rows_o.min() < rows_c.min() - 5


@pytest.mark.parametrize("matrix,spacing", [(68, 2.9), (84, 2.4), (128, 1.6)])
def test_label_map_area_matches_the_geometry(matrix, spacing):
    g = build_geometry(SUBJECTS["sub02"], pose(**VOWELS["a"]))
    pd, lab, area = rasterise(g, matrix, spacing)
    assert lab.shape == (matrix, matrix) and lab.dtype == np.uint8
    assert set(np.unique(lab)) >= {0, L.AIRWAY, L.TONGUE, L.HARD_PALATE, L.VELUM, L.TEETH}
    coarse_area = (lab == L.AIRWAY).sum() * spacing ** 2
    assert coarse_area == pytest.approx(area, rel=0.15)
    # air and teeth are dark, tissue bright
    assert pd[lab == L.TEETH].mean() < 0.3 and pd[lab == L.TONGUE].mean() > 0.7
    assert pd[lab == L.AIRWAY].mean() < 0.35


def test_the_lower_incisor_pocket_is_airway_and_the_upper_incisors_are_teeth():
    """labels.AIRWAY_INCLUDES: the dark lower incisor and its alveolar bone count as airway."""
    g = build_geometry(SUBJECTS["sub02"], pose(**VOWELS["a"]))
    pd, lab, _ = rasterise(g, 128, 1.6)
    assert L.AIRWAY_INCLUDES == ("lower_incisor", "lower_alveolus")
    for name, value in (("lower_incisor", L.AIRWAY), ("lower_alveolus", L.AIRWAY),
                        ("upper_incisor", L.TEETH)):
        (inc,) = [s.points for s in g.shapes if s.name == name]
        c, r = inc.mean(axis=0) / 1.6  # a pixel in the middle of the tooth
        assert lab[int(r), int(c)] == value, name
        assert pd[int(r), int(c)] < 0.3


def _tongue_touching_air(lab):
    """Tongue pixels with an airway pixel among their four neighbours (bool)."""
    air = lab == L.AIRWAY
    near_air = np.zeros_like(air)
    near_air[1:-1, 1:-1] = air[:-2, 1:-1] | air[2:, 1:-1] | air[1:-1, :-2] | air[1:-1, 2:]
    return (lab == L.TONGUE) & near_air


@pytest.mark.parametrize("vowel", ["a", "i", "u"])
def test_the_vallecula_lies_between_the_tongue_root_and_an_upright_epiglottis(vowel):
    """Subject.anatomy_revision 2 (the synthetic generator's anatomy): the tongue's air surface reaches below
    the epiglottis tip, with air on both sides of the epiglottis's free part."""
    from dataclasses import replace

    assert SUBJECTS["sub02"].anatomy_revision == 1  # the demo subjects keep their (fixed) anatomy
    g = build_geometry(replace(SUBJECTS["sub02"], anatomy_revision=2), pose(**VOWELS[vowel]))
    sp = 0.5
    _, lab, _ = rasterise(g, 480, sp)
    tip_x, tip_y = g.landmarks["epiglottis_tip"]
    # the lowest tongue pixel touching the airway lies well below the epiglottis tip
    rows = np.nonzero(_tongue_touching_air(lab))[0]
    assert rows.max() * sp > tip_y + 4.0
    # 3 mm below the tip, going back from the tongue: tongue, air (vallecula), epiglottis, air
    r = int(round((tip_y + 3.0) / sp))
    c0, c1 = int((tip_x - 25.0) / sp), int((tip_x + 15.0) / sp)
    seq = [int(v) for v in lab[r, c0:c1]]
    runs = [v for i, v in enumerate(seq) if i == 0 or v != seq[i - 1]]
    want = [L.TONGUE, L.AIRWAY, L.EPIGLOTTIS, L.AIRWAY]
    it = iter(runs)
    assert all(v in it for v in want), runs


@pytest.mark.parametrize("vowel", ["a", "i"])
def test_the_tongue_front_borders_the_lower_incisor_pocket(vowel):
    """Anatomy revision 2: the tongue's front face lies against the dark lingual alveolar plate, so
    the tongue touches the pocket (airway) well below the incisor edge; revision 1 puts a
    marrow-filled wedge of the symphysis between them."""
    from dataclasses import replace

    def deepest_contact(rev):
        g = build_geometry(replace(SUBJECTS["sub02"], anatomy_revision=rev), pose(**VOWELS[vowel]))
        sp = 0.5
        _, lab, _ = rasterise(g, 400, sp)
        x0, y0 = g.landmarks["lower_incisor_edge"]
        r, c = np.nonzero(_tongue_touching_air(lab))
        front = c * sp < x0 + 15.0  # the tongue's front, not its root
        return r[front].max() * sp - y0  # mm below the incisor edge

    assert deepest_contact(2) > 15.0
    assert deepest_contact(1) < 10.0


def test_palate_mucosa_lies_between_the_air_and_the_bone():
    """Subject.palate_mucosa_mm: bright soft tissue, labelled hard palate, under the dark bone; the
    oral surface (the air boundary) does not move."""
    from dataclasses import replace

    p = pose(**VOWELS["a"])
    g0 = build_geometry(SUBJECTS["sub02"], p)
    g3 = build_geometry(replace(SUBJECTS["sub02"], palate_mucosa_mm=3.0), p)
    assert np.array_equal(g0.outer_mm, g3.outer_mm)
    sp = 0.25
    pd, lab, _ = rasterise(g3, 960, sp)
    x, y = g3.curves["palate_oral"][20]  # mid-palate, on the oral surface
    col = int(round(x / sp))
    above = [int(round((y - d) / sp)) for d in (1.5, 3.6)]  # in the mucosa, in the cortical bone
    assert all(lab[r, col] == L.HARD_PALATE for r in above)
    assert pd[above[0], col] > 0.8 and pd[above[1], col] < 0.3
    assert lab[int(round((y + 1.0) / sp)), col] == L.AIRWAY
    assert not [s for s in g0.shapes if s.name == "hard_palate_mucosa"]


def test_incisor_tilt_moves_the_crown_forward_and_the_palate_front_with_it():
    """Subject.incisor_tilt_deg: the upper incisor rotates about its root apex (crown forward) and the
    hard palate's front, which starts on the tooth, moves with it; 0 leaves the template as it is."""
    from dataclasses import replace

    from vtract.phantom._anatomy import TEMPLATE

    p = pose(**VOWELS["a"])
    s = SUBJECTS["sub02"]
    g0 = build_geometry(s, p)
    g10 = build_geometry(replace(s, incisor_tilt_deg=10.0), p)
    assert np.array_equal(g0.outer_mm, build_geometry(replace(s, incisor_tilt_deg=0.0), p).outer_mm)
    e0, e10 = g0.landmarks["upper_incisor_edge"], g10.landmarks["upper_incisor_edge"]
    r = np.linalg.norm(TEMPLATE["upper_incisor"][0] - TEMPLATE["upper_incisor_apex"]) * s.scale
    assert np.linalg.norm(e10 - e0) == pytest.approx(2 * r * np.sin(np.deg2rad(5.0)), rel=1e-6)
    assert e10[0] < e0[0] - 2.0  # forward (face on the left)
    # the palate's front stays on the tooth: edge-to-ridge distance unchanged
    d0 = np.linalg.norm(g0.landmarks["ridge_front"] - e0)
    assert np.linalg.norm(g10.landmarks["ridge_front"] - e10) == pytest.approx(d0, rel=1e-6)
    # the back of the palate does not move
    assert np.allclose(g0.curves["palate_oral"][15:], g10.curves["palate_oral"][15:])


def test_palate_front_slope_lowers_the_front_not_the_vault():
    """Subject.palate_front_slope: 1 rises gently behind the incisors; the vault's top is unchanged."""
    from dataclasses import replace

    p = pose(**VOWELS["a"])
    s = SUBJECTS["sub02"]
    a0 = build_geometry(s, p).curves["palate_oral"]
    a1 = build_geometry(replace(s, palate_front_slope=1.0), p).curves["palate_oral"]
    assert np.allclose(a0[[0, -1]], a1[[0, -1]], atol=1e-6)  # same ends (ridge, nasal spine)
    assert a1[6, 1] > a0[6, 1] + 2.0  # 15 % along: lower (y down)

    def vault(a):  # depth above the ridge-to-spine line (mm)
        base = a[0, 1] + (a[:, 0] - a[0, 0]) / (a[-1, 0] - a[0, 0]) * (a[-1, 1] - a[0, 1])
        return (base - a[:, 1]).max()

    assert vault(a1) == pytest.approx(vault(a0), abs=0.1)  # same vault depth, further back
    assert np.argmax(a0[:, 1] == a0[:, 1].min()) < np.argmax(a1[:, 1] == a1[:, 1].min())


def test_instruments_put_a_dark_object_in_the_slice():
    s = SUBJECTS["sub03"]
    for inst in ("trumpet", "clarinet", "flute"):
        g = build_geometry(s, pose(lip_aperture_mm=1.0), instrument=inst)
        pd, lab, _ = rasterise(g, 84, 2.4)
        obj = lab == L.MOUTHPIECE
        assert obj.sum() > 10, inst
        assert pd[obj].mean() < 0.25, inst
    # the trumpet mouthpiece sits in front of the lips, the clarinet's goes into the mouth
    gt = build_geometry(s, pose(), instrument="trumpet")
    gc = build_geometry(s, pose(), instrument="clarinet")
    lip_x = gt.landmarks["lip_front"][0]
    assert next(sh for sh in gt.shapes if sh.name == "instrument").points[:, 0].max() < lip_x + 1.0
    assert next(sh for sh in gc.shapes if sh.name == "instrument").points[:, 0].max() > lip_x + 10.0


def test_nasal_branch_carries_the_murmur_when_the_lips_close():
    from vtract.phantom._audio import area_function, block_transfer, nasal_area_function
    from vtract.phantom._measures import velum_opening

    s = SUBJECTS["sub01"]
    m_pose = build_geometry(s, pose(lip_aperture_mm=-2.0, jaw_mm=3.0, velum=1.0))  # /m/
    b_pose = build_geometry(s, pose(lip_aperture_mm=-2.0, jaw_mm=3.0, velum=0.0))  # /b/
    assert nasal_area_function(b_pose, velum_opening(b_pose)) is None
    nasal = nasal_area_function(m_pose, velum_opening(m_pose))
    assert nasal is not None and nasal[0].size > 10
    freqs, h = block_transfer([area_function(m_pose), nasal])
    band = (freqs > 150) & (freqs < 1000)
    # the closed lips block the oral path; the nasal path passes the low-frequency murmur
    assert np.abs(h[1][band]).max() > 10 * np.abs(h[0][band]).max()
    f_peak = freqs[band][np.argmax(np.abs(h[1][band]))]
    assert 150 < f_peak < 600
