"""Per-session summaries: medians of per-frame measures, acoustic summaries, register and audio summaries."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import DataValueError
from ._common import _as_list, _constant_columns, _numeric_columns

TUNED_CENTS = 50.0
"""A voiced frame counts as F1-tuned when F1 lies within this many cents of a harmonic of f0."""


def session_summary(measures: pd.DataFrame, acoustics: pd.DataFrame | None = None, *,
                    by: str | Sequence[str] = "session_id", stat: str = "median",
                    columns: Sequence[str] | None = None, vibrato: bool = True,
                    vibrato_min_cycles: float = 2.0,
                    acoustic_summaries: Mapping[str, Callable[[pd.DataFrame], float]] | None = None,
                    ) -> pd.DataFrame:
    """One row per session: medians of the per-frame measures plus acoustic summaries.

    Parameters
    ----------
    measures : DataFrame
        Per-frame measures of many sessions (e.g. the batch's ``measures.parquet``): a ``by``
        column, metadata columns (``subject``, ``task``, group keys such as ``style``) and numeric
        measure columns (``larynx_height_mm`` ...; units as name suffixes).
    acoustics : DataFrame, optional
        Per-analysis-frame acoustic features of the same sessions (``acoustics.parquet``:
        ``time_s``, ``f0_hz``, ``f1_hz``...). Summarised over voiced frames (``f0_hz`` defined):

        - the ``stat`` of every numeric column (``f0_hz``, ``f1_hz``, ``intensity_db``...);
        - F1/f0 tuning (:func:`vtract.acoustics.formant_tuning`): ``f1_f0_ratio`` (median),
          ``f1_tuning_abs_cents`` (median distance of F1 from the nearest harmonic, cents) and
          ``f1_tuned_fraction`` (share of voiced frames within :data:`TUNED_CENTS`, 0-1);
        - vibrato (:func:`vtract.acoustics.vibrato`, per sustained note, then the median over the
          session's notes): ``vibrato_extent_cents`` (semi-extent, cents), ``vibrato_rate_hz``,
          ``vibrato_regularity`` (0-1) and ``n_notes``.
    by : str or list of str
        Column(s) identifying a session.
    stat : {"median", "mean"}
        Per-frame statistic (median is robust to segmentation outliers and flagged frames).
    columns : sequence of str, optional
        Measure columns to summarise (default: every numeric column except clocks/indices).
    vibrato : bool
        Compute the vibrato summaries (needs ``time_s`` and ``f0_hz``).
    vibrato_min_cycles : float
        Notes shorter than this many cycles of the slowest vibrato rate (3 Hz) are not analysed for
        vibrato (2 cycles: notes of at least 0.67 s).
    acoustic_summaries : mapping of name -> callable, optional
        Extra per-session acoustic summaries: each callable receives one session's acoustic rows
        (all frames, time-sorted) and returns a float. Stored in a column named by the key.

    Returns
    -------
    DataFrame
        One row per session: ``by`` columns, the metadata columns constant within a session,
        ``n_frames`` (per-frame rows), then the summarised columns (same names and units as the
        inputs) and the acoustic summaries.

    Raises
    ------
    DataValueError
        When a ``by`` column is missing or ``stat`` is unknown.

    Examples
    --------
    >>> per_session = session_summary(pd.read_parquet("out/measures.parquet"),
    ...                               pd.read_parquet("out/acoustics.parquet"))  # doctest: +SKIP
    """
    keys = _as_list(by)
    if stat not in ("median", "mean"):
        raise DataValueError(f"stat must be 'median' or 'mean', got {stat!r}")
    for name, tab in (("measures", measures), ("acoustics", acoustics)):
        if tab is not None and (missing := [k for k in keys if k not in tab.columns]):
            raise DataValueError(f"session_summary: {name} table lacks the session column(s) {missing}; "
                                 f"it has {list(tab.columns)[:12]}... Pass by= the session id column.")
    meta = _constant_columns(measures, keys)
    cols = list(columns) if columns is not None else _numeric_columns(measures, keys)
    grouped = measures.groupby(keys, sort=False, dropna=False)
    out = grouped[meta].first() if meta else grouped.size().to_frame().iloc[:, :0]
    out["n_frames"] = grouped.size()
    out = out.join(grouped[cols].agg(stat))
    if acoustics is not None:
        out = out.join(_acoustic_summary(acoustics, keys, stat, vibrato_min_cycles if vibrato else None,
                                         acoustic_summaries or {}), how="left")
    return out.reset_index()


def register_summary(synced: pd.DataFrame, columns: str | Sequence[str], *, by: str = "session_id",
                     f0: str = "f0_hz", stat: str = "median") -> pd.DataFrame:
    """Per-session measures split by register: frames below / above the session's median pitch.

    Parameters
    ----------
    synced : DataFrame
        Per-frame synchronised table(s) (the batch's ``synced.parquet``): measures plus ``f0_hz``
        averaged over each frame, a ``by`` column and metadata columns.
    columns : str or sequence of str
        Measures to summarise (e.g. ``"tongue_dorsum_height_mm"``).
    by : str
        Session column.
    f0 : str
        Pitch column in Hz; frames without pitch are left out.
    stat : {"median", "mean"}
        Statistic per session and register.

    Returns
    -------
    DataFrame
        Two rows per session (``register`` = ``"low"``, ``"high"``): metadata, ``n_frames``,
        ``f0_hz`` (the register's median pitch) and the summarised columns (their units).
    """
    cols = _as_list(columns)
    d = synced[synced[f0].notna()].copy()
    d["register"] = np.where(d[f0] > d.groupby(by)[f0].transform("median"), "high", "low")
    keys = [by, "register"]
    meta = [c for c in _constant_columns(synced, [by]) if c in d.columns]
    g = d.groupby(keys, sort=False)
    out = g[meta].first() if meta else g.size().to_frame().iloc[:, :0]
    out["n_frames"] = g.size()
    out[f0] = g[f0].median()
    out = out.join(g[cols].agg(stat))
    return out.reset_index()


def _tuning(voiced: pd.DataFrame) -> pd.Series:
    from ..acoustics import formant_tuning

    t = formant_tuning(voiced)
    cents = t["f1_harmonic_cents"].to_numpy(float)
    ok = np.isfinite(cents)
    return pd.Series({"f1_f0_ratio": float(np.nanmedian(t["f1_f0_ratio"])) if ok.any() else math.nan,
                      "f1_tuning_abs_cents": float(np.median(np.abs(cents[ok]))) if ok.any() else math.nan,
                      "f1_tuned_fraction": float(np.mean(np.abs(cents[ok]) <= TUNED_CENTS))
                      if ok.any() else math.nan})


def _vibrato(session: pd.DataFrame, min_cycles: float) -> pd.Series:
    from ..acoustics import vibrato

    v = vibrato(session[["time_s", "f0_hz"]], min_cycles=min_cycles)
    v = v[v["vibrato_extent_cents"].notna()]
    cols = ["vibrato_extent_cents", "vibrato_rate_hz", "vibrato_regularity"]
    out = v[cols].median() if len(v) else pd.Series(math.nan, index=cols)
    out["n_notes"] = len(v)
    return out


def _acoustic_summary(acoustics: pd.DataFrame, keys: list[str], stat: str, vibrato: float | None,
                      extra: Mapping[str, Callable[[pd.DataFrame], float]]) -> pd.DataFrame:
    ac = acoustics.sort_values([*keys, "time_s"]) if "time_s" in acoustics else acoustics
    voiced = ac[ac["f0_hz"].notna()] if "f0_hz" in ac else ac
    meta = set(_constant_columns(ac, keys))
    cols = [c for c in _numeric_columns(ac, keys) if c not in meta]
    res = voiced.groupby(keys, sort=False, dropna=False)[cols].agg(stat)
    per_session = ac.groupby(keys, sort=False, dropna=False)
    if {"f0_hz", "f1_hz", "f2_hz"} <= set(ac.columns):
        res = res.join(voiced.groupby(keys, sort=False, dropna=False).apply(_tuning, include_groups=False))
    if vibrato is not None and {"time_s", "f0_hz"} <= set(ac.columns):
        res = res.join(per_session.apply(_vibrato, vibrato, include_groups=False))
    for name, fn in extra.items():
        res[name] = per_session.apply(lambda d, fn=fn: float(fn(d)), include_groups=False)
    return res


def audio_summary(manifest, *, sessions: Sequence[str] | None = None, suppress_noise: bool = True,
                  offsets: Mapping[str, float] | None = None,
                  run_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Per-session measures that need the recording itself (not the frame-wise feature table).

    Singer's formant (:func:`vtract.acoustics.singers_formant`, from the LTAS of the noise-suppressed
    recording) for every session with audio; for wind sessions (group ``kind: wind`` or an
    ``instrument`` group) also the counts of the note onsets :func:`vtract.acoustics.wind_events`
    finds.

    Parameters
    ----------
    manifest : Manifest
        The study (e.g. ``vtract.datasets.load_demo()``).
    sessions : sequence of str, optional
        Session ids (default: all).
    suppress_noise : bool
        Remove the MRI gradient noise first (:func:`vtract.suppress_mri_noise`, frame period from
        the sequence's fps).
    offsets : mapping of session id -> float, optional
        Audio offsets (s) of frame 0; used to restrict the analysis to the scan. Default: the
        clock of ``run_dir``'s sync report, else the manifest's offset, else the whole recording.
    run_dir : path, optional
        A batch run folder: each session's measured clock (offset and drift, ``sync.json``, read
        with :func:`vtract.load_result`) restricts the analysis to the scan.

    Returns
    -------
    DataFrame
        ``session_id``, ``singers_formant_hz``, ``singers_formant_prominence_db`` (dB above the
        1-5 kHz LTAS trend), ``singing_power_ratio_db``; wind sessions also ``n_attacks``,
        ``n_tongued``, ``n_slurs``.
    """
    from .. import acoustics
    from ..errors import FileFormatError
    from ..manifest import load_session
    from ..results import load_result

    ids = list(sessions) if sessions is not None else [s.id for s in manifest.sessions]
    rows = []
    for sid in ids:
        session = load_session(manifest, sid)
        if run_dir is not None:
            try:
                report = load_result(run_dir, sid).sync
            except FileFormatError:
                report = None
            if report is not None:
                session = session.with_sync(report)
        if session.audio is None:
            continue
        audio = session.audio
        seq = session.sequence
        if suppress_noise:
            audio = acoustics.suppress_mri_noise(audio, fps=seq.fps)
        if offsets and sid in offsets:
            session = session.with_offset(float(offsets[sid]))
        span = {}
        if session.audio_offset_s is not None and np.isfinite(session.audio_offset_s):
            clock = session.clock
            a0, a1 = clock.frame_spans_audio_s(seq.n_frames)
            span = {"start_s": max(float(a0[0]), 0.0), "end_s": min(float(a1[-1]), audio.duration_s)}
        row: dict[str, float | str] = {"session_id": sid}
        row.update(acoustics.singers_formant(audio, **span))
        group = session.group or {}
        if str(group.get("kind", "")).lower() == "wind" or "instrument" in group:
            ev = acoustics.wind_events(audio)
            for kind in ("attack", "tongued", "slur"):
                row[f"n_{kind}s" if kind != "tongued" else "n_tongued"] = int((ev["kind"] == kind).sum())
        rows.append(row)
    return pd.DataFrame(rows)
