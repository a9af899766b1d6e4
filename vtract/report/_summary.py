"""The numbers a session page shows: pitch, notes, vibrato, singer's formant, tuning, sync and QC.

Every number comes from an existing vtract function (:mod:`vtract.acoustics`, :mod:`vtract.compare`);
this module only gathers them into one JSON-able dict per session.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ._load import SessionData
from ._text import MEASURES

__all__ = ["session_numbers", "frames_to_check", "is_wind", "study_row", "AREA_JUMP"]

#: airway-area change between consecutive frames (fraction of the session median) flagged for checking;
#: the same default as :func:`vtract.qc.frame_flags`
AREA_JUMP = 0.35


def _f(v: Any) -> float | None:
    """Return a finite float or None (JSON-able)."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def is_wind(data: SessionData | dict) -> bool:
    """Whether a session (or its manifest ``group`` dict) is a wind-instrument recording."""
    group = data if isinstance(data, dict) else (data.record.get("entry") or {}).get("group") or {}
    return str(group.get("kind", "")).lower() == "wind" or "instrument" in group


def frames_to_check(data: SessionData) -> list[dict[str, Any]]:
    """Frames a person should look at, with the reason, from the outputs on disk.

    A frame is listed when one of the six page measures could not be computed (NaN), when the airway
    area jumps by more than :data:`AREA_JUMP` of the session median from the previous frame (a
    segmentation slip or a real fast closure), or when the frame is darker than half the session's
    median (a dropped or blank frame).

    Parameters
    ----------
    data : SessionData
        A finished session.

    Returns
    -------
    list of dict
        ``frame``, ``time_s`` (image clock, frame centre) and ``reasons`` (list of str).
    """
    if data.session is None:
        return []
    seq = data.session.sequence
    n = seq.n_frames
    reasons: list[list[str]] = [[] for _ in range(n)]
    m = data.measures
    if m is not None and "frame" in m:
        cols = [t.column for t in MEASURES if t.column in m]
        for k, row in zip(m["frame"].to_numpy(int), m[cols].isna().to_numpy()):
            missing = [cols[i] for i in np.flatnonzero(row)]
            if missing and 0 <= k < n:
                names = [t.name.lower() for t in MEASURES if t.column in missing]
                reasons[k].append("not measured: " + ", ".join(names))
    if data.labels is not None and len(data.labels) == n:
        area = (np.asarray(data.labels) == 1).reshape(n, -1).sum(1).astype(float)
        med = max(float(np.median(area)), 1.0)
        for k in np.flatnonzero(np.abs(np.diff(area)) > AREA_JUMP * med) + 1:
            reasons[k].append(f"airway area jumps {area[k - 1]:.0f} → {area[k]:.0f} px")
    fm = np.asarray(seq.frames, float).reshape(n, -1).mean(1)
    for k in np.flatnonzero(fm < 0.5 * float(np.median(fm))):
        reasons[k].append("dark frame (dropout?)")
    times = np.asarray(seq.times, float)
    return [{"frame": int(k), "time_s": float(times[k]), "reasons": r}
            for k, r in enumerate(reasons) if r]


def session_numbers(data: SessionData, clean_audio=None) -> dict[str, Any]:
    """Everything numeric a session page and the study table show, as a JSON-able dict.

    Parameters
    ----------
    data : SessionData
        A finished session.
    clean_audio : vtract.Audio, optional
        The MRI-noise-suppressed recording, for the singer's formant.

    Returns
    -------
    dict
        ``info`` (frames, fps, duration), ``summary`` (per-session medians from
        :func:`vtract.compare.session_summary`: measures in mm, ``f0_hz``, F1 tuning, vibrato),
        ``f0_note``, ``tuned_harmonic``, ``notes`` (per note, image-clock times),
        ``singers_formant``, ``sync``, ``qc`` (batch counts) and ``frames_to_check``.
    """
    from .. import acoustics as ac
    from ..compare import TUNED_CENTS, session_summary

    rec = data.record
    summ = dict(rec.get("summary") or {})
    seq = data.session.sequence
    out: dict[str, Any] = {
        "info": {"n_frames": int(seq.n_frames), "fps": float(seq.fps),
                 "duration_s": float(seq.duration_s), "t0_s": float(seq.t0_s),
                 "matrix": summ.get("matrix"), "pixel_spacing_mm": summ.get("pixel_spacing_mm"),
                 "audio_duration_s": _f(summ.get("audio_duration_s")),
                 "audio_sample_rate_hz": _f(summ.get("audio_sample_rate_hz"))},
        "wind": is_wind(data), "summary": {}, "f0_note": None, "tuned_harmonic": None,
        "notes": [], "singers_formant": None,
    }
    m = data.measures
    a = data.acoustics
    if m is not None:
        mm = m.assign(session_id=data.session_id)
        aa = a.assign(session_id=data.session_id) if a is not None and "f0_hz" in a else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN medians
            row = session_summary(mm, aa).iloc[0]
        out["summary"] = {k: _f(v) for k, v in row.items()
                          if k not in ("session_id",) and not str(k).startswith(("df_", "af_"))
                          and _f(v) is not None}
    if a is not None and "f0_hz" in a and a["f0_hz"].notna().any():
        f0 = a["f0_hz"].to_numpy(float)
        med = float(np.nanmedian(f0))
        out["summary"]["f0_hz"] = med
        out["f0_note"] = ac.note_name(69 + 12 * math.log2(med / 440.0))
        clock = data.session.clock if data.session.audio_offset_s is not None else None
        notes = ac.segment_notes(a)
        vib = ac.vibrato(a, notes, min_cycles=2.0) if len(notes) else None
        for i, nrow in notes.iterrows():
            on, off = float(nrow["onset_s"]), float(nrow["offset_s"])
            if clock is not None:
                on, off = (float(x) for x in clock.audio_to_frame_time(np.array([on, off])))
            v = vib.iloc[i] if vib is not None and i < len(vib) else None
            out["notes"].append({
                "name": str(nrow["note_name"]), "onset_s": on, "offset_s": off,
                "duration_s": _f(nrow["duration_s"]), "median_f0_hz": _f(nrow["median_f0_hz"]),
                "cents_deviation": _f(nrow["cents_deviation"]),
                "vibrato_rate_hz": None if v is None else _f(v["vibrato_rate_hz"]),
                "vibrato_extent_cents": None if v is None else _f(v["vibrato_extent_cents"])})
        if {"f1_hz", "f2_hz"} <= set(a.columns):
            t = ac.formant_tuning(a[a["f0_hz"].notna()])
            close = t[np.abs(t["f1_harmonic_cents"]) <= TUNED_CENTS]
            if len(close):
                out["tuned_harmonic"] = int(close["f1_harmonic"].mode().iloc[0])
    if clean_audio is not None and not out["wind"]:
        span = {}
        off = data.session.audio_offset_s
        if off is not None:
            span = {"start_s": max(float(off), 0.0),
                    "end_s": min(float(off) + seq.duration_s, clean_audio.duration_s)}
        try:
            out["singers_formant"] = {k: _f(v) for k, v in ac.singers_formant(clean_audio, **span).items()}
        except Exception as exc:  # a too-short or low-rate recording: say so on the page
            out["singers_formant"] = {"error": str(exc)}
    sync = data.sync or {}
    out["sync"] = {"audio_offset_s": _f(sync.get("audio_offset_s")), "method": sync.get("method"),
                   "confidence": _f(sync.get("confidence")), "drift_ppm": _f(sync.get("drift_ppm")),
                   "warnings": list(sync.get("warnings") or [])} if sync else None
    out["qc"] = {k[3:]: v for k, v in summ.items() if k.startswith("qc_")}
    out["frames_to_check"] = frames_to_check(data)
    return out


def study_row(data: SessionData, numbers: dict[str, Any] | None) -> dict[str, Any]:
    """One row of the study page's session table (JSON-able)."""
    rec = data.record
    entry = rec.get("entry") or {}
    row: dict[str, Any] = {"session_id": data.session_id, "status": data.status,
                           "subject": entry.get("subject"), "task": entry.get("task"),
                           "group": {k: v for k, v in (entry.get("group") or {}).items()},
                           "has_video": data.video is not None, "wind": is_wind(data),
                           "study": rec.get("study"), "n_frames": None, "duration_s": None,
                           "f0_hz": None, "f0_note": None, "qc_frac_ok": None, "n_check": None,
                           "sync": None}
    if data.status == "failed":
        row["error"] = f"{rec.get('step', '?')}: {rec.get('error_type', '')}: {rec.get('message', '')}"
    if numbers:
        s = numbers.get("summary", {})
        row.update(n_frames=numbers["info"]["n_frames"], duration_s=numbers["info"]["duration_s"],
                   f0_hz=s.get("f0_hz"), f0_note=numbers.get("f0_note"),
                   qc_frac_ok=_f(numbers["qc"].get("frac_ok")),
                   n_check=len(numbers.get("frames_to_check", [])),
                   sync=numbers.get("sync"), values={k: v for k, v in s.items()})
        sf = numbers.get("singers_formant") or {}
        if sf.get("singers_formant_prominence_db") is not None:
            row["values"]["singers_formant_prominence_db"] = sf["singers_formant_prominence_db"]
    return row
