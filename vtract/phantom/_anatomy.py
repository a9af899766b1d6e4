"""Subject anatomy: the static, subject-specific part of the midsagittal phantom.

All coordinates are in mm in a *template* frame: ``x`` grows from the face backwards, ``y`` grows
downwards, about a 200 mm field of view. A :class:`Subject` scales the template about the oral cavity,
reshapes the hard palate (vault depth, length) and sets the resting larynx height, the pharynx depth
and the voice, so the subjects differ in tract length (about 14-19 cm), palate shape and size.

Landmarks of the template (scale 1, before subject changes)
-----------------------------------------------------------
==========================  ================  ==============================================
landmark                    position (x, y)   notes
==========================  ================  ==============================================
upper incisor edge          (34, 106)         teeth render dark, like air
alveolar ridge front        (37, 96)          most anterior point of the hard palate
posterior nasal spine       (88, 90)          velum attachment
condyle (jaw pivot)         (112, 86)         the jaw rotates about it
posterior pharyngeal wall   x ~ 108           front surface, from the nasopharynx to the larynx
glottis (rest)              (99, 168)         moved by the larynx parameter
polar grid centre           (70, 126)         inside the tongue body; origin of the tract grid
==========================  ================  ==============================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Subject", "SUBJECTS", "get_subject", "TEMPLATE", "ANATOMY_REVISION"]

#: The newest template revision (see :attr:`Subject.anatomy_revision`).
ANATOMY_REVISION = 2


@dataclass(frozen=True)
class Subject:
    """Anatomy and voice of one phantom subject.

    Parameters
    ----------
    subject_id : str
        e.g. ``"sub01"``.
    sex : {"male", "female"}
        Sets the voice range.
    scale : float
        Isotropic size factor applied about the oral cavity (1 = template).
    palate_vault_mm : float
        Depth of the hard-palate vault above the ridge-to-spine line, in mm (flat ~6, high arched ~14).
    palate_length_mm : float
        Alveolar ridge to posterior nasal spine, in mm (template 51).
    larynx_rest_mm : float
        Resting glottis offset below the template glottis, in mm (positive = lower, longer pharynx).
    pharynx_depth_mm : float
        Shift of the posterior pharyngeal wall backwards, in mm (deeper pharynx).
    velum_length_mm : float
        Velum length from the posterior nasal spine to the uvula tip, in mm.
    head_offset_mm : tuple of float
        Where the head sits in the field of view (dx, dy) in mm.
    f0_range_hz : tuple of float
        Comfortable singing range (low, high) in Hz.
    tissue_gain : float
        Relative proton density of soft tissue (0.9-1.1), for between-subject intensity differences.
    palate_mucosa_mm : float
        Thickness of the hard palate's oral mucosa (soft tissue, bright in MRI, between the oral air
        and the dark cortical bone), in mm; 0 draws none (the demo subjects).
    incisor_tilt_deg : float
        Proclination of the upper incisor about its root apex, in degrees (+ = crown forward; 0 = the
        template's upright tooth, the demo subjects). The front of the hard palate, which starts on the
        tooth's lingual face, moves with it.
    palate_front_slope : float
        Shape of the hard palate's front, 0-1: 0 (the template, the demo subjects) rises steeply behind
        the incisors to a flat vault; 1 rises gently along a long alveolar slope, the vault's top
        further back.
    anatomy_revision : int
        Which template details the subject has (:data:`ANATOMY_REVISION` is the newest).
        1: a short epiglottis leaning back from the top of the larynx with the tongue root ending at
        its tip, and a marrow-filled wedge of the symphysis between the lower incisor roots and the
        tongue (the four demo subjects: their audio, measures and benchmark tables are fixed by the
        demo version; the narrower hypopharynx of revision 2 brightens the belting voice enough
        to mask the ring-down of the last read-out, which moves that session's end-only sync by
        one TR). 2: as in real anatomy, the epiglottis stands up behind the tongue root, which
        descends in front of it to a vallecula a third of the way from the epiglottis tip to the
        glottis; the tongue's front face lies against the lingual plate of the incisor's alveolar
        process, the symphysis (and its marrow) below the root apices (the synthetic training
        generator, :mod:`vtract.synth`).
    """

    subject_id: str
    sex: str
    scale: float
    palate_vault_mm: float
    palate_length_mm: float
    larynx_rest_mm: float
    pharynx_depth_mm: float
    velum_length_mm: float
    head_offset_mm: tuple[float, float] = (0.0, 0.0)
    f0_range_hz: tuple[float, float] = (98.0, 392.0)
    tissue_gain: float = 1.0
    palate_mucosa_mm: float = 0.0
    anatomy_revision: int = 1
    incisor_tilt_deg: float = 0.0
    palate_front_slope: float = 0.0
    extra: dict = field(default_factory=dict)

    def to_world(self, pts: np.ndarray) -> np.ndarray:
        """Map template points (n, 2) in mm to field-of-view mm (scale about the oral cavity, shift)."""
        pts = np.asarray(pts, dtype=float)
        c = TEMPLATE["scale_centre"]
        return (pts - c) * self.scale + c + np.asarray(self.head_offset_mm)


#: Template landmarks and static outlines (mm, template frame). See the module docstring.
TEMPLATE: dict[str, np.ndarray] = {
    "scale_centre": np.array([70.0, 118.0]),
    "upper_incisor": np.array([[34.0, 106.0], [38.5, 106.5], [41.5, 95.0], [40.0, 88.0],
                               [35.5, 89.0], [33.0, 97.0]]),
    "upper_incisor_apex": np.array([37.75, 88.5]),  # root apex: the tooth tilts about it
    # the whole tooth, crown and root (~21.5 mm, an adult lower central incisor), tipped forward
    "lower_incisor": np.array([[36.0, 104.5], [33.5, 106.5], [31.2, 114.0], [31.5, 121.0],
                               [33.0, 126.0], [35.0, 121.5], [37.5, 114.0], [40.0, 106.0]]),
    # the alveolar process around the incisor root: thin cortical plates, no marrow (dark in MRI,
    # so the dark band behind the lower lip runs on below the root apex)
    "lower_alveolus": np.array([[30.3, 112.0], [29.8, 121.0], [30.5, 131.0], [33.5, 134.0],
                                [37.0, 131.0], [37.5, 121.5], [39.5, 112.5]]),
    "symphysis": np.array([[31.5, 116.0], [28.0, 128.0], [29.0, 142.0], [36.0, 149.0],
                           [45.0, 147.0], [49.0, 136.0], [46.0, 123.0], [40.0, 114.0]]),
    # revision 2: the lingual surface runs down behind the alveolar process to the genial tubercles
    "symphysis_r2": np.array([[31.5, 118.0], [28.0, 128.0], [29.0, 142.0], [36.0, 149.0],
                              [45.0, 147.0], [48.0, 139.0], [42.0, 133.5], [38.0, 125.0]]),
    "chin_soft": np.array([[25.0, 116.0], [21.0, 128.0], [21.0, 146.0], [28.0, 157.0], [44.0, 162.0],
                           [62.0, 160.0], [74.0, 156.0], [66.0, 140.0], [50.0, 126.0],
                           [40.0, 112.0], [30.0, 112.0]]),
    "condyle": np.array([112.0, 86.0]),
    "pharyngeal_wall_front": np.array([[90.0, 58.0], [100.0, 64.0], [106.0, 74.0], [108.5, 90.0],
                                       [108.5, 120.0], [107.5, 150.0], [106.5, 180.0],
                                       [106.0, 215.0]]),
    "glottis": np.array([99.0, 168.0]),
    "polar_centre": np.array([70.0, 126.0]),
    "face": np.array([[46.0, -20.0], [38.0, 10.0], [33.0, 35.0], [30.0, 52.0], [20.0, 66.0],
                      [9.0, 76.0], [12.0, 82.0], [22.0, 87.0], [30.0, 92.0], [36.0, 118.0],
                      [44.0, 150.0], [60.0, 168.0], [74.0, 180.0], [80.0, 200.0], [82.0, 230.0],
                      [230.0, 230.0], [230.0, -20.0]]),
    "brain": np.array([[60.0, -20.0], [52.0, 5.0], [52.0, 28.0], [66.0, 40.0], [96.0, 44.0],
                       [112.0, 52.0], [130.0, 62.0], [170.0, 66.0], [230.0, 66.0], [230.0, -20.0]]),
    "nasal_cavity": np.array([[20.0, 80.0], [28.0, 62.0], [44.0, 50.0], [66.0, 47.0], [88.0, 55.0],
                              [98.0, 63.0], [104.0, 74.0], [106.0, 92.0], [104.0, 100.0],
                              [92.0, 100.0], [86.0, 86.0], [40.0, 84.0], [26.0, 86.0]]),
    "sphenoid_sinus": np.array([[84.0, 42.0], [100.0, 40.0], [108.0, 50.0], [100.0, 58.0],
                                [86.0, 54.0]]),
    "hyoid": np.array([84.0, 152.0]),
}


SUBJECTS: dict[str, Subject] = {
    s.subject_id: s for s in [
        Subject("sub01", "male", scale=1.05, palate_vault_mm=11.0, palate_length_mm=53.0,
                larynx_rest_mm=4.0, pharynx_depth_mm=1.5, velum_length_mm=33.0,
                head_offset_mm=(-4.0, -16.0), f0_range_hz=(98.0, 392.0), tissue_gain=1.0),
        Subject("sub02", "female", scale=1.0, palate_vault_mm=9.0, palate_length_mm=48.0,
                larynx_rest_mm=-1.0, pharynx_depth_mm=-1.0, velum_length_mm=28.0,
                head_offset_mm=(6.0, -8.0), f0_range_hz=(196.0, 880.0), tissue_gain=1.06),
        Subject("sub03", "male", scale=1.06, palate_vault_mm=6.5, palate_length_mm=51.0,
                larynx_rest_mm=1.0, pharynx_depth_mm=0.0, velum_length_mm=31.0,
                head_offset_mm=(0.0, -12.0), f0_range_hz=(110.0, 440.0), tissue_gain=0.94),
        Subject("sub04", "female", scale=1.0, palate_vault_mm=14.0, palate_length_mm=49.0,
                larynx_rest_mm=-1.0, pharynx_depth_mm=0.5, velum_length_mm=29.0,
                head_offset_mm=(2.0, -6.0), f0_range_hz=(175.0, 784.0), tissue_gain=1.03),
    ]
}


def get_subject(subject_id: str) -> Subject:
    """Return a built-in subject by id (``sub01`` ... ``sub04``)."""
    from ..errors import DataValueError

    try:
        return SUBJECTS[subject_id]
    except KeyError:
        raise DataValueError(f"unknown phantom subject {subject_id!r}; have {sorted(SUBJECTS)}") from None
