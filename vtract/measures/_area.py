"""Midsagittal distance -> cross-sectional area: the Heinz & Stevens (1965) power law."""

from __future__ import annotations

import numpy as np

__all__ = ["area_from_distance"]


def area_from_distance(distance_mm, alpha: float | np.ndarray = 1.6,
                       beta: float | np.ndarray = 1.5) -> np.ndarray:
    """Convert midsagittal distances to cross-sectional areas, ``A = alpha * d ** beta``.

    The law and its coefficients are defined with ``d`` in cm and ``A`` in cm^2 (Heinz & Stevens
    1965; Sundberg et al. 1987; Baer et al. 1991: pharynx ``alpha ~ 1.5-2.0, beta ~ 1.2-1.5``, oral
    cavity ``alpha ~ 1.4-1.6, beta ~ 1.5``, lips ``alpha ~ 1.5, beta ~ 1.3``). Distances are given and
    areas returned in mm / mm^2: 10 mm gives 160 mm^2 with the defaults.

    Parameters
    ----------
    distance_mm : array_like
        Midsagittal distances in mm; negative values count as 0 (closure), NaN stays NaN.
    alpha, beta : float or array_like
        Coefficients for ``d`` in cm and ``A`` in cm^2 (broadcast against ``distance_mm``, so one
        value per tube section is allowed).

    Returns
    -------
    ndarray
        Areas in mm^2, same shape as ``distance_mm``.

    Examples
    --------
    >>> float(area_from_distance(10.0))
    160.0
    """
    d_cm = np.maximum(np.asarray(distance_mm, dtype=float), 0.0) / 10.0
    return 100.0 * np.asarray(alpha) * d_cm ** np.asarray(beta)
