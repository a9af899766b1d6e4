"""Audio-frame synchronisation: one time base for the images and the sound.

:func:`synchronize` finds ``audio_offset_s``, the audio time at which frame 0 starts (frame ``k``
starts at ``audio_offset_s + k * (1 + drift_ppm 1e-6) / fps``), and the audio-clock drift: from
the manifest/metadata when given, otherwise from the scan's gradient noise in the audio (found by
its TR, whatever the sequence: :func:`vtract.acoustics.find_scan_noise`; both ends, the number
of frames, dummy scans, localiser bursts, drift), cross-checked with the images (principal
components of the frames against the audio level, :mod:`vtract._sync_images`), which alone give
the offset when the audio holds no gradient noise (noise-cancelled recordings).
:func:`vtract.synced.synced_table` (re-exported here) then puts measures and acoustic features on
the frame clock, averaging the acoustic features over each frame's audio span.
``SyncResult.clock`` is the session's :class:`~vtract.clock.Clock`.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._atomic import atomic_write_text
from .clock import Clock
from .errors import MissingMetadataError, SyncError, VtractWarning
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
        How the chosen estimate was made: ``"metadata"``, ``"gradient-noise"`` (both ends of the
        scan noise agree with the number of frames), ``"gradient-noise-end"`` (the end of the
        noise and the number of frames: dummy scans before frame 0, or the recording started
        after the scan), ``"gradient-noise-onset"`` (the start of the noise; images chose the
        number of dummy frames) or ``"images"`` (image-audio agreement alone: no gradient noise).
    confidence : float
        0-1.
    drift_ppm : float
        Audio-clock drift relative to the scanner clock (ppm): one frame lasts
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
        Every estimate (``estimates``: name, offset, confidence, note), ``chosen`` and ``why``,
        the scan noise found (``scan_noise``: TR, span, drift, rejected bursts) and the image
        check.
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
    def clock(self) -> Clock:
        """The image<->audio :class:`~vtract.clock.Clock` of this result."""
        return Clock.from_sync(self)

    @property
    def frame_period_audio_s(self) -> float:
        """Duration of one frame on the audio clock (s), drift included."""
        return self.clock.frame_period_audio_s

    def frame_start_audio_s(self, frames: np.ndarray | None = None) -> np.ndarray:
        """Audio time (s) at which each frame starts (all frames when ``frames`` is None)."""
        return self.clock.frame_start_audio_s(self.n_frames if frames is None else frames)

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
                max_image_lag_frames: int = 10, use_images: bool = True) -> SyncResult:
    """Find the audio time at which frame 0 starts (and the audio-clock drift).

    Estimates (all reported in ``details["estimates"]``):

    - from the **scan noise** (:func:`vtract.acoustics.find_scan_noise`): its start (frame 0,
      unless dummy scans precede it) and its end minus the sequence's length on the audio clock
      (``n_frames * (1 + drift) / fps``). When both ends are in the recording, the noise length
      in frames tells which applies: about ``n_frames`` -> both agree (their mean); ``K`` whole
      frames more -> ``K`` dummy scans, the end is used; when only the end is in the recording
      (audio started late) the end is used; when only the start is, the images choose the number
      of dummy frames;
    - from the **images** (:func:`vtract._sync_images.image_audio_offset`): principal components
      of the frames against the per-frame audio level. It cross-checks the noise estimate
      (whole-frame alternatives) and is the estimate when the audio holds no gradient noise
      (noise-cancelled recordings);
    - the **metadata** offset when given (``use_metadata``), which wins.

    Parameters
    ----------
    session : Session
        Sequence (frames, frame rate) plus audio; ``session.audio_offset_s`` is used when set
        and ``use_metadata`` is true.
    measures : DataFrame, optional
        Not needed (the images are read from the sequence); kept for API compatibility.
    use_metadata : bool
        Trust ``session.audio_offset_s`` when given (the audio is still checked).
    noise_lead_s : float
        Known time (s) by which the gradient noise starts before frame 0 (dummy scans); used
        only when the end of the noise is not in the recording.
    max_image_lag_frames : int
        Largest whole-frame correction the image cross-check considers.
    use_images : bool
        Compute the image-audio estimate.

    Returns
    -------
    SyncResult

    Raises
    ------
    MissingMetadataError
        No audio, or no frame rate.
    SyncError
        No metadata, no gradient noise and no usable image-audio agreement.
    """
    from ._sync_images import image_audio_offset
    from .acoustics import find_scan_noise

    seq = session.sequence
    if session.audio is None:
        raise MissingMetadataError(f"session {session.session_id!r} has no audio to synchronise")
    if seq.fps is None or not np.isfinite(seq.fps) or seq.fps <= 0:
        raise MissingMetadataError(
            f"session {session.session_id!r}: the sequence has no frame rate; pass --fps / fps=")
    audio = session.audio
    fps = float(seq.fps)
    n = seq.n_frames
    dur = audio.duration_s
    x, sr = audio.samples, audio.sample_rate_hz
    warn: list[str] = []
    ests: list[dict[str, Any]] = []
    details: dict[str, Any] = {"estimates": ests}
    sn = find_scan_noise(x, sr, frame_period_s=1.0 / fps)
    drift = 0.0
    noise_est = None
    onset_candidates = None
    if sn is not None:
        details["scan_noise"] = {k: v for k, v in sn.to_dict().items()}
        if np.isfinite(sn.drift_ppm) and abs(sn.drift_ppm) <= 1000:
            drift = float(sn.drift_ppm)
        elif np.isfinite(sn.drift_ppm):
            warn.append(f"measured drift {sn.drift_ppm:.0f} ppm is implausible; ignored")
        period = (1 + drift * 1e-6) / fps
        from_on = None if sn.onset_s is None else sn.onset_s
        from_end = None if sn.end_s is None else sn.end_s - n * period
        if from_on is not None:
            ests.append({"name": "noise-onset", "audio_offset_s": from_on,
                         "note": "start of the scan noise"})
        if from_end is not None:
            ests.append({"name": "noise-end", "audio_offset_s": from_end,
                         "note": "end of the scan noise minus n_frames frame periods"})
        if from_on is not None and from_end is not None:
            extra = (from_end - from_on) / period  # frames of noise before frame 0
            details["noise_frames_before_frame0"] = extra
            if abs(extra) < 0.5:
                # weight each end by the square of its sharpness: an abrupt start marks its
                # instant better than a slow ring-down does
                w_on = sn.onset_sharpness if np.isfinite(sn.onset_sharpness) else 0.5
                w_end = sn.end_sharpness if np.isfinite(sn.end_sharpness) else 0.5
                w_on, w_end = w_on ** 2, w_end ** 2
                mean = (w_on * from_on + w_end * from_end) / (w_on + w_end)
                noise_est = (mean, "gradient-noise", 0.95,
                             "both ends of the noise agree with the number of frames "
                             f"(within {abs(extra) * 1e3 / fps:.2f} ms); their mean weighted by "
                             f"sharpness (onset {w_on / (w_on + w_end):.2f}, end "
                             f"{w_end / (w_on + w_end):.2f})")
            elif extra > 0:
                k = int(round(extra))
                frac = abs(extra - k)
                noise_est = (from_end, "gradient-noise-end", 0.9 if frac < 0.1 else 0.6,
                             f"the noise starts {extra:.2f} frames before the sequence's length "
                             f"ends at the noise end: {k} dummy scans; the end is used")
                details["dummy_scans"] = k
                if frac >= 0.1:
                    warn.append(f"the noise starts {extra:.2f} frame periods early, not a whole "
                                "number of frames (preparation pulses?); the end is used")
            elif sn.end_s - sn.onset_s < 0.5 * n * period:
                warn.append(f"periodic noise lasts only {sn.end_s - sn.onset_s:.2f} s but the "
                            f"sequence {n * period:.2f} s: not this scan's noise; not used")
                details["noise_rejected"] = True
            else:
                noise_est = (from_on, "gradient-noise-onset", 0.5,
                             f"the noise is {-extra:.2f} frames shorter than the sequence "
                             "(wrong fps, or frames not from this scan?); the onset is used")
                warn.append(noise_est[3])
        elif from_end is not None:
            noise_est = (from_end, "gradient-noise-end", 0.85,
                         "the recording starts inside the scan; the end of the noise and the "
                         "number of frames are used")
        elif from_on is not None:
            onset_candidates = from_on + noise_lead_s + np.arange(0, 41) * period
            noise_est = (from_on + noise_lead_s, "gradient-noise-onset", 0.6,
                         "the recording stops inside the scan; the noise onset is used "
                         "(dummy scans decided by the images)")
        else:
            warn.append("gradient noise covers the whole recording; its timing cannot fix the "
                        "offset")
    # images
    img = None
    if use_images and n >= 20:
        frames = np.asarray(seq.frames, dtype=float)
        x_img = x
        if noise_est is not None:
            # the audio level must follow the voice, not the scan: suppress the noise first
            from .acoustics import suppress_mri_noise

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", VtractWarning)
                x_img = suppress_mri_noise(audio).samples
        try:
            if onset_candidates is not None:
                img = image_audio_offset(frames, fps, x_img, sr, candidates_s=onset_candidates,
                                         drift_ppm=drift)
            elif noise_est is not None:
                cands = noise_est[0] + np.arange(-max_image_lag_frames,
                                                 max_image_lag_frames + 1) * (1 + drift * 1e-6) / fps
                img = image_audio_offset(frames, fps, x_img, sr, candidates_s=cands,
                                         drift_ppm=drift)
            else:
                img = image_audio_offset(frames, fps, x_img, sr, drift_ppm=drift)
        except (np.linalg.LinAlgError, ValueError) as exc:
            warn.append(f"image-audio estimate failed ({exc})")
        if img is not None and np.isfinite(img["offset_s"]):
            details["image_check"] = {k: img[k] for k in ("offset_s", "r2", "runner_up_r2",
                                                           "margin")}
            ests.append({"name": "images", "audio_offset_s": img["offset_s"],
                         "note": f"image components vs audio level, adjusted R2 {img['r2']:.3f}"
                                 f" (next best {img['runner_up_r2']:.3f})"})
    est = method = why = None
    conf = 0.0
    if noise_est is not None:
        est, method, conf, why = noise_est
        if onset_candidates is not None and img is not None and np.isfinite(img["offset_s"]):
            est = img["offset_s"]
            k = int(round((est - onset_candidates[0]) * fps / (1 + drift * 1e-6)))
            why += f"; the images put frame 0 {k} frames after the noise onset"
            details["dummy_scans"] = k
        elif img is not None and np.isfinite(img["offset_s"]):
            lag = (img["offset_s"] - est) * fps
            details["image_check"]["lag_frames"] = lag
            if abs(lag) > 0.5 and img["margin"] > 0.05:
                warn.append(f"the images agree best with the audio {lag:+.0f} frames away from "
                            "the gradient-noise offset; check the number of frames / dummy scans")
                conf *= 0.7
            elif abs(lag) <= 0.5:
                conf = min(1.0, conf + 0.04)
                why += "; the images agree (best whole-frame alternative)"
    elif img is not None and np.isfinite(img["offset_s"]):
        has_meta = use_metadata and session.audio_offset_s is not None
        if img["r2"] < 0.05:
            if not has_meta:
                raise SyncError(
                    f"session {session.session_id!r}: no gradient noise and no clear "
                    f"image-audio agreement (R2 {img['r2']:.3f}); give the offset (--offset / "
                    "audio_offset_s)")
        else:
            est, method = img["offset_s"], "images"
            conf = float(np.clip(img["margin"] * 4, 0.05, 0.8))
            why = ("no usable gradient noise in the audio (noise-cancelled?): image components "
                   "against the audio level over all offsets")
    if use_metadata and session.audio_offset_s is not None:
        meta = float(session.audio_offset_s)
        if est is not None and abs(est - meta) > 0.002:
            warn.append(f"metadata offset {meta:.4f} s differs from the {method} estimate "
                        f"{est:.4f} s by {(est - meta) * 1e3:.1f} ms")
        ests.append({"name": "metadata", "audio_offset_s": meta, "note": "given"})
        est, method, conf, why = meta, "metadata", 1.0, "the offset was given"
    if est is None:
        raise SyncError(
            f"session {session.session_id!r}: the offset is not in the metadata, no gradient "
            f"noise was found in {audio.source or 'the audio'} and the images gave no estimate; "
            "give the offset (--offset / audio_offset_s)")
    details["chosen"] = method
    details["why"] = why
    result = SyncResult(float(est), method, float(conf), drift, fps, n, dur, warn, details)
    start, stop = result.clock.frame_spans_audio_s(n)
    end_audio = float(stop[-1]) if n else result.audio_offset_s
    if result.audio_offset_s < 0 or end_audio > dur:
        missing = int(np.sum((start < 0) | (stop > dur)))
        result.warnings.append(
            f"the audio ({dur:.3f} s) does not cover all {n} frames (they span "
            f"{result.audio_offset_s:.3f}..{end_audio:.3f} s of audio time); {missing} frames "
            "get NaN acoustic values")
    return result


