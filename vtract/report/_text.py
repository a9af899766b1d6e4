"""Plain-language names, units and reading directions of what the report shows.

One table, so the wording of a measure is the same on every page and figure. ``invert`` marks
measures whose number grows when the structure goes *down* (distances below the palate): their plot
axis is flipped so that "up on the plot" is "up in the head".
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MeasureText", "MEASURES", "OKABE_ITO", "FILE_DESCRIPTIONS", "describe_file"]

#: Okabe & Ito (2008) colour-blind-safe palette
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9",
             "bluish_green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
             "vermillion": "#D55E00", "reddish_purple": "#CC79A7"}


@dataclass(frozen=True)
class MeasureText:
    """How the report names and explains one measure column."""

    column: str
    name: str
    unit: str
    meaning: str
    up: str
    invert: bool = False
    color: str = OKABE_ITO["blue"]


#: the six measures shown over time on every session page, in page order
MEASURES: tuple[MeasureText, ...] = (
    MeasureText("larynx_height_mm", "Larynx height", "mm",
                "distance of the glottis below the hard-palate plane",
                "up = higher larynx (smaller distance below the palate)", invert=True,
                color=OKABE_ITO["vermillion"]),
    MeasureText("lip_aperture_mm", "Lip opening", "mm",
                "smallest opening between the lips", "up = lips more open",
                color=OKABE_ITO["orange"]),
    MeasureText("jaw_opening_mm", "Jaw opening", "mm",
                "vertical distance from the upper teeth ridge to the lower jaw/tongue-tip level",
                "up = jaw more open", color=OKABE_ITO["bluish_green"]),
    MeasureText("tongue_dorsum_height_mm", "Tongue body (dorsum)", "mm",
                "smallest distance of the tongue's back below the hard-palate plane",
                "up = tongue body higher (closer to the palate)", invert=True,
                color=OKABE_ITO["reddish_purple"]),
    MeasureText("velum_opening_mm", "Velum (soft palate) opening", "mm",
                "air gap between the soft palate and the back of the throat; 0 = closed, no nasal sound",
                "up = more open to the nose", color=OKABE_ITO["sky_blue"]),
    MeasureText("pharynx_width_oro_mm", "Throat (oropharynx) width", "mm",
                "front-to-back width of the throat between soft palate and epiglottis",
                "up = wider throat", color=OKABE_ITO["blue"]),
)

FILE_DESCRIPTIONS = {
    "session.json": "processing record: inputs, checksums, settings, timings, QC summary",
    "failure.json": "why the session failed (step, error)",
    "labels.nii.gz": "label maps per frame (NIfTI; 1 airway, 2 tongue, 3 hard palate, 4 velum)",
    "contours.csv": "outlines of each structure per frame, in mm",
    "measures.csv": "articulatory measures per MRI frame, in mm",
    "acoustics.csv": "pitch, formants, intensity every 10 ms (audio clock)",
    "synced.csv": "measures and sound features on one time line, one row per MRI frame",
    "sync.json": "how the sound was aligned to the images",
    "frames.csv": "per-frame image brightness and change (data QC)",
    "qc.png": "quality-control overview figure",
    "video.mp4": "articulation video with sound (H.264/AAC)",
}


def describe_file(name: str) -> str:
    """One line on what a batch output file holds (sidecars named after their table)."""
    if name in FILE_DESCRIPTIONS:
        return FILE_DESCRIPTIONS[name]
    if name.endswith(".json") and name[:-5] + ".csv" in FILE_DESCRIPTIONS:
        return f"settings and vtract version that produced {name[:-5]}.csv"
    return ""
