"""Reusable figures: per-session QC figures and montages, group comparisons, and :func:`save_figure`.

Figures are built on :class:`matplotlib.figure.Figure` directly (no ``pyplot`` state), so they are safe
in worker processes and threads and need no display. Save them with :func:`save_figure` (atomic).

Examples
--------
>>> from vtract.plotting import group_boxplot, save_figure          # doctest: +SKIP
>>> fig = group_boxplot(per_session, ["larynx_height_mm"], by="style")  # doctest: +SKIP
>>> save_figure(fig, "larynx_by_style")  # PDF, PNG, SVG                # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ._atomic import atomic_path
from .labels import LABEL_COLORS, LABELS

__all__ = ["qc_figure", "group_boxplot", "save_figure", "overlay_montage", "label_overlay",
           "pretty_name", "FIGURE_FORMATS"]

_UNITS = {"_mm2": "mm²", "_mm": "mm", "_hz": "Hz", "_db": "dB", "_cents": "cents", "_s": "s"}


def pretty_name(column: str) -> str:
    """``"larynx_height_mm"`` -> ``"larynx height (mm)"`` (unit from the name suffix).

    Parameters
    ----------
    column : str
        Column name with a unit suffix (``_mm``, ``_mm2``, ``_hz``, ``_db``, ``_cents``, ``_s``).

    Returns
    -------
    str
        Axis label.
    """
    for suffix, unit in _UNITS.items():
        if column.endswith(suffix):
            return f"{column[: -len(suffix)].replace('_', ' ')} ({unit})"
    return column.replace("_", " ")


def label_overlay(frame: np.ndarray, labels: np.ndarray | None = None, alpha: float = 0.45) -> np.ndarray:
    """Grey frame as RGB with label colours blended in.

    Parameters
    ----------
    frame : ndarray, shape (ny, nx)
        Intensities (any range; scaled by its 1st-99th percentiles).
    labels : ndarray of uint8, shape (ny, nx), optional
        Label map (values from :mod:`vtract.labels`; 0 is left transparent).
    alpha : float
        Opacity of the label colours, 0-1.

    Returns
    -------
    ndarray, shape (ny, nx, 3), float in [0, 1]
    """
    f = np.asarray(frame, dtype=float)
    lo, hi = np.percentile(f, [1, 99])
    g = np.clip((f - lo) / (hi - lo if hi > lo else 1.0), 0, 1)
    rgb = np.repeat(g[..., None], 3, axis=-1)
    if labels is not None:
        lab = np.asarray(labels)
        for value, color in LABEL_COLORS.items():
            mask = lab == value
            if value and mask.any():
                rgb[mask] = (1 - alpha) * rgb[mask] + alpha * np.asarray(color, float)[:3] / 255.0
    return rgb


def qc_figure(frames: np.ndarray, times: np.ndarray, *, labels: np.ndarray | None = None,
              traces: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
              f0: tuple[np.ndarray, np.ndarray] | None = None, n_montage: int = 6,
              flagged: np.ndarray | None = None, title: str = "") -> Figure:
    """Draw a session's QC figure: a montage of frames (with labels) above time traces.

    Parameters
    ----------
    frames : ndarray, shape (n_frames, ny, nx)
        The sequence in the canonical view.
    times : ndarray, shape (n_frames,)
        Frame centres in s (image clock).
    labels : ndarray, shape (n_frames, ny, nx), optional
        Label maps to overlay.
    traces : dict of name -> (time_s, values), optional
        Per-frame series to plot against time (e.g. measures in mm); the name's suffix gives the unit.
    f0 : (time_s, f0_hz), optional
        Pitch track on the image clock, drawn in its own panel.
    n_montage : int
        Number of evenly spaced frames in the montage.
    flagged : ndarray of bool, shape (n_frames,), optional
        Frames flagged by segmentation QC; shaded in the trace panels and marked in the montage.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    frames = np.asarray(frames)
    times = np.asarray(times, dtype=float)
    bad = None if flagged is None else np.asarray(flagged, dtype=bool)
    n = len(frames)
    idx = np.unique(np.linspace(0, n - 1, min(n_montage, n)).round().astype(int))
    traces = dict(traces or {})
    n_rows = 1 + (1 if traces else 0) + (1 if f0 is not None else 0)
    fig = Figure(figsize=(2.0 * max(len(idx), 3), 2.2 * n_rows + 0.4), layout="constrained")
    gs = fig.add_gridspec(n_rows, len(idx))
    for j, k in enumerate(idx):
        ax = fig.add_subplot(gs[0, j])
        ax.imshow(label_overlay(frames[k], None if labels is None else labels[k]),
                  interpolation="nearest")
        flag = " (flagged)" if bad is not None and bad[k] else ""
        ax.set_title(f"frame {k}  {times[k]:.2f} s{flag}", fontsize=8,
                     color="tab:red" if flag else "black")
        ax.set_axis_off()
    row = 1
    if traces:
        ax = fig.add_subplot(gs[row, :])
        for name, (t, y) in traces.items():
            ax.plot(t, y, lw=1, label=pretty_name(name))
        ax.set_xlabel("time (s)")
        if bad is not None and bad.any():
            ax.fill_between(times, 0, 1, where=bad, transform=ax.get_xaxis_transform(),
                            color="tab:red", alpha=0.12, step="mid", lw=0,
                            label=f"QC-flagged frames ({bad.mean():.0%})")
        ax.legend(fontsize=7, ncol=min(len(traces) + 1, 3), loc="upper right")
        ax.grid(alpha=0.3)
        row += 1
    if f0 is not None:
        ax = fig.add_subplot(gs[row, :])
        ax.plot(f0[0], f0[1], ".", ms=2, color="tab:red")
        ax.set_ylabel("f0 (Hz)")
        ax.set_xlabel("time (s, image clock)")
        ax.set_xlim(times[0] - 0.5 * (times[1] - times[0] if n > 1 else 0), times[-1])
        ax.grid(alpha=0.3)
    if labels is not None:
        present = sorted(int(v) for v in np.unique(labels[idx]) if v)
        handles = [_patch(LABEL_COLORS[v], LABELS.get(v, str(v))) for v in present if v in LABEL_COLORS]
        if handles:
            fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6), fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def _patch(color: Sequence[int], label: str):
    from matplotlib.patches import Patch

    return Patch(color=np.asarray(color, float)[:3] / 255.0, label=label)


def group_boxplot(table: pd.DataFrame, columns: Sequence[str], by: str, *,
                  order: Sequence[str] | None = None, title: str = "",
                  point_label: str | None = "subject") -> Figure:
    """One panel per column: a box per group plus one dot per row (e.g. per session).

    Parameters
    ----------
    table : DataFrame
        Typically one row per session (session means of per-frame measures) with a group column.
    columns : sequence of str
        Value columns to compare (units from their suffix).
    by : str
        The grouping column, e.g. ``"style"`` or ``"instrument"``.
    order : sequence of str, optional
        Group order on the x axis (default: sorted).
    title : str
        Figure title.
    point_label : str or None
        Column whose values give the dots distinct markers (e.g. subjects), if present.

    Returns
    -------
    matplotlib.figure.Figure
    """
    data = table.dropna(subset=[by])
    groups = list(order) if order is not None else sorted(data[by].astype(str).unique())
    columns = [c for c in columns if c in data.columns]
    fig = Figure(figsize=(3.2 * max(len(columns), 1), 3.4), layout="constrained")
    markers = "osD^vP*X"
    subjects = sorted(data[point_label].astype(str).unique()) if point_label in data else []
    rng = np.random.default_rng(0)  # fixed jitter so figures are reproducible
    for i, col in enumerate(columns):
        ax = fig.add_subplot(1, len(columns), i + 1)
        values = [data.loc[data[by].astype(str) == g, col].dropna().to_numpy(float) for g in groups]
        ax.boxplot(values, tick_labels=groups, widths=0.55, showfliers=False)
        for j, g in enumerate(groups):
            sel = data[data[by].astype(str) == g].dropna(subset=[col])
            x = j + 1 + rng.uniform(-0.12, 0.12, len(sel))
            m = [markers[subjects.index(str(s)) % len(markers)] for s in sel[point_label]] \
                if subjects else ["o"] * len(sel)
            for xi, yi, mi in zip(x, sel[col].to_numpy(float), m):
                ax.plot(xi, yi, mi, ms=4, alpha=0.75, color="tab:blue")
        ax.set_ylabel(pretty_name(col))
        ax.set_xlabel(by)
        ax.grid(axis="y", alpha=0.3)
    if subjects:
        from matplotlib.lines import Line2D

        fig.legend(handles=[Line2D([], [], ls="", marker=markers[k % len(markers)], color="tab:blue",
                                   label=s) for k, s in enumerate(subjects)],
                   loc="outside right center", fontsize=7, title=point_label)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


#: file formats :func:`save_figure` recognises as a suffix
FIGURE_FORMATS = ("pdf", "png", "svg", "eps", "jpg", "tif", "tiff")


def save_figure(fig: Figure, path: str | os.PathLike, formats: Sequence[str] | None = None, *,
                dpi: int = 300) -> dict[str, Path]:
    """Save a figure atomically, in one format or several (reproducible files, no timestamps).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : path
        Output path. With a format suffix (``qc.png``) and no ``formats``, that one file is
        written; without one (``figures/larynx``), PDF (vector), PNG (raster) and SVG (vector,
        editable text). Parent folders are created.
    formats : sequence of str, optional
        Matplotlib formats to write (the suffix of ``path``, if any, is replaced).
    dpi : int
        Resolution of raster output (dots per inch).

    Returns
    -------
    dict of str -> Path
        The written file per format.

    Examples
    --------
    >>> save_figure(fig, "figures/larynx")           # doctest: +SKIP
    {'pdf': ..., 'png': ..., 'svg': ...}
    >>> save_figure(fig, "qc.png", dpi=120)["png"]   # doctest: +SKIP
    """
    stem = Path(path)
    suffix = stem.suffix.lstrip(".").lower()
    if suffix in FIGURE_FORMATS:
        stem = stem.with_suffix("")
        if formats is None:
            formats = (suffix,)
    if formats is None:
        formats = ("pdf", "png", "svg")
    stem.parent.mkdir(parents=True, exist_ok=True)
    # No creation dates / software stamps, so re-running a notebook gives byte-identical vector files.
    meta = {"pdf": {"CreationDate": None, "Producer": None}, "svg": {"Date": None},
            "png": {"Software": None}}
    written = {}
    for fmt in formats:
        fmt = fmt.lower().lstrip(".")
        out = stem.with_name(f"{stem.name}.{fmt}")
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=meta.get(fmt), bbox_inches="tight")
        written[fmt] = out
    return written


def overlay_montage(seg, path: str | os.PathLike, *, n_panels: int = 12,
                    frames: list[int] | None = None, ncols: int = 4, alpha: float = 0.35) -> Path:
    """Save a PNG montage of frames with label overlay, walls and midline.

    Parameters
    ----------
    seg : Segmentation
        The segmentation (its sequence, labels, contours, flags and confidence are shown).
    path : path-like
        Output PNG.
    n_panels : int
        Frames shown (evenly spaced) when ``frames`` is not given.
    frames : list of int, optional
        Frame indices to show.
    ncols : int
        Panels per row.
    alpha : float
        Overlay opacity (0-1).

    Returns
    -------
    Path
        ``path``.
    """
    n = seg.n_frames
    idx = list(frames) if frames is not None else sorted(
        set(np.linspace(0, n - 1, min(n_panels, n)).round().astype(int).tolist()))
    nrows = int(np.ceil(len(idx) / ncols))
    ncols_eff = min(ncols, len(idx))
    fig = Figure(figsize=(3 * ncols_eff, 3 * nrows))
    axes = fig.subplots(nrows, ncols_eff, squeeze=False)
    lut = np.zeros((256, 4))
    for v, rgb in LABEL_COLORS.items():
        lut[v, :3] = np.array(rgb) / 255.0
        lut[v, 3] = alpha
    for ax in axes.ravel():
        ax.axis("off")
    for ax, k in zip(axes.ravel(), idx, strict=False):
        img = seg.sequence.frames[k]
        ax.imshow(img, cmap="gray", interpolation="nearest")
        ax.imshow(lut[seg.labels[k]], interpolation="nearest")
        c = seg.contours_px(k)
        ax.plot(c["upper_wall"][:, 0], c["upper_wall"][:, 1], "-", color="yellow", lw=0.8)
        ax.plot(c["lower_wall"][:, 0], c["lower_wall"][:, 1], "-", color="magenta", lw=0.8)
        ax.plot(c["midline"][:, 0], c["midline"][:, 1], "--", color="white", lw=0.5)
        ok = bool(seg.flags["ok"].iloc[k])
        ax.set_title(f"frame {k}  conf {seg.confidence[k]:.2f}" + ("" if ok else "  FLAG"),
                     fontsize=8, color="black" if ok else "red")
    fig.suptitle(f"{Path(seg.sequence.source).name if seg.sequence.source else 'sequence'}: "
                 "airway (cyan), tongue (red), palate (yellow), velum (green)", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    return path
