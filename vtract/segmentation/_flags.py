"""Per-frame quality flags of a segmentation and the per-session flag summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ._result import Segmentation

__all__ = ["frame_flags", "summary"]


def frame_flags(airway_area_px: np.ndarray, midlines: np.ndarray, closed_frac: np.ndarray,
                contrast: np.ndarray, px_mm: float, *, max_closed: float = 0.5,
                area_jump: float = 0.35, length_jump: float = 0.25,
                min_contrast: float = 0.15, min_confidence: float = 0.5,
                frame_mean: np.ndarray | None = None
                ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per-frame QC flags and a 0..1 confidence.

    Parameters
    ----------
    airway_area_px : ndarray (n,)
        Airway label pixel count per frame.
    midlines : ndarray (n, k, 2)
        Tract midlines in pixels.
    closed_frac : ndarray (n,)
        Fraction of the traced path running through tissue (constrictions are short; a long
        stretch means the tract was lost).
    contrast : ndarray (n,)
        Median tissue minus median air intensity inside the head (normalised units).
    px_mm : float
        Pixel size in mm (for reporting only).
    max_closed, area_jump, length_jump, min_contrast : float
        Thresholds: ``lost_track`` when more than ``max_closed`` of the path is tissue or the
        tract length differs from the session median by more than ``length_jump`` (relative);
        ``area_jump`` when the airway area changes by more than that fraction of the median area
        from the previous frame; ``low_contrast`` below ``min_contrast``; ``low_confidence``
        when the confidence is below ``min_confidence``.
    frame_mean : ndarray (n,), optional
        Mean raw intensity per frame: ``dropout`` flags frames darker than half the session
        median (missing/blank frames that temporal denoising would otherwise paper over).

    Returns
    -------
    flags : dict of ndarray
        ``lost_track``, ``area_jump``, ``low_contrast``, ``low_confidence``, ``dropout``,
        ``ok`` (bool), ``airway_area_px``.
    confidence : ndarray float32 (n,)
    """
    area = np.asarray(airway_area_px, float)
    length = np.hypot(*np.diff(midlines, axis=1).transpose(2, 0, 1)).sum(axis=1)
    med_len = float(np.median(length)) if length.size else 0.0
    med_area = max(float(np.median(area)), 1.0)
    lost = (np.asarray(closed_frac) > max_closed) | (
        np.abs(length - med_len) > length_jump * max(med_len, 1e-6))
    jump = np.zeros(len(area), bool)
    jump[1:] = np.abs(np.diff(area)) > area_jump * med_area
    low = np.asarray(contrast) < min_contrast
    # constrictions and closures are normal speech: only tissue beyond ``max_closed / 2`` of the
    # path lowers the confidence
    excess = np.clip((np.asarray(closed_frac) - 0.5 * max_closed) / (1 - 0.5 * max_closed), 0, 1)
    conf = np.clip(np.asarray(contrast) / 0.4, 0, 1) * (1 - excess)
    conf = np.where(lost, 0.5 * conf, conf).astype(np.float32)
    dropout = np.zeros(len(area), bool)
    if frame_mean is not None and len(frame_mean):
        fm = np.asarray(frame_mean, float)
        dropout = fm < 0.5 * float(np.median(fm))
    conf = np.where(dropout, 0.0, conf).astype(np.float32)
    unsure = conf < min_confidence
    flags = {"lost_track": lost, "area_jump": jump, "low_contrast": low,
             "low_confidence": unsure, "dropout": dropout,
             "ok": ~(lost | jump | low | unsure | dropout), "airway_area_px": area}
    return flags, conf


def summary(seg: Segmentation) -> dict[str, Any]:
    """One summary line (dict) per session.

    Returns
    -------
    dict
        ``source``, ``n_frames``, ``fps``, ``frac_ok``, ``n_lost_track``, ``n_area_jump``,
        ``n_low_contrast``, ``n_low_confidence``, ``n_dropout``, ``mean_confidence``,
        ``median_airway_area_px``.

    Parameters
    ----------
    seg : Segmentation
        A segmentation with its per-frame ``flags`` and ``confidence``.
    """
    f = seg.flags
    return {
        "source": seg.sequence.source,
        "n_frames": seg.n_frames,
        "fps": seg.sequence.fps,
        "frac_ok": float(f["ok"].mean()),
        "n_lost_track": int(f["lost_track"].sum()),
        "n_area_jump": int(f["area_jump"].sum()),
        "n_low_contrast": int(f["low_contrast"].sum()),
        "n_low_confidence": int(f["low_confidence"].sum()),
        "n_dropout": int(f["dropout"].sum()),
        "mean_confidence": float(np.mean(seg.confidence)),
        "median_airway_area_px": float(np.median(f["airway_area_px"])),
    }
