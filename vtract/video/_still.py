"""``render_still``: a PNG montage of key frames with contours, for handouts."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._atomic import atomic_path
from ..errors import DataValueError
from ..labels import label_name
from ..session import Session
from ._compose import DEFAULT_SHOW, PanelRenderer, intensity_window
from ._draw import legend_rgba, paste_rgba, render_text
from ._view import audio_clock, resolve_labels

__all__ = ["render_still", "keyframe_indices"]


def keyframe_indices(n_frames: int, n_keyframes: int) -> np.ndarray:
    """``n_keyframes`` frame indices spread evenly over a clip (first and last included)."""
    n = max(1, min(int(n_keyframes), n_frames))
    return np.unique(np.round(np.linspace(0, n_frames - 1, n)).astype(int))


def render_still(session: Session, out_png: str | os.PathLike, *, labels=None,
                 times_s: Sequence[float] | None = None, n_keyframes: int = 6,
                 acoustics: pd.DataFrame | None = None, colors: Mapping | None = None,
                 show: Sequence[int | str] = DEFAULT_SHOW, size: int = 320,
                 columns: int | None = None, title: str | None = None,
                 line_width: float | None = None) -> Path:
    """Write a PNG montage of key frames (MRI + coloured contours), each captioned with its time.

    Parameters
    ----------
    session : Session
        The session.
    out_png : path
        Output ``.png``, written atomically.
    labels : ndarray or Segmentation, optional
        Label maps drawn as contours.
    times_s : sequence of float, optional
        Image-clock times (s) of the tiles (the frame containing each time is shown); default
        ``n_keyframes`` frames spread evenly over the session.
    n_keyframes : int
        Number of tiles when ``times_s`` is not given.
    acoustics : DataFrame, optional
        With ``time_s`` (audio clock) and ``f0_hz``: the f0 nearest each tile is added to its caption.
    colors, show, line_width
        As in :func:`render_video`.
    size : int
        Tile height in pixels.
    columns : int, optional
        Tiles per row (default: up to 3).
    title : str, optional
        Heading (default: the session id).

    Returns
    -------
    Path
        ``out_png``.
    """
    from PIL import Image

    seq = session.sequence
    lab = resolve_labels(session, labels)
    if times_s is None:
        idx = keyframe_indices(seq.n_frames, n_keyframes)
    else:
        t = np.asarray(times_s, float).ravel()
        idx = np.floor((t - seq.t0_s) * seq.fps).astype(int)
        bad = (idx < 0) | (idx >= seq.n_frames)
        if bad.any():
            raise DataValueError(
                f"times_s {t[bad].tolist()} lie outside the session ({seq.t0_s:.3f}-"
                f"{seq.t0_s + seq.duration_s:.3f} s on the image clock)")
    if idx.size == 0:
        raise DataValueError("render_still needs at least one time or n_keyframes >= 1")
    panel = PanelRenderer(seq.frames, lab, height=size, pixel_spacing_mm=seq.pixel_spacing_mm,
                          show=show, colors=colors, line_width=line_width,
                          window=intensity_window(seq.frames), legend=False)
    ncol = int(columns) if columns else min(3, idx.size)
    nrow = int(np.ceil(idx.size / ncol))
    gap = max(4, size // 40)
    fpx = max(11, size // 18)
    head = render_text(session.session_id if title is None else title, int(fpx * 1.3), pad=gap)
    legend = (legend_rgba([(label_name(v).replace("_", " "), c) for v, c in panel.structures],
                          font_px=fpx) if panel.structures else None)
    head_h = head.shape[0]
    width = ncol * panel.width + (ncol + 1) * gap
    height = head_h + nrow * panel.height + (nrow + 1) * gap
    if legend is not None and legend.shape[0] + gap > head_h:
        head_h = legend.shape[0] + gap
        height = head_h + nrow * panel.height + (nrow + 1) * gap
    canvas = np.full((height, width, 3), 16, np.uint8)
    paste_rgba(canvas, head, 0, 0)
    if legend is not None:
        paste_rgba(canvas, legend, gap // 2, width - legend.shape[1] - gap)
    clock = audio_clock(session) if acoustics is not None else None
    for i, k in enumerate(idx):
        r, c = divmod(i, ncol)
        y = head_h + gap + r * (panel.height + gap)
        x = gap + c * (panel.width + gap)
        tile = canvas[y:y + panel.height, x:x + panel.width]
        panel.render_into(tile, float(k))
        t_img = float(seq.times[k])
        caption = f"{t_img:.2f} s"
        if acoustics is not None and "f0_hz" in acoustics and len(acoustics):
            ta = clock.audio_to_frame_time(acoustics["time_s"].to_numpy(float))
            j = int(np.argmin(np.abs(ta - t_img)))
            f0 = float(acoustics["f0_hz"].iloc[j])
            if np.isfinite(f0) and abs(ta[j] - t_img) <= 1.0 / seq.fps:
                caption += f"  f0 {f0:.0f} Hz"
        cap = render_text(caption, fpx, background=(0, 0, 0, 160), pad=3)
        paste_rgba(tile, cap, panel.height - cap.shape[0] - 3, 3)
    out_png = Path(out_png)
    with atomic_path(out_png) as tmp:
        Image.fromarray(canvas).save(tmp, format="PNG")
    return out_png
