"""Segmentation of the vocal tract in midsagittal rtMRI: airway, tongue, hard palate, velum.

Public API: :func:`segment` and the :class:`Segmentation` result. Label values are those of
:mod:`vtract.labels` (0 background, 1 airway, 2 tongue, 3 hard palate, 4 velum); this segmenter
fills values 0-4 only.
"""

import functools

from ..errors import VtractError, with_file
from ._result import CONTOUR_STRUCTURES, Segmentation
from ._segment import segment as _segment

__all__ = ["segment", "Segmentation", "CONTOUR_STRUCTURES"]


@functools.wraps(_segment)
def segment(sequence, **settings):  # noqa: D103 -- the docstring is _segment's (functools.wraps)
    # every error names the file the frames came from (e.g. "no head found" on a blank sequence)
    try:
        return _segment(sequence, **settings)
    except VtractError as exc:
        named = with_file(exc, getattr(sequence, "source", None))
        if named is exc:
            raise
        raise named from exc
