"""Landmarks along the tract walls: velum tip, hard palate ends, epiglottis, tongue tip.

All landmarks are *indices* into the midline/wall arrays (glottis = 0 ... lips = n-1), found from
the wall geometry alone (no per-speaker template):

* the **bend** is where the midline turns from vertical (pharynx) to horizontal (oral cavity);
* the **velum tip** is the largest jump of the upper wall near the bend: behind the uvula the
  grid lines reach the posterior pharyngeal wall instead of the velum;
* the **posterior nasal spine** (palate/velum junction) is where the upper wall, followed forward
  from the velum tip, becomes flat (within ``flat_deg`` of horizontal) after at least
  ``min_velum_mm``; the **alveolar ridge** is where it starts to descend towards the incisors;
* the **epiglottis tip** is the largest forward jump of the lower wall in the lower pharynx;
* the **tongue tip** ends the lower wall's smooth run forward of the alveolar index.

Each rule has an anatomical fallback (typical adult proportions) when the image does not show it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["WallLandmarks", "find_landmarks", "find_palate"]


@dataclass(frozen=True)
class WallLandmarks:
    """Indices into the midline/wall arrays (0 = glottis end)."""

    bend: int
    velum_tip: int
    pns: int
    alveolar: int
    epiglottis: int
    tongue_tip: int


def _arc(pts: np.ndarray) -> np.ndarray:
    seg = np.hypot(*np.diff(pts, axis=0).T)
    return np.concatenate([[0.0], np.cumsum(seg)])


def find_landmarks(mid: np.ndarray, upper: np.ndarray, lower: np.ndarray, px_mm: float, *,
                   flat_deg: float = 30.0, min_velum_mm: float = 10.0,
                   max_velum_mm: float = 35.0, max_palate_mm: float = 55.0,
                   desc_deg: float = 40.0) -> WallLandmarks:
    """Find wall landmarks on one frame's midline and walls (pixel coordinates, x = col, y = row).

    Parameters
    ----------
    mid, upper, lower : ndarray (n, 2)
        Midline and walls from glottis (index 0) to lips.
    px_mm : float
        Pixel size in mm.
    flat_deg, min_velum_mm, max_velum_mm, max_palate_mm : float
        Anatomical rules, see the module docstring.

    Returns
    -------
    WallLandmarks
    """
    n = len(mid)
    t = np.gradient(mid, axis=0)
    vertical = np.abs(t[:, 1]) >= np.abs(t[:, 0])
    # bend: first point (after the lowest 20 %) where the midline becomes mostly horizontal
    start = int(0.2 * n)
    horiz = np.nonzero(~vertical[start:])[0]
    bend = start + int(horiz[0]) if horiz.size else n // 2
    # velum tip: largest upper-wall jump around the bend
    lo_i, hi_i = max(1, bend - int(0.2 * n)), min(n - 2, bend + int(0.12 * n))
    jumps = np.hypot(*np.diff(upper, axis=0).T)
    window = jumps[lo_i:hi_i]
    if window.size and window.max() > 2.0:
        velum_tip = lo_i + int(np.argmax(window)) + 1
    else:
        velum_tip = bend
    # palate / velum junction and alveolar ridge, walking forward along the upper wall
    up = upper[velum_tip:]
    arc = _arc(up) * px_mm
    d = np.gradient(up, axis=0)
    ang = np.degrees(np.arctan2(d[:, 1], -d[:, 0]))  # 0 = forward & flat, >0 = descending forward
    flat = np.abs(ang) <= flat_deg
    cand = np.nonzero(flat & (arc >= min_velum_mm))[0]
    pns_rel = int(cand[0]) if cand.size else int(np.searchsorted(arc, max_velum_mm))
    pns_rel = min(pns_rel, int(np.searchsorted(arc, max_velum_mm)), len(up) - 3)
    pns = velum_tip + max(pns_rel, 1)
    arc_p = (arc - arc[pns - velum_tip])
    desc = np.nonzero((ang > desc_deg) & (arc_p > 15.0))[0]
    alv_rel = int(desc[0]) if desc.size else len(up) - 3
    alv_rel = min(alv_rel, int(np.searchsorted(arc_p, max_palate_mm)), len(up) - 2)
    alveolar = max(velum_tip + alv_rel, pns + 2)
    alveolar = min(alveolar, n - 1)
    # epiglottis tip: largest lower-wall jump in the lowest part of the pharynx
    lo_e, hi_e = 1, max(2, min(bend - int(0.1 * n), int(0.35 * n)))
    jl = np.hypot(*np.diff(lower, axis=0).T)[lo_e:hi_e]
    epiglottis = lo_e + int(np.argmax(jl)) + 1 if jl.size and jl.max() > 2.0 else int(0.15 * n)
    epiglottis = min(epiglottis, bend - 1) if bend > 1 else epiglottis
    # tongue tip: follow the lower wall forward from the alveolar index until it jumps (to the
    # lower incisors / lip) or 12 mm of arc
    tip = alveolar
    arc_lo = _arc(lower[alveolar:]) * px_mm
    steps = np.hypot(*np.diff(lower[alveolar:], axis=0).T)
    for j, st in enumerate(steps):
        if st > 1.5 or arc_lo[j + 1] > 12.0:
            break
        tip = alveolar + j + 1
    return WallLandmarks(bend=int(bend), velum_tip=int(velum_tip), pns=int(min(pns, n - 2)),
                         alveolar=int(alveolar), epiglottis=int(max(epiglottis, 1)),
                         tongue_tip=int(tip))


def find_palate(upper: np.ndarray, px_mm: float, *, rise_deg: float = 45.0, search_mm: float = 30.0,
                palate_mm: float = 40.0, jump_mm: float = 4.0, desc_deg: float = 35.0,
                step_mm: float = 1.0) -> tuple[int, int]:
    """Find the hard palate's oral surface on the upper wall, from the front.

    Walking back from the lips, the upper wall climbs steeply (the upper lip's inner surface and
    the signal-free incisors) and turns at the **alveolar ridge** into the roof of the mouth: the
    ridge is the top of the climb that gains the most height within ``search_mm`` of the lips. The
    palate is followed back from there for at most ``palate_mm`` of arc (the front of the adult
    hard palate; its posterior end is not reliably told from a raised velum, which continues the
    same line), stopping earlier at a downward jump of the wall (> ``jump_mm`` between grid lines:
    they leave the palate for the velum or the pharyngeal wall) or where it descends backwards by
    more than ``desc_deg`` over 3 mm (a lowered velum). Angles are taken on the wall resampled
    every ``step_mm`` so that nearly coincident grid-line points do not count as steps.

    Parameters
    ----------
    upper : ndarray, shape (n, 2)
        Upper wall ``(x, y)`` in pixels, glottis (index 0) -> lips.
    px_mm : float
        Pixel size in mm.
    rise_deg, search_mm, palate_mm, jump_mm, desc_deg, step_mm : float
        The rules above (degrees from the horizontal, mm).

    Returns
    -------
    posterior, ridge : int
        Indices into ``upper`` of the palate's posterior end and of the alveolar ridge
        (``posterior < ridge``); ``(-1, -1)`` when no climb is found near the lips.
    """
    rev = np.asarray(upper, float)[::-1] * px_mm  # lips -> glottis, mm
    n = len(rev)
    if n < 4:
        return -1, -1
    arc = _arc(rev)
    q = np.arange(0.0, arc[-1], step_mm)
    if len(q) < 2:  # the wall has collapsed to (nearly) one point: a degenerate airway, no palate
        return -1, -1
    res = np.column_stack([np.interp(q, arc, rev[:, 0]), np.interp(q, arc, rev[:, 1])])
    d = np.diff(res, axis=0)
    ang = np.degrees(np.arctan2(-d[:, 1], d[:, 0]))  # +90 up, 0 straight back, < 0 descending
    # the climb lies within ``search_mm`` behind the front of the mouth (measured along x: the wall
    # between wide-open lips wanders, its arc length says little)
    steep = (ang > rise_deg) & (res[1:, 0] <= res[:, 0].min() + search_mm)
    best, best_rise = -1, 0.0
    j = 0
    while j < len(steep):
        if steep[j]:
            k = j
            while k < len(steep) and steep[k]:
                k += 1
            rise = float(res[j, 1] - res[k, 1])
            if rise > best_rise:
                best, best_rise = k, rise
            j = k
        else:
            j += 1
    if best < 0:
        return -1, -1
    ridge = int(np.argmin(np.abs(arc - q[best])))
    end = ridge
    span = max(1, int(round(3.0 / step_mm)))
    while end + 1 < n:
        st = rev[end + 1] - rev[end]
        if (float(np.hypot(*st)) > jump_mm and st[1] > 0.5 * float(np.hypot(*st))) \
                or arc[end + 1] - arc[ridge] > palate_mm:
            break
        i0 = int(np.searchsorted(q, arc[end]))
        if i0 + span < len(res):
            dd = res[i0 + span] - res[i0]
            if np.degrees(np.arctan2(-dd[1], dd[0])) < -desc_deg:
                break
        end += 1
    if end - ridge < 2:
        return -1, -1
    return n - 1 - end, n - 1 - ridge
