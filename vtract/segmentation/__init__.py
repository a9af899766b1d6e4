"""Segmentation of the vocal tract in midsagittal rtMRI: airway, tongue, hard palate, velum.

Public API: :func:`segment` and the :class:`Segmentation` result. Label values are those of
:mod:`vtract.labels` (0 background, 1 airway, 2 tongue, 3 hard palate, 4 velum); this segmenter
fills values 0-4 only.
"""

from ._result import CONTOUR_STRUCTURES, Segmentation
from ._segment import segment

__all__ = ["segment", "Segmentation", "CONTOUR_STRUCTURES"]
