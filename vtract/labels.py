"""Label values shared by segmentation, phantom ground truth, outputs and videos.

Values 0-4 are fixed by the shared design (``DESIGN.md``); 5 and above are optional structures
that a producer may or may not fill in.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BACKGROUND", "AIRWAY", "TONGUE", "HARD_PALATE", "VELUM", "LABELS", "LABEL_COLORS",
           "AIRWAY_INCLUDES", "POCKET_DEPTH_MM", "label_name"]

BACKGROUND = 0
AIRWAY = 1
TONGUE = 2
HARD_PALATE = 3
VELUM = 4
LIPS = 5
JAW = 6
EPIGLOTTIS = 7
PHARYNGEAL_WALL = 8
LARYNX = 9
TEETH = 10
MOUTHPIECE = 11

#: Structures (shape names of the phantom / synthetic anatomy) that count as airway where they touch the
#: tract air. The lower incisors give no MR signal and sit between the lower lip and the tongue tip, so
#: the air-tissue boundary traced in rtMRI (the "lower-incisor pocket" of the USC-TIMIT / IISc
#: annotation convention) runs along the lower lip and the tongue behind them: the pocket is airway,
#: and with it the thin cortical alveolar bone around the incisor root, as dark as the tooth.
#: The upper incisors lie against the upper lip and the alveolar process and belong to the upper wall
#: (label :data:`TEETH`). Ground truth (phantom, synthetic training data) follows this one rule.
AIRWAY_INCLUDES: tuple[str, ...] = ("lower_incisor", "lower_alveolus")
#: The measures' tract leaves the pocket out (a side branch below the tract): its walls run over the
#: top of the lower lip, from the lip back to the tongue's front but at most this far (mm) behind the
#: lower lip's back surface (a lower incisor crown is ~6-7 mm thick labio-lingually, plus a pixel).
#: One rule for labels (:func:`vtract.measures.lower_incisor_pocket`) and the phantom's exact walls.
POCKET_DEPTH_MM = 8.0

#: value -> structure name (the one table of label values in vtract).
LABELS: dict[int, str] = {
    BACKGROUND: "background",
    AIRWAY: "airway",
    TONGUE: "tongue",
    HARD_PALATE: "hard_palate",
    VELUM: "velum",
    LIPS: "lips",
    JAW: "jaw",
    EPIGLOTTIS: "epiglottis",
    PHARYNGEAL_WALL: "pharyngeal_wall",
    LARYNX: "larynx",
    TEETH: "teeth",
    MOUTHPIECE: "mouthpiece",
}

#: Default display colours (RGB, 0-255) used by QC figures and videos.
LABEL_COLORS: dict[int, tuple[int, int, int]] = {
    AIRWAY: (0, 200, 255),
    TONGUE: (255, 60, 60),
    HARD_PALATE: (255, 220, 0),
    VELUM: (60, 220, 60),
    LIPS: (255, 140, 200),
    JAW: (200, 160, 255),
    EPIGLOTTIS: (255, 150, 0),
    PHARYNGEAL_WALL: (150, 150, 255),
    LARYNX: (0, 255, 180),
    TEETH: (240, 240, 240),
    MOUTHPIECE: (180, 120, 60),
}


def label_name(value: int) -> str:
    """Return the structure name of a label value (``"label_<n>"`` when undocumented).

    Parameters
    ----------
    value : int
        Label value (:data:`LABELS`).

    Returns
    -------
    str
        Structure name, e.g. ``"airway"``.
    """
    return LABELS.get(int(value), f"label_{int(value)}")


def label_value(name: str) -> int:
    """Return the label value of a structure name.

    Raises
    ------
    KeyError
        If ``name`` is not in :data:`LABELS`.
    """
    for k, v in LABELS.items():
        if v == name:
            return k
    raise KeyError(f"unknown structure {name!r}; known: {sorted(LABELS.values())}")


def as_label_array(labels: np.ndarray) -> np.ndarray:
    """Return ``labels`` as a uint8 array, checking the values fit."""
    arr = np.asarray(labels)
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise ValueError("label values must lie in 0..255")
    return arr.astype(np.uint8, copy=False)
