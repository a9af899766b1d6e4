"""Articulatory parameters and their smooth trajectories (vowel targets, consonant gestures, tonguing).

A pose is a dict of the parameters in :data:`PARAMS` (one value each). A trajectory is a table of poses
sampled on a fine time grid, built from a list of timed *targets* and smoothed with a critically damped
second-order system (the task-dynamics view of articulation: each articulator approaches its target with
a time constant of 20-60 ms), so consonant gestures overlap vowels the way real coarticulation does.

Parameters (all in mm unless stated)
------------------------------------
================  ==================================================================================
name              meaning
================  ==================================================================================
jaw_mm            lower-incisor drop from the closed bite (0 = teeth together)
lip_aperture_mm   target vertical gap between the lips (<= 0 = lips pressed together)
lip_protrusion_mm lip advance relative to the subject's rest position (negative = spread)
dorsum_x_mm       tongue-dorsum shift backwards (+) / forwards (-) from the neutral tongue
dorsum_y_mm       tongue-dorsum shift down (+) / up (-)
tip_x_mm          tongue-tip shift backwards (+) / forwards (-)
tip_y_mm          tongue-tip shift down (+) / up (-)
root_mm           tongue-root advance (+ = forwards, widens the oropharynx)
velum             velum lowering, 0 = raised against the pharyngeal wall, 1 = fully lowered (unitless)
larynx_mm         larynx (glottis) shift down (+) / up (-) from the subject's rest height
epilarynx_mm      width of the epilaryngeal tube (aryepiglottic region), mm
f0_hz             fundamental frequency of the voice or instrument, Hz
amp               source amplitude, 0 (silent) to 1 (unitless)
================  ==================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PARAMS", "NEUTRAL", "VOWELS", "CONSONANTS", "Target", "trajectory", "critically_damped"]

PARAMS: tuple[str, ...] = ("jaw_mm", "lip_aperture_mm", "lip_protrusion_mm", "dorsum_x_mm",
                           "dorsum_y_mm", "tip_x_mm", "tip_y_mm", "root_mm", "velum", "larynx_mm",
                           "epilarynx_mm", "f0_hz", "amp")

#: The neutral (schwa-like) pose.
NEUTRAL: dict[str, float] = {"jaw_mm": 6.0, "lip_aperture_mm": 9.0, "lip_protrusion_mm": 0.0,
                             "dorsum_x_mm": 0.0, "dorsum_y_mm": 0.0, "tip_x_mm": 0.0, "tip_y_mm": 0.0,
                             "root_mm": 0.0, "velum": 0.15, "larynx_mm": 0.0, "epilarynx_mm": 8.0,
                             "f0_hz": 150.0, "amp": 0.0}

#: Vowel targets (only the parameters a vowel sets; others keep their current value).
VOWELS: dict[str, dict[str, float]] = {
    "a": {"jaw_mm": 13.0, "lip_aperture_mm": 15.0, "lip_protrusion_mm": 0.0, "dorsum_x_mm": 7.0,
          "dorsum_y_mm": 4.0, "tip_x_mm": 1.0, "tip_y_mm": 2.0, "root_mm": -5.0},
    "e": {"jaw_mm": 8.0, "lip_aperture_mm": 10.0, "lip_protrusion_mm": -1.0, "dorsum_x_mm": -5.0,
          "dorsum_y_mm": -2.0, "tip_x_mm": -1.0, "tip_y_mm": 0.0, "root_mm": 3.0},
    "i": {"jaw_mm": 5.0, "lip_aperture_mm": 7.0, "lip_protrusion_mm": -2.0, "dorsum_x_mm": -15.0,
          "dorsum_y_mm": -4.0, "tip_x_mm": -5.0, "tip_y_mm": -5.0, "root_mm": 7.0},
    "o": {"jaw_mm": 9.0, "lip_aperture_mm": 8.0, "lip_protrusion_mm": 4.0, "dorsum_x_mm": 7.0,
          "dorsum_y_mm": 3.0, "tip_x_mm": 2.0, "tip_y_mm": 2.0, "root_mm": -2.0},
    "u": {"jaw_mm": 4.0, "lip_aperture_mm": 4.5, "lip_protrusion_mm": 7.0, "dorsum_x_mm": 6.0,
          "dorsum_y_mm": -1.0, "tip_x_mm": 3.0, "tip_y_mm": 3.0, "root_mm": 3.0},
    "@": {"jaw_mm": 6.0, "lip_aperture_mm": 9.0, "lip_protrusion_mm": 0.0, "dorsum_x_mm": 0.0,
          "dorsum_y_mm": 0.0, "tip_x_mm": 0.0, "tip_y_mm": 0.0, "root_mm": 0.0},
}

#: Consonant gestures (constriction targets layered on the current vowel).
CONSONANTS: dict[str, dict[str, float]] = {
    "t": {"tip_x_mm": -2.0, "tip_y_mm": -15.0, "jaw_mm": 4.0},  # tip to the alveolar ridge
    "d": {"tip_x_mm": -2.0, "tip_y_mm": -15.0, "jaw_mm": 4.0},
    "n": {"tip_x_mm": -2.0, "tip_y_mm": -15.0, "jaw_mm": 4.0, "velum": 1.0},
    "k": {"dorsum_x_mm": 12.0, "dorsum_y_mm": -15.0, "jaw_mm": 4.0},  # dorsum to the velum
    "g": {"dorsum_x_mm": 12.0, "dorsum_y_mm": -15.0, "jaw_mm": 4.0},
    "m": {"lip_aperture_mm": -2.0, "jaw_mm": 3.0, "velum": 1.0},  # lips closed, port open
    "p": {"lip_aperture_mm": -2.0, "jaw_mm": 3.0},
    "l": {"tip_x_mm": -1.0, "tip_y_mm": -13.0, "dorsum_y_mm": 3.0},
}


@dataclass(frozen=True)
class Target:
    """A timed articulatory target.

    Parameters
    ----------
    time_s : float
        When the target becomes active (s, session clock).
    values : dict
        Parameter values to approach (a subset of :data:`PARAMS`).
    tau_s : float
        Time constant of the approach (s); 0.02-0.06 for speech-like gestures.
    """

    time_s: float
    values: dict
    tau_s: float = 0.04


def critically_damped(targets: np.ndarray, dt: float, tau: np.ndarray) -> np.ndarray:
    """Filter step-like target sequences with a critically damped second-order system.

    Parameters
    ----------
    targets : ndarray, shape (n_steps, n_params)
        Piecewise-constant target values per time step.
    dt : float
        Time step (s).
    tau : ndarray, shape (n_steps, n_params)
        Time constant per step and parameter (s).

    Returns
    -------
    ndarray, shape (n_steps, n_params)
        Smooth trajectories starting at ``targets[0]`` with zero velocity.

    Notes
    -----
    Semi-implicit Euler integration of ``x'' = w^2 (g - x) - 2 w x'`` with ``w = 1 / tau``. Hand-written
    because the time constant changes per step (scipy's LTI filters assume fixed coefficients).
    """
    x = targets[0].astype(float).copy()
    v = np.zeros_like(x)
    out = np.empty_like(targets, dtype=float)
    for i in range(targets.shape[0]):
        w = 1.0 / tau[i]
        a = w * w * (targets[i] - x) - 2.0 * w * v
        v = v + a * dt
        x = x + v * dt
        out[i] = x
    return out


def trajectory(targets: list[Target], duration_s: float, *, dt: float = 0.002,
               start: dict | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Smooth parameter trajectories from timed targets.

    Parameters
    ----------
    targets : list of Target
        Sorted by time; each target's values are held until the next target changes them.
    duration_s : float
        Length of the trajectory (s).
    dt : float
        Time step (s); 2 ms resolves 83 fps frames and tonguing gestures.
    start : dict, optional
        Initial pose (defaults to :data:`NEUTRAL`).

    Returns
    -------
    t : ndarray, shape (n_steps,)
        Times in s (session clock).
    params : dict of str to ndarray, shape (n_steps,)
        One smooth trajectory per parameter in :data:`PARAMS`. ``f0_hz`` and ``amp`` are passed through
        with a short (10 ms) smoothing so note changes stay crisp.
    """
    n = int(np.ceil(duration_s / dt)) + 1
    t = np.arange(n) * dt
    cur = dict(NEUTRAL if start is None else start)
    goal = np.empty((n, len(PARAMS)))
    tau = np.empty((n, len(PARAMS)))
    cur_tau = np.full(len(PARAMS), 0.04)
    ti = 0
    targets = sorted(targets, key=lambda tg: tg.time_s)
    for i in range(n):
        while ti < len(targets) and targets[ti].time_s <= t[i]:
            for k, v in targets[ti].values.items():
                cur[k] = float(v)
                cur_tau[PARAMS.index(k)] = targets[ti].tau_s
            ti += 1
        goal[i] = [cur[p] for p in PARAMS]
        tau[i] = cur_tau
    # f0 and amplitude: fast smoothing (note transitions), articulators: their own tau.
    for p in ("f0_hz", "amp"):
        tau[:, PARAMS.index(p)] = 0.01
    x = critically_damped(goal, dt, tau)
    return t, {p: x[:, j] for j, p in enumerate(PARAMS)}
