"""Segmentation of the vocal tract in midsagittal rtMRI: airway, tongue, hard palate, velum.

Public API: :func:`segment` and the :class:`Segmentation` result. Label values are those of
:mod:`vtract.labels` (0 background, 1 airway, 2 tongue, 3 hard palate, 4 velum). Two methods:
``"net"`` (default; a U-Net trained on synthetic heads, run with onnxruntime: :mod:`._net`, which
also fills 5 lips, 7 epiglottis, 8 pharyngeal wall, 10 teeth) and ``"classic"`` (grid-line tract
tracking, values 0-4 only). Training: :mod:`vtract.segmentation.train` (the ``train`` extra).
"""

import functools

from ..errors import VtractError, with_file
from ._result import CONTOUR_STRUCTURES, Segmentation
from ._segment import DEFAULT_METHOD, METHODS
from ._segment import segment as _segment

__all__ = ["segment", "Segmentation", "CONTOUR_STRUCTURES", "METHODS", "DEFAULT_METHOD"]


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
