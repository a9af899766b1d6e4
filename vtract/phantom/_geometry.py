"""Pose -> midsagittal geometry: polygons of every structure (mm) and the vocal-tract grid.

:func:`build_geometry` turns one pose (articulatory parameters, :mod:`._articulation`) of one subject
(:mod:`._anatomy`) into

* closed polygons in field-of-view mm (``x`` face -> back, ``y`` down) for every structure, in paint
  order, with their label value (:mod:`vtract.labels`) and tissue class (for the MRI intensities);
* the *semi-polar tract grid* of Maeda (1982): horizontal lines in the pharynx, radial lines about a
  centre in the tongue body at the bend, vertical lines in the oral cavity and between the lips. On every
  grid line the inner wall (tongue, epiglottis, larynx, lower incisors, lower lip) and the outer wall
  (pharyngeal wall, velum, hard palate, upper incisors, upper lip) are found from the exact crossings of
  the line with the polygon edges (even-odd rule), giving the sagittal distance ``d_i``, the tract
  midline and the area function.

The grid and the label maps come from the same polygons, so measures, labels and the synthesized audio
agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import splev, splprep

from .. import labels as L
from ._anatomy import TEMPLATE, Subject

__all__ = ["Shape", "FrameGeometry", "build_geometry", "INSTRUMENT_OBJECTS"]

#: Instruments that put an object in the midsagittal plane (the object renders dark, label MOUTHPIECE).
INSTRUMENT_OBJECTS = ("trumpet", "clarinet", "flute")


@dataclass(frozen=True)
class Shape:
    """One painted polygon.

    Attributes
    ----------
    name : str
        Structure name.
    points : ndarray, shape (n, 2)
        Closed polygon (x_mm, y_mm) in field-of-view mm.
    label : int
        Label value painted (:mod:`vtract.labels`); ``-1`` = leave the label unchanged.
    tissue : str
        Tissue class for the intensity model (``air``, ``muscle``, ``fat``, ``bone``, ``teeth``,
        ``marrow``, ``brain``, ``mucosa``, ``device``, ``nasal``).
    """

    name: str
    points: np.ndarray
    label: int
    tissue: str


@dataclass
class FrameGeometry:
    """Geometry of one frame (all in field-of-view mm)."""

    shapes: list[Shape]
    grid_origin: np.ndarray  # (n_lines, 2)
    grid_dir: np.ndarray  # (n_lines, 2), unit vectors inner -> outer
    inner_mm: np.ndarray  # (n_lines,) distance origin -> inner wall
    outer_mm: np.ndarray  # (n_lines,) distance origin -> outer wall
    outer_hit: np.ndarray  # (n_lines,) index into OUTER_NAMES of the structure hit
    region: np.ndarray  # (n_lines,) str: epilarynx | hypopharynx | pharynx | polar | oral
    landmarks: dict[str, np.ndarray] = field(default_factory=dict)
    curves: dict[str, np.ndarray] = field(default_factory=dict)
    #: (n_lines,) distance origin -> inner wall as MRI shows it (the lower-incisor pocket closed by a
    #: lid at the lower lip's top; the measures' truth); ``inner_mm`` is the acoustic wall (incisors)
    visible_inner_mm: np.ndarray | None = None

    def _walls(self, inner: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Inner wall, outer wall (never inside the inner one; mm along each line) and midline points."""
        outer = np.maximum(self.outer_mm, inner)
        return inner, outer, self.grid_origin + self.grid_dir * (0.5 * (inner + outer))[:, None]

    def visible(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Inner wall, outer wall (mm along each grid line) and midline points as MRI shows them."""
        return self._walls(self.inner_mm if self.visible_inner_mm is None else self.visible_inner_mm)

    def open_midline(self, min_mm: float = 0.3) -> np.ndarray:
        """Visible midline points (n, 2) of the grid lines open by more than ``min_mm`` (mm)."""
        inner, outer, mid = self.visible()
        return mid[outer - inner > min_mm]

    @property
    def distance_mm(self) -> np.ndarray:
        """Sagittal distance per grid line (mm, >= 0), glottis -> lips."""
        return np.maximum(self.outer_mm - self.inner_mm, 0.0)

    @property
    def midline(self) -> np.ndarray:
        """Tract midline points (n_lines, 2), glottis -> lips."""
        return self._walls(self.inner_mm)[2]

    def section_lengths_mm(self, *, visible: bool = False) -> np.ndarray:
        """Length of the tube section represented by each grid line (mm).

        Along the acoustic midline, or with ``visible=True`` the midline MRI shows (:meth:`visible`).
        """
        seg = np.linalg.norm(np.diff(self.visible()[2] if visible else self.midline, axis=0), axis=1)
        seg = np.maximum(seg, 0.2)
        out = np.empty(seg.size + 1)
        out[0] = seg[0] / 2
        out[-1] = seg[-1] / 2
        out[1:-1] = (seg[:-1] + seg[1:]) / 2
        return out


OUTER_NAMES = ("pharyngeal_wall", "velum", "port", "hard_palate", "upper_incisor", "upper_lip")


def _crossings(origin: np.ndarray, direction: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Signed distances along each line where it crosses the polygon's edges.

    Parameters
    ----------
    origin, direction : ndarray, shape (n_lines, 2)
        Line origins (mm) and unit directions.
    poly : ndarray, shape (n_vertices, 2)
        Closed polygon (mm).

    Returns
    -------
    ndarray, shape (n_lines, n_vertices)
        Distance (mm) from the origin to each edge crossing, NaN where the line misses the edge. With
        the even-odd rule, consecutive sorted crossings bound the inside of the polygon.
    """
    a = np.asarray(poly, float)
    e = np.roll(a, -1, axis=0) - a
    rel = a[None, :, :] - origin[:, None, :]
    dx, dy = direction[:, 0][:, None], direction[:, 1][:, None]
    denom = dx * e[None, :, 1] - dy * e[None, :, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (rel[..., 0] * e[None, :, 1] - rel[..., 1] * e[None, :, 0]) / denom
        u = (rel[..., 0] * dy - rel[..., 1] * dx) / denom
    ok = (np.abs(denom) > 1e-12) & (u >= 0) & (u < 1)
    return np.where(ok, s, np.nan)


def _shrink(poly: np.ndarray, d_mm: float) -> np.ndarray:
    """Shrink a roughly convex polygon towards its centroid by about ``d_mm``."""
    c = poly.mean(axis=0)
    r = np.linalg.norm(poly - c, axis=1).mean()
    return c + (poly - c) * max(1.0 - d_mm / r, 0.1)


def _rot(pts: np.ndarray, centre: np.ndarray, ang_rad: float) -> np.ndarray:
    c, s = np.cos(ang_rad), np.sin(ang_rad)
    r = np.array([[c, -s], [s, c]])
    return (np.asarray(pts, float) - centre) @ r.T + centre


def _closed_spline(ctrl: np.ndarray, n: int = 160) -> np.ndarray:
    tck, _ = splprep([ctrl[:, 0], ctrl[:, 1]], s=0, per=1, k=3)
    x, y = splev(np.linspace(0, 1, n, endpoint=False), tck)
    return np.column_stack([x, y])


def _open_spline(ctrl: np.ndarray, n: int = 60) -> np.ndarray:
    tck, _ = splprep([ctrl[:, 0], ctrl[:, 1]], s=0, k=min(3, len(ctrl) - 1))
    x, y = splev(np.linspace(0, 1, n), tck)
    return np.column_stack([x, y])


def _incisor_tilt(subject: Subject):
    """Return the upper incisor's rotation about its root apex (``subject.incisor_tilt_deg``)."""
    if not subject.incisor_tilt_deg:
        return lambda pts: np.asarray(pts, float)
    ang = np.deg2rad(subject.incisor_tilt_deg)
    return lambda pts: _rot(pts, TEMPLATE["upper_incisor_apex"], ang)


def _palate(subject: Subject) -> tuple[np.ndarray, np.ndarray]:
    """Hard palate polygon and its oral-surface curve (template mm)."""
    x0, y0 = 40.0, 96.5
    pns = np.array([37.0 + subject.palate_length_mm, 90.0])
    u = np.linspace(0, 1, 40)
    base_x = x0 + u * (pns[0] - x0)
    base_y = y0 + u * (pns[1] - y0)
    g = float(np.clip(subject.palate_front_slope, 0.0, 1.0))
    bump = np.sin(np.pi * u ** (0.7 + 0.5 * g)) ** (0.6 + 0.6 * g)
    oral = np.column_stack([base_x, base_y - subject.palate_vault_mm * bump])
    tilt = _incisor_tilt(subject)
    # the palate starts on the incisor's lingual face: its front follows the tooth, fading out over
    # the first 12 mm (no shift for an upright tooth)
    w = np.clip(1.0 - (oral[:, 0] - x0) / 12.0, 0.0, 1.0)[:, None]
    oral = oral + w * (tilt(oral[:1]) - oral[:1])
    # the palate's bone sits above its oral mucosa (subject.palate_mucosa_mm, 0 = none drawn)
    nasal = oral[::-1] - np.array([0.0, 4.5 + subject.palate_mucosa_mm])
    nasal[-8:, 1] = np.minimum(nasal[-8:, 1], 87.0)
    poly = np.vstack([tilt(np.array([[37.0, 96.5]])), oral, [[pns[0] + 1.5, pns[1] - 2.0]], nasal,
                      tilt(np.array([[36.0, 88.0]]))])
    return poly, oral


def _velum(pns: np.ndarray, length: float, lowering: float) -> tuple[np.ndarray, np.ndarray]:
    """Velum polygon and its centreline (template mm); ``lowering`` 0 = raised, 1 = lowered."""
    phi0 = np.deg2rad(18.0 + 52.0 * np.clip(lowering, 0, 1.2))
    s = np.linspace(-4.0, length, 40)
    phi = phi0 + np.deg2rad(20.0) * np.clip(s, 0, None) / length
    d = np.column_stack([np.cos(phi), np.sin(phi)])
    centre = pns + np.cumsum(d * np.gradient(s)[:, None], axis=0) - d[0] * 4.0
    th = np.interp(s, [-4.0, 0.0, 0.45 * length, length], [9.0, 10.0, 8.0, 5.5])
    normal = np.column_stack([d[:, 1], -d[:, 0]])  # points up/back
    upper = centre + normal * th[:, None] / 2
    lower = centre - normal * th[:, None] / 2
    ang = np.linspace(0, np.pi, 8)[1:-1]
    tip_c = centre[-1]
    tip = np.array([tip_c + np.cos(a) * (-normal[-1]) * th[-1] / 2 + np.sin(a) * d[-1] * th[-1] / 2
                    for a in ang])
    return np.vstack([lower, tip, upper[::-1]]), centre


def _pharyngeal_wall(subject: Subject) -> tuple[np.ndarray, np.ndarray]:
    front = TEMPLATE["pharyngeal_wall_front"].copy()
    front[2:, 0] += subject.pharynx_depth_mm
    front_dense = _open_spline(front, 80)
    back = front_dense[::-1] + np.array([9.0, 0.0])
    back[:, 0] = np.maximum(back[:, 0], 100.0)
    return np.vstack([front_dense, back]), front_dense


def _wall_x(front: np.ndarray, y: float) -> float:
    order = np.argsort(front[:, 1])
    return float(np.interp(y, front[order, 1], front[order, 0]))


def _tongue(p: dict, jaw_rot, larynx: float, vault_mm: float, epi_tip: np.ndarray,
            y_vallecula: float | None) -> np.ndarray:
    """Tongue outline (template mm); ``y_vallecula`` None: anatomy revision 1 (see Subject)."""
    dx, dy, tx, ty, root = (p["dorsum_x_mm"], p["dorsum_y_mm"], p["tip_x_mm"], p["tip_y_mm"],
                            p["root_mm"])
    # The tongue body fits the palate: under a flat palate it sits lower (template vault 11 mm).
    dy = dy + 0.7 * (11.0 - vault_mm)
    x_t, y_t = epi_tip
    pts = np.array([
        [43.0 + tx, 107.0 + ty],  # tip
        [52.0 + 0.5 * tx + 0.3 * dx, 98.0 + 0.5 * ty + 0.45 * dy],  # blade
        [66.0 + dx, 91.0 + dy],  # dorsum
        [83.0 + 0.6 * dx - 0.3 * root, 99.0 + 0.6 * dy],  # back of the dorsum
        [96.0 - root, 121.0 + 0.2 * dy],  # root
    ])
    if y_vallecula is None:  # revision 1: the root meets the epiglottis at its tip
        low = [[95.5 - 0.8 * root, 139.0 + 0.3 * larynx],  # low root, above the vallecula
               [87.0, 152.0 + 0.5 * larynx]]  # hyoid attachment
        w_low = [0.1, 0.1]
        front = [[62.0, 148.0],  # floor of the mouth
                 [48.0, 133.0],  # genioglossus origin at the symphysis
                 [42.0, 114.0]]  # under the tip, behind the lower incisors
    else:
        # the root descends in front of the epiglottis (the vallecula between them) to the
        # vallecula floor, below the epiglottis tip
        low = [[min(95.5 - 0.8 * root, x_t - 4.5), 0.5 * (y_t + y_vallecula)],
               [x_t - 3.8, y_vallecula],  # vallecula floor (glosso-epiglottic fold)
               [87.0, max(152.0 + 0.5 * larynx, y_vallecula + 5.0)]]  # hyoid attachment
        w_low = [0.1, 0.05, 0.1]
        # the front face lies against the lingual alveolar plate down to the genial tubercles
        front = [[62.0, 148.0], [45.0, 136.0], [37.0, 124.0], [39.0, 113.0]]
    pts = np.vstack([pts, low, front])
    w = np.array([1.0, 1.0, 0.7, 0.5, 0.25, *w_low] + [1.0] * len(front))
    moved = jaw_rot(pts)
    pts = pts + (moved - pts) * w[:, None]
    return _closed_spline(pts, 180 if y_vallecula is None else 200)


def build_geometry(subject: Subject, p: dict, *, instrument: str | None = None,
                   head: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> FrameGeometry:
    """Build the geometry of one frame.

    Parameters
    ----------
    subject : Subject
        Anatomy.
    p : dict
        Pose: one value per name in :data:`vtract.phantom.PARAMS`.
    instrument : {"trumpet", "clarinet", "flute"} or None
        Adds the instrument's midsagittal object (mouthpiece or flute tube).
    head : tuple of float
        Rigid head motion (dx_mm, dy_mm, rotation_deg) applied to everything.

    Returns
    -------
    FrameGeometry
    """
    larynx = p["larynx_mm"] + subject.larynx_rest_mm
    cond = TEMPLATE["condyle"]
    # Jaw: rotate about the condyle so that the lower-incisor edge drops by ~jaw_mm.
    inc_l = TEMPLATE["lower_incisor"][0]
    radius = np.linalg.norm(inc_l - cond)
    ang = np.arcsin(np.clip(p["jaw_mm"] / radius, -0.5, 0.5))  # opening rotates the chin down

    def jaw_rot(pts):
        return _rot(pts, cond, -ang)

    palate, palate_oral = _palate(subject)
    pns = palate_oral[-1]
    velum, velum_c = _velum(pns, subject.velum_length_mm, p["velum"])
    wall, wall_front = _pharyngeal_wall(subject)
    upper_inc = _incisor_tilt(subject)(TEMPLATE["upper_incisor"])
    lower_inc = jaw_rot(TEMPLATE["lower_incisor"])
    lower_alv = jaw_rot(TEMPLATE["lower_alveolus"])
    symphysis = jaw_rot(TEMPLATE["symphysis_r2" if subject.anatomy_revision >= 2 else "symphysis"])
    chin = jaw_rot(TEMPLATE["chin_soft"])
    drop = lower_inc[0, 1] - TEMPLATE["lower_incisor"][0, 1]

    # Lips.
    a = max(p["lip_aperture_mm"], 0.0)
    y_lc = 108.5 + 0.55 * drop
    y_u, y_l = y_lc - a / 2, y_lc + a / 2
    x_f = 24.0 - p["lip_protrusion_mm"]
    upper_lip = np.array([[35.5, 90.0], [24.0, 88.0], [x_f + 1.0, y_u - 10.0], [x_f - 0.5, y_u - 4.5],
                          [x_f + 0.5, y_u - 0.8], [x_f + 3.0, y_u], [33.0, y_u], [34.0, 100.0]])
    lower_lip = np.array([[x_f + 3.5, y_l], [x_f + 1.0, y_l + 0.8], [x_f + 0.5, y_l + 5.0],
                          [x_f + 2.5, y_l + 11.0], [27.0, max(y_l + 16.0, 124.0)],
                          [33.0, max(y_l + 13.0, 121.0)], [34.0, y_l + 2.0], [34.5, y_l]])

    # Larynx, epiglottis, trachea.
    g_y = TEMPLATE["glottis"][1] + larynx
    w_g = _wall_x(wall_front, g_y)
    x_e = w_g - p["epilarynx_mm"]
    epi_tip = np.array([100.5 - 0.4 * p["root_mm"] + 0.2 * subject.pharynx_depth_mm,
                        135.0 + 0.55 * larynx])
    if subject.anatomy_revision >= 2:
        # The epiglottis is a leaf standing up behind the tongue root: its free tip about 33 mm
        # above the glottis, the vallecula (air between it and the tongue root) reaching down a
        # third of the way from the tip to the glottis, its petiole running straight down to the
        # thyroid just above the glottis; below its free part the larynx forms the anterior wall.
        y_val = epi_tip[1] + 0.3 * (g_y - epi_tip[1])
        val_pt = np.array([epi_tip[0] - 2.2, y_val])
        base_pt = np.array([x_e - 3.5, g_y - 9.0])
        ctrl = np.array([base_pt, 0.5 * (base_pt + val_pt), val_pt,
                         [epi_tip[0] - 1.2, 0.5 * (epi_tip[1] + y_val)], epi_tip])
        epi_c, th = _open_spline(ctrl, 30), np.linspace(3.0, 2.0, 30)[:, None]
        larynx_top = [[78.0, y_val + 5.0], [x_e - 3.0, g_y - 18.0]]
        # the pre-epiglottic space: fat between the tongue base, the hyoid and the epiglottis
        pre_epi_fat = np.array([[74.0, 128.0], [epi_tip[0] - 5.0, y_val - 1.0],
                                [epi_tip[0] - 2.0, y_val + 1.0], [x_e - 2.5, g_y - 18.0],
                                [78.0, g_y - 8.0], [70.0, 150.0]])
    else:
        # a short epiglottis leaning back from the top of the larynx; the tongue root meets its tip
        y_val = None
        epi_base = np.array([x_e - 3.0, g_y - 32.0])
        epi_c = _open_spline(np.array([epi_base, 0.5 * (epi_base + epi_tip) + [-2.5, 0.0],
                                       epi_tip]), 20)
        th = np.linspace(3.0, 1.6, len(epi_c))[:, None]
        larynx_top = [[78.0, g_y - 38.0], [epi_base[0] - 1.0, epi_base[1] - 2.0],
                      [x_e - 1.0, g_y - 29.0]]
        pre_epi_fat = np.array([[74.0, 128.0], [90.0, 136.0], [x_e - 5.0, g_y - 18.0],
                                [78.0, g_y - 8.0], [70.0, 150.0]])
    en = np.gradient(epi_c, axis=0)
    en = np.column_stack([en[:, 1], -en[:, 0]]) / np.linalg.norm(en, axis=1)[:, None]
    epiglottis = np.vstack([epi_c + en * th / 2, (epi_c - en * th / 2)[::-1]])
    tongue = _tongue(p, jaw_rot, larynx, subject.palate_vault_mm, epi_tip, y_val)
    larynx_poly = np.array(larynx_top + [[x_e - 0.3, g_y - 16.0], [x_e, g_y - 3.0],
                                         [x_e + 1.0, g_y],
                                         [w_g + 3.0, g_y], [w_g + 3.0, g_y + 5.0],
                                         [x_e - 4.0, g_y + 6.0], [x_e - 6.0, 240.0], [74.0, 240.0]])
    trachea = np.array([[x_e - 3.5, g_y + 6.5], [w_g - 1.5, g_y + 5.5], [w_g - 2.0, 240.0],
                        [x_e - 5.0, 240.0]])
    hyoid_c = TEMPLATE["hyoid"] + np.array([0.0, 0.5 * larynx])
    hyoid = hyoid_c + np.column_stack([5.5 * np.cos(np.linspace(0, 2 * np.pi, 16, endpoint=False)),
                                       3.0 * np.sin(np.linspace(0, 2 * np.pi, 16, endpoint=False))])

    # Nasal cavity air (partially filled with the septum in a midsagittal slice).
    nasal = TEMPLATE["nasal_cavity"].copy()
    nasal[7:9, 0] += subject.pharynx_depth_mm
    # Spine: vertebral bodies and discs behind the pharyngeal wall.
    vertebrae = []
    y = 92.0
    for i in range(7):
        h = 13.0 if i else 18.0
        x0 = _wall_x(wall_front, y + h / 2) + 9.5
        vertebrae.append(np.array([[x0, y], [x0 + 16.0, y + 0.5], [x0 + 16.5, y + h],
                                   [x0 + 0.5, y + h - 0.5]]))
        y += h + 4.0
    # Spinal canal behind the vertebral bodies: CSF around the cord.
    wf_d = _open_spline(np.column_stack([TEMPLATE["pharyngeal_wall_front"][2:, 0]
                                         + subject.pharynx_depth_mm,
                                         TEMPLATE["pharyngeal_wall_front"][2:, 1]]), 30)
    csf = np.vstack([wf_d + [28.0, 0.0], (wf_d + [40.0, 0.0])[::-1]])
    cord = np.vstack([wf_d[2:] + [31.0, 0.0], (wf_d[2:] + [37.0, 0.0])[::-1]])
    # Bone marrow inside the cortical shells (hard palate, mandibular symphysis).
    m_pal = subject.palate_mucosa_mm
    palate_marrow = np.vstack([palate_oral[3:-6] - [0.0, m_pal + 1.4],
                               (palate_oral[3:-6] - [0.0, m_pal + 3.1])[::-1]])
    # the oral mucosa of the hard palate (mucoperiosteum): soft tissue between the air and the bone
    palate_mucosa = np.vstack([palate_oral, (palate_oral - [0.0, m_pal])[::-1]]) if m_pal > 0 else None

    # Instrument objects.
    device = None
    if instrument == "trumpet":
        c = y_lc
        device = np.array([[x_f - 0.2, c - 12.0], [x_f - 0.2, c + 12.0], [x_f - 5.0, c + 11.0],
                           [x_f - 10.0, c + 4.0], [x_f - 40.0, c + 4.5], [x_f - 40.0, c - 4.5],
                           [x_f - 10.0, c - 4.0], [x_f - 5.0, c - 11.0]])
    elif instrument == "clarinet":
        q = np.array([x_f + 15.0, y_lc - 1.0])
        d = np.array([-np.cos(np.deg2rad(32)), np.sin(np.deg2rad(32))])
        nrm = np.array([d[1], -d[0]])
        s = np.linspace(0, 70, 12)
        half = np.minimum(1.5 + 0.28 * s, 7.5)
        axis = q + s[:, None] * d
        device = np.vstack([axis + nrm * half[:, None], (axis - nrm * half[:, None])[::-1]])
    elif instrument == "flute":
        c = np.array([x_f - 5.0, y_l + 10.0])
        ang_c = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        device = c + 9.5 * np.column_stack([np.cos(ang_c), np.sin(ang_c)])

    # --- transform to field-of-view mm (subject scale + head motion) --------------------------
    hc = np.array([100.0, 100.0])

    def world(pts):
        w = subject.to_world(pts)
        return _rot(w, hc, np.deg2rad(head[2])) + np.asarray(head[:2])

    face = world(TEMPLATE["face"])
    brain = world(TEMPLATE["brain"])
    sinus = world(TEMPLATE["sphenoid_sinus"])
    w_shapes = {
        "face": face, "brain": brain, "sinus": sinus, "nasal": world(nasal), "chin": world(chin),
        "palate": world(palate), "velum": world(velum), "wall": world(wall), "tongue": world(tongue),
        "upper_incisor": world(upper_inc), "lower_incisor": world(lower_inc),
        "lower_alveolus": world(lower_alv),
        "symphysis": world(symphysis), "upper_lip": world(upper_lip), "lower_lip": world(lower_lip),
        "epiglottis": world(epiglottis), "larynx": world(larynx_poly), "trachea": world(trachea),
        "pre_epi_fat": world(pre_epi_fat), "hyoid": world(hyoid), "csf": world(csf),
        "cord": world(cord), "palate_marrow": world(palate_marrow),
        "palate_mucosa": None if palate_mucosa is None else world(palate_mucosa),
        "symphysis_marrow": world(_shrink(symphysis, 1.8)),
    }
    vert = [world(v) for v in vertebrae] + [world(_shrink(v, 1.6)) for v in vertebrae]
    dev = world(device) if device is not None else None

    # --- the semi-polar tract grid (template frame, then transformed) -----------------------------
    cx, cy = TEMPLATE["polar_centre"]
    n_ph = max(int(round((g_y - cy) / 3.0)), 4)
    ys = np.linspace(g_y - 1.0, cy, n_ph, endpoint=False)
    org = [np.column_stack([np.full(n_ph, cx), ys])]
    dirs = [np.tile([1.0, 0.0], (n_ph, 1))]
    # Pharynx sub-regions: the epilarynx tube (lowest 28 mm, between the aryepiglottic folds), the
    # hypopharynx up to the epiglottis tip, the oropharynx above.
    region = ["epilarynx" if y > g_y - 28.0 else "hypopharynx" if y > epi_tip[1] else "pharynx"
              for y in ys]
    th_p = np.deg2rad(np.arange(0.0, 90.0 + 1e-6, 6.0))
    org.append(np.tile([cx, cy], (th_p.size, 1)))
    dirs.append(np.column_stack([np.cos(th_p), -np.sin(th_p)]))
    region += ["polar"] * th_p.size
    xs = np.arange(cx - 3.0, x_f + 0.4, -3.0)
    xs = np.append(xs, x_f + 0.4) if xs[-1] - (x_f + 0.4) > 1.0 else xs
    org.append(np.column_stack([xs, np.full(xs.size, cy)]))
    dirs.append(np.tile([0.0, -1.0], (xs.size, 1)))
    region += ["oral"] * xs.size
    origin_t = np.vstack(org)
    dir_t = np.vstack(dirs)
    origin = world(origin_t)
    rot = np.deg2rad(head[2])
    rm = np.array([[np.cos(rot), -np.sin(rot)], [np.sin(rot), np.cos(rot)]])
    direction = dir_t @ rm.T

    # Velopharyngeal "port plug": closes the oral tract grid at the velum tip (the nasal branch is
    # not part of the oral area function; the port itself stays open in the label maps).
    tip_w = world(velum_c[-1:])[0]
    wf = world(wall_front)
    nearest = wf[np.argmin(np.linalg.norm(wf - tip_w, axis=1))]
    dpl = nearest - tip_w
    nl = np.array([-dpl[1], dpl[0]]) / max(np.linalg.norm(dpl), 1e-6)
    port = np.array([tip_w - nl * 1.0, nearest - nl * 1.0 + dpl * 0.3, nearest + nl * 2.0 + dpl * 0.3,
                     tip_w + nl * 2.0])

    outer_polys = [w_shapes["wall"], w_shapes["velum"], port, w_shapes["palate"],
                   w_shapes["upper_incisor"], w_shapes["upper_lip"]]
    # The lower-incisor pocket is airway in the label maps (vtract.labels.AIRWAY_INCLUDES) but a side
    # branch, not part of the tract whose walls the measures read: a lid at the top of the lower lip,
    # from its front to the tongue's front (at most POCKET_DEPTH_MM behind the lip's back), closes it
    # (the label path drops the same pixels: vtract.measures.lower_incisor_pocket)
    ll = w_shapes["lower_lip"]
    y_lid = float(ll[:, 1].min())
    x_lid = min(float(w_shapes["tongue"][:, 0].min()), float(ll[:, 0].max()) + L.POCKET_DEPTH_MM)
    lid = np.array([[ll[:, 0].min(), y_lid], [x_lid, y_lid], [x_lid, y_lid + 40.0],
                    [ll[:, 0].min(), y_lid + 40.0]])
    # Two lower walls: the acoustic one (the incisors shape the sound: the area function and the
    # audio use it) and the one MRI shows (the measures' truth: teeth are invisible, so the lid)
    inner_names = ("tongue", "epiglottis", "larynx", "pre_epi_fat", "lower_incisor", "lower_lip",
                   "symphysis", "chin")
    inner_polys = [w_shapes[k] for k in inner_names]
    visible_polys = [w_shapes[k] for k in inner_names if k not in L.AIRWAY_INCLUDES] + [lid]
    if dev is not None and instrument == "clarinet":
        # the mouthpiece between the lips shapes the sound; MRI shows it as dark as air, so the walls
        # MRI shows (and the measures: jaw opening reads the lower lip) run past it
        inner_polys.append(dev)
    first_out = np.full(origin.shape[0], 75.0 * subject.scale)
    hit = np.full(origin.shape[0], -1)
    for k, poly in enumerate(outer_polys):
        cr = _crossings(origin, direction, poly)
        cr = np.where(cr > 0, cr, np.inf)
        val = cr.min(axis=1)
        better = val < first_out
        first_out[better] = val[better]
        hit[better] = k
    inner = _inner_wall(origin, direction, inner_polys, first_out)
    visible_inner = _inner_wall(origin, direction, visible_polys, first_out)

    # Nasopharynx (air behind and above the velum, down to just below the velum tip) and the oral
    # tract envelope (origin polyline + 1.5 mm beyond the outer wall; tissues painted later carve it).
    tip_t = velum_c[-1]
    wx_tip = _wall_x(TEMPLATE["pharyngeal_wall_front"], tip_t[1]) + subject.pharynx_depth_mm
    nasoph = np.array([[pns[0] - 1.0, pns[1] - 4.0], [90.0, 60.0], [100.0, 64.0],
                       [106.0 + subject.pharynx_depth_mm, 74.0], [wx_tip + 1.0, tip_t[1] + 4.0],
                       [tip_t[0] - 3.0, tip_t[1] + 4.0], [pns[0] - 1.0, pns[1] + 1.0]])
    w_shapes["nasopharynx"] = world(nasoph)
    w_shapes["envelope"] = np.vstack([origin, (origin + direction * (first_out + 1.5)[:, None])[::-1]])
    shapes = _paint_list(w_shapes, vert, dev)
    lm = {
        "upper_incisor_edge": world(upper_inc[:1])[0],
        "lower_incisor_edge": world(lower_inc[:1])[0],
        "ridge_front": world(palate[:1])[0],
        "upper_lip_inner": world(np.array([[x_f + 3.0, y_u]]))[0],
        "lower_lip_inner": world(np.array([[x_f + 3.0, y_l]]))[0],
        "lip_front": world(np.array([[x_f - 0.5, y_u - 4.5]]))[0],
        "velum_tip": tip_w,
        "epiglottis_tip": world(epi_tip[None])[0],
        "pns": world(pns[None])[0],
        "lip_aperture_mm": np.array(a * subject.scale),
    }
    curves = {"palate_oral": world(palate_oral), "wall_front": wf, "tongue": w_shapes["tongue"],
              "velum": w_shapes["velum"], "wall": w_shapes["wall"]}
    return FrameGeometry(shapes=shapes, grid_origin=origin, grid_dir=direction, inner_mm=inner,
                         outer_mm=first_out, outer_hit=hit, region=np.array(region), landmarks=lm,
                         curves=curves, visible_inner_mm=visible_inner)


def _inner_wall(origin: np.ndarray, direction: np.ndarray, polys: list, first_out: np.ndarray) -> np.ndarray:
    """Distance (mm) along each grid line to the inner wall.

    The last exit from an inner polygon entered before the outer wall.
    """
    inner = np.zeros(origin.shape[0])
    for poly in polys:
        cr = np.sort(_crossings(origin, direction, poly), axis=1)  # NaN sort last
        n_pairs = cr.shape[1] // 2
        a_, b_ = cr[:, 0:2 * n_pairs:2], cr[:, 1:2 * n_pairs:2]
        ok = np.isfinite(a_) & np.isfinite(b_) & (a_ <= first_out[:, None])
        cand = np.where(ok, np.minimum(b_, first_out[:, None]), -np.inf)
        if cand.size:
            inner = np.maximum(inner, cand.max(axis=1))
    return inner


def _paint_list(w: dict, vert: list, dev) -> list[Shape]:
    """Polygons in paint order (later ones cover earlier ones)."""
    out = [
        Shape("face", w["face"], L.BACKGROUND, "fat"),
        Shape("brain", w["brain"], L.BACKGROUND, "brain"),
        Shape("sinus", w["sinus"], L.BACKGROUND, "air"),
        Shape("nasal_cavity", w["nasal"], L.BACKGROUND, "nasal"),
        Shape("nasopharynx", w["nasopharynx"], L.BACKGROUND, "air"),
        Shape("envelope", w["envelope"], L.AIRWAY, "air"),
        Shape("chin", w["chin"], L.BACKGROUND, "fat"),
        Shape("pre_epiglottic_fat", w["pre_epi_fat"], L.BACKGROUND, "fat"),
        Shape("trachea", w["trachea"], L.BACKGROUND, "air"),
    ]
    half = len(vert) // 2  # cortical shells, then the marrow inside each
    out += [Shape("vertebra", v, L.BACKGROUND, "bone") for v in vert[:half]]
    out += [Shape("vertebra_marrow", v, L.BACKGROUND, "marrow") for v in vert[half:]]
    out += [Shape("csf", w["csf"], L.BACKGROUND, "csf"), Shape("cord", w["cord"], L.BACKGROUND, "cord")]
    out += [
        Shape("tongue", w["tongue"], L.TONGUE, "muscle"),
        Shape("hyoid", w["hyoid"], L.BACKGROUND, "bone"),
        Shape("epiglottis", w["epiglottis"], L.EPIGLOTTIS, "mucosa"),
        Shape("larynx", w["larynx"], L.LARYNX, "muscle"),
        Shape("velum", w["velum"], L.VELUM, "muscle"),
        Shape("pharyngeal_wall", w["wall"], L.PHARYNGEAL_WALL, "muscle"),
        Shape("hard_palate", w["palate"], L.HARD_PALATE, "bone"),
        Shape("hard_palate_marrow", w["palate_marrow"], L.HARD_PALATE, "marrow"),
    ]
    if w["palate_mucosa"] is not None:
        out.append(Shape("hard_palate_mucosa", w["palate_mucosa"], L.HARD_PALATE, "mucosa"))
    out += [
        Shape("symphysis", w["symphysis"], L.JAW, "bone"),
        Shape("symphysis_marrow", w["symphysis_marrow"], L.JAW, "marrow"),
        Shape("lower_alveolus", w["lower_alveolus"], L.JAW, "bone"),
        # the incisors before the lips: where the template outlines overlap, the lip (in front of the
        # tooth in the midsagittal plane) wins, so the lower-incisor pocket lies behind the lower lip
        Shape("upper_incisor", w["upper_incisor"], L.TEETH, "teeth"),
        Shape("lower_incisor", w["lower_incisor"], L.TEETH, "teeth"),
        Shape("upper_lip", w["upper_lip"], L.LIPS, "muscle"),
        Shape("lower_lip", w["lower_lip"], L.LIPS, "muscle"),
    ]
    if dev is not None:
        out.append(Shape("instrument", dev, L.MOUTHPIECE, "device"))
    return out
