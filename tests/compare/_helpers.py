"""Synthetic per-session and per-frame tables with known group effects."""

from __future__ import annotations

import numpy as np
import pandas as pd

TRUE = {"classical": 5.0, "pop": 1.0, "belting": 0.0}   # group effects (mm) relative to belting


def _sessions(seed=0, n_subjects=6, reps=3, subject_sd=3.0, noise_sd=1.0, effects=TRUE):
    """One row per session: value = 40 + subject intercept + group effect + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        u = rng.normal(0, subject_sd)
        for style, eff in effects.items():
            for r in range(reps):
                rows.append({"session_id": f"sub{s:02d}_{style}_{r:02d}", "subject": f"sub{s:02d}",
                             "style": style, "larynx_height_mm": 40 + u + eff + rng.normal(0, noise_sd),
                             "jaw_opening_mm": 12 - 0.5 * eff + rng.normal(0, noise_sd)})
    return pd.DataFrame(rows)


def _frames():
    """Per-frame measures and acoustics of two sessions with known medians and tuning."""
    rng = np.random.default_rng(0)
    m, a = [], []
    for sid, subj, style, lh in (("s1", "A", "classical", 30.0), ("s2", "A", "belting", 20.0)):
        n = 21
        m.append(pd.DataFrame({"session_id": sid, "subject": subj, "style": style, "frame": np.arange(n),
                               "time_s": (np.arange(n) + 0.5) / 20,
                               "larynx_height_mm": lh + np.linspace(-1, 1, n),
                               "velum_opening_mm": np.r_[np.full(n - 1, 0.0), np.nan]}))
        t = np.arange(200) * 0.01
        ext = 50.0 if style == "classical" else 0.0          # vibrato semi-extent, cents, at 5.5 Hz
        f0 = np.where(t < 1.5, 220.0 * 2 ** (ext * np.sin(2 * np.pi * 5.5 * t) / 1200), np.nan)
        f1 = f0 * (2 if style == "belting" else 2.4) * 2 ** (rng.normal(0, 3, len(t)) / 1200)
        a.append(pd.DataFrame({"session_id": sid, "subject": subj, "style": style, "time_s": t,
                               "f0_hz": f0, "f1_hz": f1, "f2_hz": 1200.0, "intensity_db": 70.0}))
    return pd.concat(m, ignore_index=True), pd.concat(a, ignore_index=True)
