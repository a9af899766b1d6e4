"""Audio-frame synchronisation: one time base for the images and the sound.

:func:`synchronize` finds ``audio_offset_s``, the audio time at which frame 0 starts (frame ``k``
starts at ``audio_offset_s + k * frame_period``), from the manifest/metadata when given, otherwise
from the gradient noise in the audio (it starts with the acquisition and repeats with the frame
clock; see :func:`vtract.acoustics.find_gradient_noise`), and cross-checks it against the images
when a per-frame measures table is given (lip aperture / airway area versus acoustic intensity).
:func:`vtract.synced.synced_table` (re-exported here) then puts measures and acoustic features on the
frame clock, averaging the acoustic features over each frame's audio span.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._atomic import atomic_write_text
from .errors import MissingMetadataError, SyncError
from .io._tables import to_jsonable
from .session import Session
from .synced import frame_spans, synced_table

__all__ = ["SyncResult", "synchronize", "synced_table", "frame_spans"]


@dataclass
class SyncResult:
    """The outcome of :func:`synchronize`.

    Attributes
    ----------
    audio_offset_s : float
        Audio time (s) at which frame 0 starts.
    method : str
        ``"metadata"``, ``"gradient-noise"``, ``"gradient-noise-end"`` (the acquisition end was
        used because the start is not in the recording) or ``"images"``.
    confidence : float
        0-1.
    drift_ppm : float
        Audio-clock drift relative to the nominal frame rate (ppm): one frame lasts
        ``(1 + drift_ppm * 1e-6) / fps`` s of audio time. 0 when not measurable.
    fps : float
        Nominal frame rate (frames/s).
    n_frames : int
        Frames in the sequence.
    audio_duration_s : float
        Length of the recording (s).
    warnings : list of str
        Problems found (audio shorter than the sequence, disagreeing estimates...).
    details : dict
        Method-specific numbers (noise onset/end, periodicity score, image cross-check...).
    """

    audio_offset_s: float
    method: str
    confidence: float
    drift_ppm: float = 0.0
    fps: float = float("nan")
    n_frames: int = 0
    audio_duration_s: float = float("nan")
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def frame_period_audio_s(self) -> float:
        """Duration of one frame on the audio clock (s), drift included."""
        return (1.0 + self.drift_ppm * 1e-6) / self.fps

    def frame_start_audio_s(self, frames: np.ndarray | None = None) -> np.ndarray:
        """Audio time (s) at which each frame starts."""
        k = np.arange(self.n_frames) if frames is None else np.asarray(frames)
        return self.audio_offset_s + k * self.frame_period_audio_s

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return to_jsonable(asdict(self))

    def to_json(self, path: str | Path) -> Path:
        """Write the result as JSON (atomically) and return the path."""
        path = Path(path)
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2))
        return path


def synchronize(session: Session, measures: pd.DataFrame | None = None, *,
                use_metadata: bool = True, noise_lead_s: float = 0.0,
                max_image_lag_frames: int = 10) -> SyncResult:
    """Find the audio time at which frame 0 starts.

    Parameters
    ----------
    session : Session
        Sequence (frame rate, number of frames) plus audio; ``session.audio_offset_s`` is used when
        set and ``use_metadata`` is true.
    measures : DataFrame, optional
        Per-frame measures (``frame`` and ``lip_aperture_mm`` or ``airway_area_mm2``) for the
        image cross-check, and for an image-only estimate when the audio has no gradient noise.
    use_metadata : bool
        Trust ``session.audio_offset_s`` when given (the audio is still checked).
    noise_lead_s : float
        Known time (s) by which the gradient noise starts before frame 0 (dummy scans,
        preparation); 0 when the first noise burst belongs to frame 0.
    max_image_lag_frames : int
        Largest offset correction (frames) the image cross-check searches.

    Returns
    -------
    SyncResult

    Raises
    ------
    MissingMetadataError
        No audio, or no frame rate.
    SyncError
        No metadata, no usable gradient noise and no usable measures.
    """
    seq = session.sequence
    if session.audio is None:
        raise MissingMetadataError(f"session {session.session_id!r} has no audio to synchronise")
    if seq.fps is None or not np.isfinite(seq.fps) or seq.fps <= 0:
        raise MissingMetadataError(
            f"session {session.session_id!r}: the sequence has no frame rate; pass --fps / fps=")
    from .acoustics import find_gradient_noise

    audio = session.audio
    fps = float(seq.fps)
    n = seq.n_frames
    dur = audio.duration_s
    res_warn: list[str] = []
    details: dict[str, Any] = {}
    gn = find_gradient_noise(audio.samples, audio.sample_rate_hz, period_s=1.0 / fps)
    est = None
    if gn is not None:
        details.update(noise_period_s=gn.period_s, noise_score=gn.score,
                       noise_onset_s=gn.onset_s, noise_end_s=gn.end_s,
                       noise_coarse_span_s=[gn.coarse_onset_s, gn.coarse_end_s])
        period = gn.period_s
        from_on = None if gn.onset_s is None else gn.onset_s + noise_lead_s
        from_end = None if gn.end_s is None else gn.end_s - n * period
        details.update(offset_from_onset_s=from_on, offset_from_end_s=from_end)
        if from_on is not None and from_end is not None:
            gap = abs(from_on - from_end)
            details["onset_end_disagreement_s"] = gap
            if gap <= 0.002:
                est, method, conf = from_on, "gradient-noise", 0.95
            elif gap < period / 2:
                est, method, conf = from_on, "gradient-noise", 0.8
                res_warn.append(f"noise onset and end give offsets {gap * 1e3:.2f} ms apart; "
                                "the onset is used")
            else:
                est, method, conf = from_on, "gradient-noise", 0.5
                res_warn.append(
                    f"the gradient noise lasts {(gn.end_s - gn.onset_s) / period:.1f} frame "
                    f"periods but the sequence has {n} frames (dummy scans, a cropped sequence "
                    "or a wrong fps?); the noise onset is used")
        elif from_on is not None:
            est, method, conf = from_on, "gradient-noise", 0.85
        elif from_end is not None:
            est, method, conf = from_end, "gradient-noise-end", 0.7
            res_warn.append("the recording starts after the acquisition began; the offset comes "
                            "from the end of the gradient noise and the number of frames")
        else:
            res_warn.append("gradient noise covers the whole recording (no start or end in it); "
                            "its timing cannot fix the offset")
        if est is not None:
            conf *= float(np.clip(gn.score / 0.5, 0.2, 1.0))
    drift = 0.0 if gn is None else float(gn.drift_ppm)
    if gn is not None and abs(drift) > 1000:
        res_warn.append(f"measured drift {drift:.0f} ppm is implausible; ignored")
        drift = 0.0
    if use_metadata and session.audio_offset_s is not None:
        meta = float(session.audio_offset_s)
        if est is not None:
            details["audio_estimate_s"] = est
            if abs(est - meta) > 0.002:
                res_warn.append(f"metadata offset {meta:.4f} s differs from the gradient-noise "
                                f"estimate {est:.4f} s by {(est - meta) * 1e3:.1f} ms")
        est, method, conf = meta, "metadata", 1.0
    result = None
    if est is not None:
        result = SyncResult(est, method, float(conf), drift, fps, n, dur, res_warn, details)
    if measures is not None and session.audio is not None:
        check = _image_check(session, measures, result, max_image_lag_frames)
        if check is not None:
            details["image_check"] = check
            if result is None:
                if check["best_corr"] < 0.3:
                    raise SyncError(
                        f"session {session.session_id!r}: no gradient noise and no clear "
                        "image-audio correlation; give the offset (--offset / audio_offset_s)")
                result = SyncResult(check["best_offset_s"], "images",
                                    float(np.clip(check["best_corr"], 0, 1)) * 0.6, 0.0, fps, n,
                                    dur, res_warn, details)
            elif check["best_corr"] > 0.5 and abs(check["best_lag_frames"]) > 1:
                result.warnings.append(
                    f"images correlate best with the audio {check['best_lag_frames']} frames "
                    "away from this offset; check the offset")
                result.confidence *= 0.7
    if result is None:
        raise SyncError(
            f"session {session.session_id!r}: the offset is not in the metadata and no gradient "
            f"noise periodic at {fps:g} fps was found in {audio.source or 'the audio'}; give the "
            "offset (--offset / audio_offset_s) or a measures table for an image-based estimate")
    end_audio = result.audio_offset_s + n * result.frame_period_audio_s
    if result.audio_offset_s < 0 or end_audio > dur:
        missing = int(np.sum((result.frame_start_audio_s() < 0)
                             | (result.frame_start_audio_s() + result.frame_period_audio_s > dur)))
        result.warnings.append(
            f"the audio ({dur:.3f} s) does not cover all {n} frames (they span "
            f"{result.audio_offset_s:.3f}..{end_audio:.3f} s of audio time); {missing} frames "
            "get NaN acoustic values")
    return result


def _image_check(session: Session, measures: pd.DataFrame, result: SyncResult | None,
                 max_lag: int) -> dict[str, Any] | None:
    """Correlate an image measure with per-frame audio level over candidate offsets."""
    col = next((c for c in ("lip_aperture_mm", "airway_area_mm2") if c in measures.columns), None)
    if col is None:
        return None
    seq = session.sequence
    n = seq.n_frames
    m = measures.sort_values("frame")[col].to_numpy(float) if "frame" in measures.columns \
        else measures[col].to_numpy(float)
    if m.size != n or np.sum(np.isfinite(m)) < 10 or np.nanstd(m) == 0:
        return None
    audio = session.audio
    x = audio.samples
    sr = audio.sample_rate_hz
    # per-frame level of the voice: remove the periodic noise first when we know where it is
    if result is not None and result.method.startswith("gradient"):
        from .acoustics import suppress_mri_noise

        x = suppress_mri_noise(audio, fps=seq.fps).samples
    period = 1.0 / seq.fps
    base = result.audio_offset_s if result is not None else 0.0
    if result is None:
        lags = np.arange(0.0, max(0.0, audio.duration_s - 0.5 * n * period), period / 2)
        cands = lags
    else:
        cands = base + np.arange(-max_lag, max_lag + 1) * period
    c2 = np.concatenate([[0.0], np.cumsum(x ** 2)])
    corrs = []
    for off in cands:
        s = np.round((off + np.arange(n) * period) * sr).astype(int)
        e = s + int(round(period * sr))
        ok = (s >= 0) & (e <= x.size) & np.isfinite(m)
        if ok.sum() < 10:
            corrs.append(np.nan)
            continue
        lev = 10 * np.log10((c2[e[ok]] - c2[s[ok]]) / (e[ok] - s[ok]) + 1e-12)
        corrs.append(float(np.corrcoef(lev, m[ok])[0, 1]))
    corrs = np.asarray(corrs)
    if not np.any(np.isfinite(corrs)):
        return None
    k = int(np.nanargmax(corrs))
    return {"measure": col, "best_offset_s": float(cands[k]), "best_corr": float(corrs[k]),
            "best_lag_frames": int(round((cands[k] - base) / period)) if result else 0,
            "corr_at_offset": float(corrs[max_lag]) if result is not None else None}
