"""Articulatory measures: one definition of every measure, for every segmenter and the phantom.

==================  ===============================================================================
module              concept
==================  ===============================================================================
``_columns``        :data:`MEASURE_COLUMNS` and :data:`MEASURE_TABLE` (unit and definition per column)
``_area``           :func:`area_from_distance` (Heinz-Stevens law in cm, mm^2 out)
``_geometry``       :class:`TractGeometry`: walls, midline, landmarks, palatal plane in mm
``_from_labels``    :func:`geometry_from_labels`: label maps (+ optional images) -> geometry;
                   :func:`lower_incisor_pocket`, :func:`lip_gap_mm`
``_definitions``    the measures as pure functions of a geometry, their regions, :func:`measures_table`
``_measure``        :func:`measure`: a :class:`~vtract.segmentation.Segmentation`'s table
``_pca``            :func:`tongue_pca`
==================  ===============================================================================

The phantom's ground truth (:mod:`vtract.phantom._measures`) builds a :class:`TractGeometry` from
its exact polygons and calls the same :func:`measures_table`.
"""

from ._area import area_from_distance
from ._columns import MEASURE_COLUMNS, MEASURE_TABLE, measure_table_markdown
from ._definitions import (
    CONSTRICTED_MM,
    constriction,
    jaw_opening,
    larynx_height,
    lip_aperture,
    lip_protrusion,
    measures_table,
    pharynx_width_hypo,
    pharynx_width_oro,
    regions,
    tongue_dorsum_height,
    tract_length,
)
from ._from_labels import geometry_from_labels, lip_gap_mm, lower_incisor_pocket
from ._geometry import (
    LANDMARKS,
    PALATE_PLANE_MM,
    TractGeometry,
    palatal_plane,
    palate_columns,
    palate_front,
    palate_landmarks,
    palate_ridge,
    roof_landmarks,
)
from ._measure import distance_function, measure
from ._pca import tongue_pca

__all__ = ["measure", "tongue_pca", "CONSTRICTED_MM", "MEASURE_COLUMNS", "MEASURE_TABLE",
           "measure_table_markdown",
           "area_from_distance", "TractGeometry", "LANDMARKS", "palatal_plane", "palate_ridge",
           "palate_front", "PALATE_PLANE_MM", "roof_landmarks", "palate_landmarks", "palate_columns",
           "geometry_from_labels", "lower_incisor_pocket", "lip_gap_mm", "measures_table",
           "distance_function", "regions",
           "lip_aperture", "lip_protrusion", "jaw_opening", "constriction", "larynx_height",
           "pharynx_width_oro", "pharynx_width_hypo", "tongue_dorsum_height", "tract_length"]
