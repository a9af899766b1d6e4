"""Event timing: constriction closures/releases from measures, lags to acoustic onsets over a batch run."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd


def constriction_events(measures: pd.DataFrame, column: str = "tongue_tip_cd_mm", *,
                        threshold_mm: float = 2.0, min_gap_s: float = 0.04) -> pd.DataFrame:
    """Find the times at which a constriction closes and releases, from a per-frame measure.

    A closure is a downward crossing of ``threshold_mm`` and a release the next upward crossing; the
    crossing time is interpolated linearly between frame centres (sub-frame timing).

    Parameters
    ----------
    measures : DataFrame
        Per-frame table with ``time_s`` (frame centres, s) and ``column`` (mm, NaN where undefined).
    column : str
        The constriction degree, e.g. ``tongue_tip_cd_mm`` (tonguing), ``lip_aperture_mm``.
    threshold_mm : float
        Below this the constriction counts as closed.
    min_gap_s : float
        Crossings closer than this to the previous one of the same kind are dropped (flicker).

    Returns
    -------
    DataFrame
        ``time_s`` (image clock), ``kind`` (``"closure"`` or ``"release"``), ``measure``.
    """
    t = measures["time_s"].to_numpy(float)
    y = measures[column].to_numpy(float)
    ok = np.isfinite(y)
    t, y = t[ok], y[ok]
    below = y < threshold_mm
    rows = []
    last: dict[str, float] = {}
    for i in np.flatnonzero(below[1:] != below[:-1]):
        kind = "closure" if below[i + 1] else "release"
        frac = (threshold_mm - y[i]) / (y[i + 1] - y[i]) if y[i + 1] != y[i] else 0.5
        tc = float(t[i] + frac * (t[i + 1] - t[i]))
        if tc - last.get(kind, -np.inf) >= min_gap_s:
            rows.append({"time_s": tc, "kind": kind, "measure": column})
            last[kind] = tc
    return pd.DataFrame(rows, columns=["time_s", "kind", "measure"])


def event_lags(reference_s: Sequence[float], events_s: Sequence[float], *,
               max_lag_s: float = 0.1) -> pd.DataFrame:
    """Match each reference event to the nearest other event and report the lag.

    Parameters
    ----------
    reference_s : sequence of float
        Reference event times, s (e.g. MRI release times on the image clock).
    events_s : sequence of float
        Other event times on the same clock, s (e.g. acoustic onsets mapped to the image clock).
    max_lag_s : float
        Largest absolute lag accepted as a match.

    Returns
    -------
    DataFrame
        One row per reference event: ``reference_s``, ``event_s`` (NaN if unmatched) and ``lag_s``
        (event minus reference, s; positive = the other event comes later).
    """
    ref = np.asarray(reference_s, float)
    ev = np.sort(np.asarray(events_s, float))
    rows = []
    for r in ref:
        if ev.size:
            j = int(np.argmin(np.abs(ev - r)))
            if abs(ev[j] - r) <= max_lag_s:
                rows.append({"reference_s": r, "event_s": ev[j], "lag_s": ev[j] - r})
                continue
        rows.append({"reference_s": r, "event_s": math.nan, "lag_s": math.nan})
    return pd.DataFrame(rows, columns=["reference_s", "event_s", "lag_s"])


def articulation_timing(manifest, run_dir: str | os.PathLike, *, sessions: Sequence[str] | None = None,
                        column: str = "tongue_tip_cd_mm", threshold_mm: float = 2.0,
                        acoustic_kinds: Sequence[str] = ("tongued", "attack"),
                        max_lag_s: float = 0.1) -> pd.DataFrame:
    """MRI constriction releases against acoustic note onsets, per event, over a batch run.

    For each session: releases of ``column`` from the batch's ``measures.csv``
    (:func:`constriction_events`), note onsets from the noise-suppressed recording
    (:func:`vtract.acoustics.wind_events`) mapped to the image clock with the batch's
    ``sync.json`` clock (offset and drift, :meth:`vtract.Session.with_sync`), then
    :func:`event_lags`. In tonguing, the tongue tip leaves the alveolar ridge and the note sounds:
    the lag is the articulatory-acoustic delay (plus segmentation and frame-rate jitter).

    Parameters
    ----------
    manifest : Manifest
        The study.
    run_dir : path
        The batch run folder (``vtract.run_batch`` output).
    sessions : sequence of str, optional
        Session ids (default: every session with ``measures.csv`` and ``sync.json``).
    column, threshold_mm
        As in :func:`constriction_events`.
    acoustic_kinds : sequence of str
        Kinds of :func:`~vtract.acoustics.wind_events` counted as onsets.
    max_lag_s : float
        Largest lag accepted as a match (s).

    Returns
    -------
    DataFrame
        One row per MRI release: ``session_id``, ``subject``, group keys, ``reference_s`` (MRI
        release, image clock), ``event_s`` (acoustic onset, image clock), ``lag_s``.
    """
    from .. import acoustics
    from ..errors import FileFormatError
    from ..results import load_result

    run_dir = Path(run_dir)
    ids = list(sessions) if sessions is not None else [s.id for s in manifest.sessions]
    parts = []
    for sid in ids:
        try:
            res = load_result(run_dir, sid)
        except FileFormatError:
            continue  # not run (yet) or failed: nothing to time
        if res.measures is None or res.sync is None:
            continue
        session = res.session
        rel = constriction_events(res.measures, column, threshold_mm=threshold_mm)
        rel = rel[rel["kind"] == "release"]
        clean = acoustics.suppress_mri_noise(session.audio, fps=session.sequence.fps)
        ev = acoustics.wind_events(clean)
        onsets = ev.loc[ev["kind"].isin(list(acoustic_kinds)), "time_s"].to_numpy(float)
        onsets = session.clock.audio_to_frame_time(onsets)
        lags = event_lags(rel["time_s"], onsets, max_lag_s=max_lag_s)
        meta = {"session_id": sid, "subject": session.subject, **dict(session.group or {})}
        parts.append(lags.assign(**meta)[[*meta, *lags.columns]])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["session_id", "subject", "reference_s", "event_s", "lag_s"])
