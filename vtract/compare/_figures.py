"""Publication figures: forest plots, formant tuning, single frames with labels and a frame browser."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def forest_plot(differences: pd.DataFrame, *, effect: str = "hedges_g", title: str = "") -> Figure:
    """Forest plot of standardised effects (one row per measure and contrast) with their CIs.

    Parameters
    ----------
    differences : DataFrame
        Output of :func:`compare_groups` / :func:`group_differences`.
    effect : {"hedges_g", "model_diff", "difference"}
        Which estimate to draw; ``hedges_g`` (dimensionless) puts measures of different units on one
        axis.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..plotting import pretty_name

    lo_col, hi_col = {"hedges_g": ("g_ci_low", "g_ci_high"), "model_diff": ("model_ci_low", "model_ci_high"),
                      "difference": ("difference_ci_low", "difference_ci_high")}[effect]
    d = differences.reset_index(drop=True)
    fig = Figure(figsize=(6.0, 0.9 + 0.32 * max(len(d), 1)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(d))[::-1]
    contrasts = list(dict.fromkeys(d["contrast"]))
    colors = {c: f"C{i}" for i, c in enumerate(contrasts)}
    for yi, (_, r) in zip(y, d.iterrows()):
        ax.errorbar(r[effect], yi, xerr=[[r[effect] - r[lo_col]], [r[hi_col] - r[effect]]], fmt="o",
                    color=colors[r["contrast"]], capsize=2, ms=4)
    ax.set_yticks(y, [f"{pretty_name(m)}" + (f"  [{c}]" if len(contrasts) > 1 else "")
                      for m, c in zip(d["measure"], d["contrast"])], fontsize=8)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set_xlabel({"hedges_g": "Hedges' g (95% CI)", "model_diff": "mixed-model difference",
                   "difference": "mean difference"}[effect]
                  + (f": {contrasts[0]}" if len(contrasts) == 1 else ""))
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def formant_tuning_plot(acoustics: pd.DataFrame, group: str, *, formant: str = "f1_hz",
                        max_harmonic: int = 6, max_points: int = 4000, seed: int = 0,
                        title: str = "") -> Figure:
    """Formant against f0 per group, with the harmonic lines ``F = n * f0`` (formant tuning).

    Points on a line mean the formant is tuned to that harmonic (e.g. F1 = 2 f0 in belting).

    Parameters
    ----------
    acoustics : DataFrame
        Per-analysis-frame features with ``f0_hz``, the formant column (Hz) and ``group``.
    group : str
        Column whose values get one panel each.
    formant : str
        Formant column, default ``"f1_hz"``.
    max_harmonic : int
        Highest harmonic line drawn.
    max_points : int
        Points drawn per panel at most (random subsample with ``seed``; keeps vector files small).
    seed : int
        Subsampling seed.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    d = acoustics.dropna(subset=["f0_hz", formant, group])
    groups = sorted(d[group].astype(str).unique())
    fig = Figure(figsize=(3.0 * max(len(groups), 1), 3.0), layout="constrained")
    rng = np.random.default_rng(seed)
    fmax = float(np.nanpercentile(d[formant], 99)) * 1.1 if len(d) else 1000.0
    f0max = float(np.nanpercentile(d["f0_hz"], 99)) * 1.1 if len(d) else 500.0
    for i, gname in enumerate(groups):
        ax = fig.add_subplot(1, len(groups), i + 1, sharey=fig.axes[0] if i else None)
        sel = d[d[group].astype(str) == gname]
        if len(sel) > max_points:
            sel = sel.iloc[np.sort(rng.choice(len(sel), max_points, replace=False))]
        ax.plot(sel["f0_hz"], sel[formant], ".", ms=1.5, alpha=0.4, color="tab:blue", rasterized=True)
        f = np.linspace(0, f0max, 50)
        for n in range(1, max_harmonic + 1):
            ax.plot(f, n * f, color="0.6", lw=0.7)
            if n * f0max * 0.9 < fmax:
                ax.text(f0max * 0.9, n * f0max * 0.9, f"{n}f0", fontsize=7, color="0.4")
        ax.set_xlim(0, f0max)
        ax.set_ylim(0, fmax)
        ax.set_title(gname, fontsize=9)
        ax.set_xlabel("f0 (Hz)")
        if i == 0:
            ax.set_ylabel(f"{formant.removesuffix('_hz').upper()} (Hz)")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def frame_figure(sequence, k: int, *, labels: np.ndarray | None = None,
                 contours: pd.DataFrame | None = None, measures: pd.DataFrame | None = None,
                 show: Sequence[str] = ("lip_aperture_mm", "jaw_opening_mm", "larynx_height_mm"),
                 size_in: float = 4.0) -> Figure:
    """One frame with its label overlay, contours and measure values (e.g. for a slider).

    Parameters
    ----------
    sequence : Sequence
        The image sequence (canonical view; ``pixel_spacing_mm`` converts contour mm to pixels).
    k : int
        Frame index (0-based).
    labels : ndarray of uint8, shape (n_frames, ny, nx), optional
        Label maps (e.g. ``Segmentation.labels`` or the batch's ``labels.nii.gz``).
    contours : DataFrame, optional
        Long contour table (``frame, structure, point, x_mm, y_mm``; the batch's ``contours.csv``).
    measures : DataFrame, optional
        Per-frame measures (``frame`` column); the ``show`` columns of frame ``k`` are printed.
    show : sequence of str
        Measure columns written into the title block.
    size_in : float
        Figure width in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..labels import LABEL_COLORS, LABELS
    from ..plotting import label_overlay

    frames = sequence.frames
    k = int(np.clip(k, 0, len(frames) - 1))
    ny, nx = frames.shape[1:]
    fig = Figure(figsize=(size_in, size_in * ny / nx + 0.5), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(label_overlay(frames[k], None if labels is None else labels[k], alpha=0.3),
              interpolation="nearest")
    if contours is not None and len(contours):
        row_mm, col_mm = sequence.pixel_spacing_mm or (1.0, 1.0)
        def norm(name: object) -> str:
            return str(name).lower().replace("_", " ")

        names = {norm(LABELS[v]): np.asarray(c, float)[:3] / 255.0 for v, c in LABEL_COLORS.items()
                 if v in LABELS}
        sel = contours[contours["frame"] == k]
        for i, (name, c) in enumerate(sel.groupby("structure", sort=False)):
            c = c.sort_values("point") if "point" in c else c
            color = names.get(norm(name), f"C{i % 10}")
            ax.plot(c["x_mm"] / col_mm, c["y_mm"] / row_mm, "-", lw=1.2, color=color, label=str(name))
        if len(sel):
            ax.legend(fontsize=6, loc="lower right", framealpha=0.6)
    ax.set_axis_off()
    title = f"frame {k}  t = {sequence.times[k]:.3f} s"
    if measures is not None and "frame" in measures:
        row = measures[measures["frame"] == k]
        if len(row):
            vals = [f"{c.removesuffix('_mm').replace('_', ' ')} {row.iloc[0][c]:.1f} mm"
                    for c in show if c in row]
            title += "\n" + ", ".join(vals)
    ax.set_title(title, fontsize=8)
    return fig


def frame_browser(sequence, *, labels: np.ndarray | None = None, contours: pd.DataFrame | None = None,
                  measures: pd.DataFrame | None = None, size_in: float = 4.0, dpi: int = 90):
    """Interactive frame browser for Jupyter: a slider over frames showing :func:`frame_figure`.

    Parameters
    ----------
    sequence : Sequence
        The image sequence.
    labels, contours, measures
        As in :func:`frame_figure`.
    size_in : float
        Figure width in inches.
    dpi : int
        Rendering resolution of the PNG shown in the widget.

    Returns
    -------
    ipywidgets.VBox
        A slider (frame index) above an image; display it as the last expression of a cell. Without
        a widget frontend (e.g. a static HTML export) only the first frame's image is seen -- show a
        montage (:func:`vtract.plotting.qc_figure`) beside it as a static fallback.
    """
    import io

    import ipywidgets as widgets

    def render(k: int) -> bytes:
        buf = io.BytesIO()
        frame_figure(sequence, k, labels=labels, contours=contours, measures=measures,
                     size_in=size_in).savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()

    slider = widgets.IntSlider(value=0, min=0, max=sequence.n_frames - 1, step=1, description="frame",
                               continuous_update=False)
    image = widgets.Image(value=render(0), format="png")
    slider.observe(lambda change: setattr(image, "value", render(change["new"])), names="value")
    return widgets.VBox([slider, image])
