r"""Acoustic tube (transmission-line) model of the vocal tract: area function -> transfer function, formants.

The tract is a chain of cylindrical sections from the glottis (index 0) to the lips (last index). Each
section of area ``A`` and length ``l`` is a lossy acoustic transmission line with the chain (ABCD) matrix

.. math::

    \begin{pmatrix} P_{in} \\ U_{in} \end{pmatrix} =
    \begin{pmatrix} \cosh \gamma l & Z_0 \sinh \gamma l \\
                     \sinh(\gamma l) / Z_0 & \cosh \gamma l \end{pmatrix}
    \begin{pmatrix} P_{out} \\ U_{out} \end{pmatrix},
    \qquad Z_0 = \rho c / A,\quad \gamma = \alpha + j\omega / c,

so the volume-velocity transfer function from the glottis to the lips is
``H = U_lips / U_glottis = 1 / (C Z_rad + D)`` of the whole chain, where ``Z_rad`` is the radiation
impedance at the lips (a piston in an infinite baffle, low-frequency approximation, or 0 for an ideal open
end). The glottal end is a volume-velocity source (closed end for the resonances).

Formants are the resonances of the lossless tube: the zeros of ``D(f)`` (ideal open end) or of
``C Z_rad + D`` with a purely inductive radiation load (end correction). For a uniform tube of length ``L``
they are ``(2n - 1) c / (4 L)`` exactly, which the tests check.

Hand-written (about 60 lines) because no installed library provides a vocal-tract transmission-line
model; the formulation follows Sondhi & Schroeter (1987) and Story (2005).
"""

from __future__ import annotations

import numpy as np

from .errors import DataValueError
from .measures import area_from_distance  # the one definition (mm in, mm^2 out)

__all__ = ["SPEED_OF_SOUND_CM_S", "AIR_DENSITY_G_CM3", "transfer_function", "formants_from_area",
           "formants_from_transfer",
           "bandwidths_from_area", "uniform_tube_formants", "area_from_distance"]

#: Speed of sound in warm humid air (37 °C), cm/s.
SPEED_OF_SOUND_CM_S = 35_300.0
#: Density of air at 37 °C, g/cm^3.
AIR_DENSITY_G_CM3 = 1.14e-3


def _sections(area_cm2, length_cm) -> tuple[np.ndarray, np.ndarray]:
    area = np.asarray(area_cm2, dtype=float)
    if area.ndim == 0:
        area = area[None]
    if area.ndim not in (1, 2) or area.shape[-1] == 0:
        raise DataValueError(f"area_cm2 must be a non-empty array (glottis -> lips), 1D or "
                             f"(n_tracts, n_sections); got shape {area.shape}")
    lengths = np.asarray(length_cm, dtype=float)
    if lengths.ndim == 0 or (area.ndim == 2 and lengths.ndim == 1 and lengths.size == area.shape[0]
                             and area.shape[0] != area.shape[1]):
        total = lengths.reshape(-1, 1) if area.ndim == 2 else lengths
        lengths = np.broadcast_to(total / area.shape[-1], area.shape).copy()
    if lengths.shape != area.shape:
        raise DataValueError(f"section lengths shape {lengths.shape} does not match area shape "
                             f"{area.shape}; give one total length or one length per section")
    if np.any(~np.isfinite(area)) or np.any(~np.isfinite(lengths)) or np.any(lengths < 0):
        raise DataValueError("area_cm2 and section lengths must be finite; lengths >= 0 cm")
    # A closed section (area 0) has an infinite impedance; a tiny area keeps the chain finite and
    # produces the expected near-zero transmission (a constriction). Zero-length sections are
    # identities (used to pad tracts with different section counts).
    return np.maximum(area, 1e-4), lengths


def _chain(area: np.ndarray, lengths: np.ndarray, freqs_hz: np.ndarray, *, loss: bool,
           c: float, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Bottom-row chain-matrix entries (C, D), each shape (n_freqs,), glottis -> lips."""
    w = 2 * np.pi * freqs_hz
    if loss:
        # Attenuation (Np/cm) giving ~50 Hz formant bandwidths at 500 Hz, rising with sqrt(f)
        # (viscous/thermal boundary-layer losses) plus a wall-vibration term at low frequency
        # that widens B1 (Fant 1972; Stevens 1998, ch. 3).
        f = np.maximum(freqs_hz, 1.0)
        bw = 40.0 * np.sqrt(f / 500.0) + 60.0 * (200.0 / np.maximum(f, 200.0)) ** 2
        alpha = np.pi * bw / c
    else:
        alpha = np.zeros_like(w)
    # Only the bottom row (C, D) of the chain product is needed for U_lips / U_glottis, and it
    # updates from itself alone: [C D] <- [C D] @ section.
    # Shapes: area/lengths (n_tracts, n_sections) broadcast against frequencies (n_freqs,).
    a2 = np.atleast_2d(area)
    l2 = np.atleast_2d(lengths)
    m21 = np.zeros((a2.shape[0], w.size), dtype=complex)
    m22 = np.ones((a2.shape[0], w.size), dtype=complex)
    k = w / c
    for j in range(a2.shape[1]):
        z0 = (rho * c / a2[:, j])[:, None]
        ln = l2[:, j][:, None]
        # cosh/sinh(alpha l + j k l) from real parts (cheaper than complex np.cosh/np.sinh).
        ca, sa = np.cosh(alpha * ln), np.sinh(alpha * ln)
        cs, sn = np.cos(k * ln), np.sin(k * ln)
        ch = ca * cs + 1j * (sa * sn)
        sh = sa * cs + 1j * (ca * sn)
        m21, m22 = m21 * ch + m22 * (sh / z0), m21 * (z0 * sh) + m22 * ch
    if area.ndim == 1:
        m21, m22 = m21[0], m22[0]
    return m21, m22


def _radiation_impedance(area_lips: float, freqs_hz: np.ndarray, *, c: float, rho: float,
                         resistive: bool) -> np.ndarray:
    """Radiation impedance of a piston in an infinite baffle (low-ka approximation), acoustic ohms."""
    a = np.sqrt(area_lips / np.pi)
    k = 2 * np.pi * freqs_hz / c
    z0 = rho * c / area_lips
    x = z0 * k * a * 8.0 / (3.0 * np.pi)  # inertance: end correction 0.85 a
    r = z0 * (k * a) ** 2 / 2.0 if resistive else 0.0
    return r + 1j * x


def transfer_function(area_cm2, length_cm, freqs_hz, *, loss: bool = True, radiation: bool = True,
                      c: float = SPEED_OF_SOUND_CM_S, rho: float = AIR_DENSITY_G_CM3) -> np.ndarray:
    """Complex volume-velocity transfer function U_lips / U_glottis of a tube.

    Parameters
    ----------
    area_cm2 : array_like, shape (n_sections,) or (n_tracts, n_sections)
        Cross-sectional areas in cm^2, from the glottis (index 0) to the lips. A 2D array computes
        several tracts at once (pad shorter ones with zero-length sections).
    length_cm : float or array_like, same shape as ``area_cm2``
        Total length in cm (sections of equal length) or the length of each section in cm.
    freqs_hz : array_like, shape (n_freqs,)
        Frequencies in Hz.
    loss : bool
        Include wall/viscous losses (finite bandwidths). Default True.
    radiation : bool
        Load the lips with the radiation impedance (True) or an ideal open end (False).
    c, rho : float
        Speed of sound (cm/s) and air density (g/cm^3).

    Returns
    -------
    ndarray of complex, shape (n_freqs,) or (n_tracts, n_freqs)
        ``H(f)``; ``H(0) = 1`` for a lossless tube (slightly below 1 with losses). Multiply by
        ``j 2 pi f`` for the radiated pressure spectrum.

    Examples
    --------
    >>> import numpy as np
    >>> h = transfer_function(np.full(20, 3.0), 17.5, np.array([0.0, 500.0]), loss=False,
    ...                       radiation=False)
    >>> bool(abs(h[1]) > 100)
    True
    """
    area, lengths = _sections(area_cm2, length_cm)
    f = np.atleast_1d(np.asarray(freqs_hz, dtype=float))
    m21, m22 = _chain(area, lengths, f, loss=loss, c=c, rho=rho)
    if radiation:
        lips = area[..., -1:] if area.ndim == 2 else area[-1]
        zr = _radiation_impedance(lips, f, c=c, rho=rho, resistive=loss)
        return 1.0 / (m21 * zr + m22)
    return 1.0 / m22


def _lossless_resonance(area: np.ndarray, lengths: np.ndarray, freqs_hz: np.ndarray, radiation: bool,
                        c: float, rho: float) -> np.ndarray:
    """Real-valued resonance function of the lossless chain (its zeros are the formants).

    For a lossless chain ``A`` and ``D`` are real and ``B``, ``C`` imaginary, so the product is tracked
    in real arithmetic (``b = B / j``, ``cc = C / j``), which is ~4x faster than the complex chain.
    """
    w = 2 * np.pi * np.asarray(freqs_hz, dtype=float)
    a = np.ones_like(w)
    b = np.zeros_like(w)
    cc = np.zeros_like(w)
    d = np.ones_like(w)
    for ar, ln in zip(area, lengths):
        z = rho * c / ar
        cs = np.cos(w * ln / c)
        sn = np.sin(w * ln / c)
        a, b, cc, d = (a * cs - b * sn / z, a * z * sn + b * cs,
                       cc * cs + d * sn / z, d * cs - cc * z * sn)
    if radiation:
        x = (rho * c / area[-1]) * (w / c) * np.sqrt(area[-1] / np.pi) * 8.0 / (3.0 * np.pi)
        return d - cc * x
    return d


def formants_from_area(area_cm2, length_cm, *, n_formants: int = 4, fmax_hz: float = 5000.0,
                       radiation: bool = False, c: float = SPEED_OF_SOUND_CM_S,
                       rho: float = AIR_DENSITY_G_CM3) -> np.ndarray:
    """Resonance (formant) frequencies of an area function, in Hz.

    Parameters
    ----------
    area_cm2 : array_like, shape (n_sections,)
        Areas in cm^2, glottis -> lips.
    length_cm : float or array_like, shape (n_sections,)
        Total length (cm) or per-section lengths (cm).
    n_formants : int
        Number of formants to return.
    fmax_hz : float
        Highest frequency searched (Hz).
    radiation : bool
        Include the inductive part of the lip radiation load (end correction ~0.85 lip radius); the
        default False gives the ideal open-end resonances (closed form for simple tubes).
    c, rho : float
        Speed of sound (cm/s), air density (g/cm^3).

    Returns
    -------
    ndarray, shape (n_formants,)
        Formant frequencies in Hz, ascending; NaN where fewer resonances lie below ``fmax_hz``.

    Notes
    -----
    The resonances are the zeros of the lossless chain's ``D(f)`` (or ``C Z_rad + D``), bracketed on a
    10 Hz grid and refined to < 0.01 Hz by vectorised false position (Illinois variant).

    Examples
    --------
    >>> f = formants_from_area([3.0] * 10, 17.5, n_formants=3)
    >>> [round(x) for x in f]
    [504, 1513, 2521]
    """
    area, lengths = _sections(area_cm2, length_cm)
    if area.ndim != 1:
        raise DataValueError(f"formants_from_area takes one area function (1D); got shape {area.shape}")
    grid = np.arange(20.0, fmax_hz + 10.0, 10.0)
    vals = _lossless_resonance(area, lengths, grid, radiation, c, rho)
    idx = np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0][:n_formants]
    out = np.full(n_formants, np.nan)
    if idx.size == 0:
        return out
    lo, hi = grid[idx].copy(), grid[idx + 1].copy()
    flo, fhi = vals[idx].copy(), vals[idx + 1].copy()
    x = lo
    for _ in range(12):
        x = (lo * fhi - hi * flo) / (fhi - flo)
        fx = _lossless_resonance(area, lengths, x, radiation, c, rho)
        left = np.sign(fx) == np.sign(flo)
        # Illinois step: halve the stale end's value so the bracket shrinks from both sides.
        fhi = np.where(left, fhi * 0.5, fx)
        hi = np.where(left, hi, x)
        flo = np.where(left, fx, flo * 0.5)
        lo = np.where(left, x, lo)
        if np.all(hi - lo < 1e-3):
            break
    out[: idx.size] = x
    return out


def formants_from_transfer(freqs_hz, h, *, n_formants: int = 4, fmin_hz: float = 90.0) -> np.ndarray:
    """Formants as the peaks of a sampled transfer-function magnitude (parabolic interpolation).

    Parameters
    ----------
    freqs_hz : ndarray, shape (n_freqs,)
        Uniformly spaced frequencies (Hz).
    h : ndarray, shape (n_freqs,)
        Complex or magnitude transfer function at ``freqs_hz`` (e.g. :func:`transfer_function`).
    n_formants : int
        How many peaks to return (ascending frequency).
    fmin_hz : float
        Peaks below this are ignored.

    Returns
    -------
    ndarray, shape (n_formants,)
        Peak frequencies in Hz (NaN where fewer peaks exist). With 10 Hz spacing and >= 40 Hz
        bandwidths the interpolation error is below ~2 Hz.
    """
    f = np.asarray(freqs_hz, dtype=float)
    m = np.log(np.abs(np.asarray(h)) + 1e-30)
    i = np.flatnonzero((m[1:-1] > m[:-2]) & (m[1:-1] >= m[2:])) + 1
    i = i[f[i] >= fmin_hz][:n_formants]
    out = np.full(n_formants, np.nan)
    a, b, cc = m[i - 1], m[i], m[i + 1]
    den = a - 2 * b + cc
    delta = np.where(np.abs(den) > 1e-12, 0.5 * (a - cc) / den, 0.0)
    out[: i.size] = f[i] + delta * (f[1] - f[0])
    return out


def bandwidths_from_area(area_cm2, length_cm, formants_hz, *, radiation: bool = True,
                         c: float = SPEED_OF_SOUND_CM_S, rho: float = AIR_DENSITY_G_CM3) -> np.ndarray:
    """-3 dB bandwidths (Hz) of the lossy transfer function around given formant frequencies.

    Parameters
    ----------
    area_cm2, length_cm
        As for :func:`formants_from_area`.
    formants_hz : array_like, shape (n,)
        Formant frequencies (Hz), e.g. from :func:`formants_from_area`; NaN passes through.

    Returns
    -------
    ndarray, shape (n,)
        Bandwidths in Hz (NaN where the peak is not resolved within +-400 Hz).
    """
    fr = np.asarray(formants_hz, dtype=float)
    out = np.full(fr.shape, np.nan)
    for i, f0 in enumerate(fr):
        if not np.isfinite(f0):
            continue
        f = np.linspace(max(f0 - 400, 10), f0 + 400, 801)
        mag = np.abs(transfer_function(area_cm2, length_cm, f, loss=True, radiation=radiation,
                                       c=c, rho=rho))
        p = int(np.argmax(mag))
        half = mag[p] / np.sqrt(2)
        lo = np.nonzero(mag[:p] < half)[0]
        hi = np.nonzero(mag[p:] < half)[0]
        if lo.size and hi.size:
            out[i] = f[p + hi[0]] - f[lo[-1]]
    return out


def uniform_tube_formants(length_cm: float, n_formants: int = 4,
                          c: float = SPEED_OF_SOUND_CM_S) -> np.ndarray:
    """Closed-open uniform tube resonances ``(2n - 1) c / (4 L)`` in Hz.

    Parameters
    ----------
    length_cm : float
        Tube length in cm.
    n_formants : int
        How many resonances.
    """
    n = np.arange(1, n_formants + 1)
    return (2 * n - 1) * c / (4.0 * length_cm)
