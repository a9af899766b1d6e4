"""The one list of measure columns, with units and definitions (the table users read)."""

from __future__ import annotations

__all__ = ["MEASURE_COLUMNS", "MEASURE_TABLE", "measure_table_markdown"]

#: column -> (unit, definition). Every definition is computed by :mod:`vtract.measures._definitions`
#: from a :class:`~vtract.measures.TractGeometry`, the same for every segmenter and for the phantom's
#: ground truth. ``u``/``h``: position along / below the palatal plane (the line through the hard
#: palate's oral surface); ``arc``: midline arc length from the glottis.
MEASURE_TABLE: dict[str, tuple[str, str]] = {
    "frame": ("", "frame index"),
    "time_s": ("s", "frame centre time"),
    "lip_aperture_mm": ("mm", "closest distance between the upper and the lower lip, 0 when they "
                        "touch: between the two lips of a lips label (the phantom: its lip outlines); "
                        "without one, between the upper and lower wall more than 6 mm in front of the "
                        "alveolar ridge (0 when the airway ends behind them). Changed in 0.2: the "
                        "lips themselves, not the walls, wherever the lips are labelled"),
    "lip_protrusion_mm": ("mm", "u of the alveolar ridge minus u of the most anterior upper-lip "
                          "point (how far the lips stand in front of the ridge)"),
    "jaw_opening_mm": ("mm", "depth of the lower lip's upper surface below the alveolar ridge: "
                       "median h of the lower wall between the lips minus h of the ridge (the "
                       "lower incisors are invisible in MRI; the lip rides on the jaw and opens "
                       "with the lips). Changed in 0.2: was the incisor-edge gap in the phantom "
                       "and the lower wall at the segmenter's alveolar index in vtract.measure"),
    "tongue_tip_cd_mm": ("mm", "closest distance between the roof from the upper incisors (behind the "
                         "lips' region) to 15 mm behind the alveolar ridge and the oral floor (tongue), "
                         "above the velum tip; 0 when the airway ends behind the incisors (a closure "
                         "cut the air in front off) (changed in 0.2: the roof began at the ridge)"),
    "tongue_tip_cl_mm": ("mm", "where that minimum is: its midline point's distance behind the "
                         "alveolar ridge along the palatal plane (changed in 0.2: was the arc "
                         "length from the glottis)"),
    "tongue_dorsum_cd_mm": ("mm", "closest distance between the roof more than 15 mm behind the ridge "
                            "(palate dome, velum; above the velum tip) and the oral floor (tongue); 0 when "
                            "the airway ends more than 15 mm behind the ridge"),
    "tongue_dorsum_cl_mm": ("mm", "where that minimum is: distance behind the alveolar ridge along "
                            "the palatal plane (changed in 0.2: was the arc from the glottis)"),
    "tongue_root_cd_mm": ("mm", "closest wall-to-wall distance in the oropharynx (below the velum tip, "
                          "more than 25 mm above the glottis); equals pharynx_width_oro_mm"),
    "velum_opening_mm": ("mm", "narrowest air gap between the velum and the posterior pharyngeal "
                         "wall (0 when closed)"),
    "larynx_height_mm": ("mm", "h of the glottis: its distance below the palatal plane"),
    "pharynx_width_oro_mm": ("mm", "the same value as tongue_root_cd_mm (oropharynx width)"),
    "pharynx_width_hypo_mm": ("mm", "mean cross distance over the grid lines 8-16 mm above the "
                              "glottis (h), the hypopharynx / epilarynx"),
    "tongue_dorsum_height_mm": ("mm", "h of the highest tongue-surface point (smaller = higher)"),
    "tract_length_mm": ("mm", "midline length from the glottis to the lips"),
    "airway_area_mm2": ("mm^2", "area of the airway label"),
}

#: Columns of :func:`vtract.measure`'s table, in order (distance/area function columns follow).
MEASURE_COLUMNS: list[str] = list(MEASURE_TABLE)


def measure_table_markdown() -> str:
    """Return the units/definitions table as markdown (for the README and reports)."""
    rows = ["| column | unit | definition |", "|---|---|---|"]
    rows += [f"| `{c}` | {u} | {d} |" for c, (u, d) in MEASURE_TABLE.items()]
    rows += ["| `df_XXX_mm` | mm | cross distance at equally spaced points along the midline, "
             "glottis -> lips |",
             "| `af_XXX_mm2` | mm^2 | area function: `area_from_distance(df)` (Heinz-Stevens law, "
             "coefficients for cm; 10 mm -> 160 mm^2; changed in 0.2: was the law applied to mm, "
             "sqrt(10) too small) |",
             "",
             "`u` / `h`: position along / below the palatal plane, a line fitted to the hard "
             "palate's oral surface from the alveolar ridge to 40 mm behind it; the alveolar ridge "
             "is the palate's front, where 10 mm^2 of palate lie in front of it "
             "(`vtract.measures.palate_landmarks`; formerly where the upper wall turns "
             "from the climb behind the lips into the roof, `vtract.measures.roof_landmarks`, now "
             "the fallback without a palate). Regions are fixed distances in mm from these "
             "landmarks, the velum tip and the glottis (`vtract.measures.regions`)."]
    return "\n".join(rows)
