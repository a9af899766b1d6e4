"""Static PNG figures of the report (matplotlib, Agg), in the Okabe-Ito colour-blind-safe palette.

The session figures that share the time axis (sound and measures) use the same width and the same
left/right margins, so one playhead position (fraction of the image width) marks the same moment
on both; :data:`AXES_X` gives those margins to the page's script.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .._atomic import atomic_path
from ._text import MEASURES, OKABE_ITO

__all__ = ["AXES_X", "okabe_ito", "save_png", "keyframes_png", "sound_png", "measures_png",
           "group_figure", "STRUCTURE_COLORS"]

#: left and right edge of the time axes, as fractions of the figure width (sound and measures)
AXES_X = (0.095, 0.975)
#: figure width in inches (at :data:`DPI`)
WIDTH_IN = 10.0
DPI = 100
#: contour colours of the key-frame stills (Okabe-Ito; the same hues as the video's defaults)
STRUCTURE_COLORS = {"airway": (86, 180, 233), "tongue": (213, 94, 0), "hard_palate": (240, 228, 66),
                    "velum": (0, 158, 115)}


@contextlib.contextmanager
def okabe_ito() -> Iterator[None]:
    """Matplotlib settings of every report figure: Okabe-Ito colour cycle, readable font sizes."""
    import matplotlib as mpl
    from cycler import cycler

    cyc = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple",
                                  "sky_blue", "yellow", "black")]
    with mpl.rc_context({"axes.prop_cycle": cycler(color=cyc), "font.size": 10,
                         "axes.titlesize": 11, "axes.labelsize": 10, "axes.spines.top": False,
                         "axes.spines.right": False}):
        yield


def save_png(fig: Figure, path: str | os.PathLike) -> Path:
    """Write a figure as PNG atomically (fixed DPI, no metadata so unchanged figures are identical)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        # zlib level 3: a third faster than the default 6 for these figures, files 1% larger
        fig.savefig(tmp, dpi=DPI, format="png", metadata={"Software": None},
                    pil_kwargs={"compress_level": 3})
    return path


def keyframes_png(session, labels, acoustics, path: str | os.PathLike, *, n: int = 6) -> Path:
    """Key frames spread over the session with coloured contours (:func:`vtract.video.render_still`)."""
    from ..video import render_still

    return render_still(session, path, labels=labels, acoustics=acoustics, n_keyframes=n,
                        size=200, columns=3, colors=STRUCTURE_COLORS,
                        title=f"{session.session_id}: key frames")


def _title(ax, text: str) -> None:
    # a text artist instead of ax.set_title: matplotlib re-positions titles against the tick labels
    # on every draw, which costs a third of the drawing time of a six-panel figure
    ax.text(0.0, 1.02, text, transform=ax.transAxes, ha="left", va="bottom", fontsize=10)


def _time_axes(fig: Figure, n: int, heights: Sequence[float]) -> list:
    gs = fig.add_gridspec(n, 1, height_ratios=heights, left=AXES_X[0], right=AXES_X[1],
                          top=0.95, bottom=0.1 if n < 4 else 0.07, hspace=0.25)
    axes = [fig.add_subplot(gs[i]) for i in range(n)]
    for ax in axes[1:]:
        ax.sharex(axes[0])
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    return axes


def sound_png(clean_audio, acoustics: pd.DataFrame | None, session, path: str | os.PathLike, *,
              max_hz: float = 5000.0) -> Path:
    """Spectrogram with formant and f0 tracks (top) and the pitch with note names (bottom).

    Time is the image clock (s from the first MRI frame), so it lines up with the video and the
    measures; audio times are converted with the session's clock (offset and drift).

    Parameters
    ----------
    clean_audio : vtract.Audio
        The noise-suppressed recording.
    acoustics : DataFrame or None
        ``acoustics.csv`` (audio clock).
    session : vtract.Session
        With ``audio_offset_s`` set.
    path : path
        Output PNG.
    max_hz : float
        Top of the spectrogram in Hz.

    Returns
    -------
    Path
    """
    from scipy.signal import spectrogram

    seq = session.sequence
    t_end = seq.t0_s + seq.duration_s
    clock = session.clock
    a0, a1 = (float(x) for x in clock.frame_to_audio_time(np.array([seq.t0_s, t_end])))
    x = clean_audio.crop(max(a0, 0.0), min(a1, clean_audio.duration_s))
    sr = float(x.sample_rate_hz)
    samples = np.asarray(x.samples, float)
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    nper = int(round(0.02 * sr))
    f, t, s = spectrogram(samples, fs=sr, window="hann", nperseg=nper, noverlap=nper - int(0.005 * sr))
    keep = f <= max_hz
    db = 10 * np.log10(s[keep] + 1e-20)
    top = float(np.percentile(db, 99.5))
    t_img = np.asarray(clock.audio_to_frame_time(t + max(a0, 0.0)), float)
    fig = Figure(figsize=(WIDTH_IN, 4.6))
    ax, ax2 = _time_axes(fig, 2, (1.6, 1.0))
    ax.imshow(db, origin="lower", aspect="auto", cmap="Greys", vmin=top - 60, vmax=top,
              extent=(t_img[0], t_img[-1], 0, f[keep][-1]), interpolation="bilinear")
    ax.set_ylabel("frequency (Hz)")
    ax.set_ylim(0, max_hz)
    _title(ax, "Sound: spectrogram (dark = loud) with formants F1-F3 and pitch (f0)")
    if acoustics is not None and "f0_hz" in acoustics:
        ta = np.asarray(clock.audio_to_frame_time(acoustics["time_s"].to_numpy(float)), float)
        sel = (ta >= seq.t0_s) & (ta <= t_end)
        marks = (("f1_hz", "F1", OKABE_ITO["orange"]), ("f2_hz", "F2", OKABE_ITO["sky_blue"]),
                 ("f3_hz", "F3", OKABE_ITO["bluish_green"]))
        for col, name, color in marks:
            if col in acoustics:
                ax.plot(ta[sel], acoustics[col].to_numpy(float)[sel], ".", ms=2.5, color=color,
                        label=name)
        f0 = acoustics["f0_hz"].to_numpy(float)[sel]
        ax.plot(ta[sel], f0, "-", lw=1.8, color=OKABE_ITO["vermillion"], label="f0 (pitch)")
        ax.legend(loc="upper right", ncols=4, fontsize=8, markerscale=3, framealpha=0.85)
        ax2.plot(ta[sel], f0, "-", lw=1.8, color=OKABE_ITO["vermillion"])
        ok = np.isfinite(f0)
        if ok.any():
            lo, hi = np.nanpercentile(f0, [1, 99])
            midi = np.arange(np.floor(69 + 12 * np.log2(lo / 440)) - 1,
                             np.ceil(69 + 12 * np.log2(hi / 440)) + 2)
            from ..acoustics import note_name

            step = max(1, int(np.ceil(len(midi) / 8)))
            ticks = midi[::step]
            ax2.set_yscale("log")
            hz = 440 * 2 ** ((ticks - 69) / 12)
            ax2.set_yticks(hz, [f"{note_name(m)}  {h:.0f}" for m, h in zip(ticks, hz)])
            ax2.minorticks_off()
            ax2.set_ylim(440 * 2 ** ((midi[0] - 69) / 12), 440 * 2 ** ((midi[-1] - 69) / 12))
            ax2.grid(axis="y", alpha=0.3)
    ax2.set_ylabel("pitch: note, Hz")
    ax2.set_xlabel("time (s from the first MRI frame)")
    ax.set_xlim(seq.t0_s, t_end)
    return save_png(fig, path)


def measures_png(measures: pd.DataFrame, session, path: str | os.PathLike,
                 check_times: Sequence[float] = ()) -> Path:
    """Plot the six page measures over time, one panel each, "up" meaning up in the head.

    Parameters
    ----------
    measures : DataFrame
        ``measures.csv`` (``time_s`` on the image clock).
    session : vtract.Session
        For the time span.
    path : path
        Output PNG.
    check_times : sequence of float
        Image-clock times of frames to check (marked with a light band).

    Returns
    -------
    Path
    """
    seq = session.sequence
    fig = Figure(figsize=(WIDTH_IN, 7.2))
    axes = _time_axes(fig, len(MEASURES), [1.0] * len(MEASURES))
    t = measures["time_s"].to_numpy(float)
    half = 0.5 / seq.fps
    for ax, spec in zip(axes, MEASURES):
        if spec.column in measures:
            v = measures[spec.column].to_numpy(float)
            ax.plot(t, v, "-", color=spec.color, lw=1.6)
            if not np.isfinite(v).any():
                ax.text(0.5, 0.5, "not measured in this session", transform=ax.transAxes,
                        ha="center", va="center", color="0.4")
        else:
            ax.text(0.5, 0.5, "not available", transform=ax.transAxes, ha="center", va="center")
        for tc in check_times:
            ax.axvspan(tc - half, tc + half, color="0.85", lw=0, zorder=0)
        ax.yaxis.set_major_locator(MaxNLocator(3))
        if spec.invert:
            ax.invert_yaxis()
        ax.set_ylabel(spec.unit)
        arrow = "↑ " + spec.up.split("=", 1)[1].strip().split("(")[0].strip()
        _title(ax, f"{spec.name}   ({arrow})")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s from the first MRI frame)")
    axes[0].set_xlim(seq.t0_s, seq.t0_s + seq.duration_s)
    return save_png(fig, path)


def group_figure(per_session: pd.DataFrame, by: str, order: Sequence[str]) -> Figure:
    """Session medians of the six page measures per group: a box per group, a dot per session.

    Same names, units and "up = up in the head" axes as the session pages; dots are coloured and
    shaped by subject (Okabe-Ito colours plus marker shapes, so colour is never the only cue).

    Parameters
    ----------
    per_session : DataFrame
        One row per session with ``by``, ``subject`` (optional) and the measure columns.
    by : str
        Group column.
    order : sequence of str
        Group order on the x axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    specs = [m for m in MEASURES if m.column in per_session and per_session[m.column].notna().any()]
    ncol = 3
    nrow = max(1, int(np.ceil(len(specs) / ncol)))
    fig = Figure(figsize=(WIDTH_IN, 2.9 * nrow + 0.4), layout="constrained")
    subjects = (sorted(per_session["subject"].dropna().astype(str).unique())
                if "subject" in per_session else [])
    palette = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple",
                                      "sky_blue", "black")]
    markers = "os^Dv<>"
    x_of = {g: i for i, g in enumerate(order)}
    for i, spec in enumerate(specs):
        ax = fig.add_subplot(nrow, ncol, i + 1)
        data = [per_session.loc[per_session[by].astype(str) == g, spec.column].dropna().to_numpy(float)
                for g in order]
        ax.boxplot(data, positions=range(len(order)), widths=0.5, showfliers=False,
                   medianprops={"color": "0.2"}, boxprops={"color": "0.5"}, whiskerprops={"color": "0.5"},
                   capprops={"color": "0.5"})
        for j, subj in enumerate(subjects or [None]):
            sel = per_session if subj is None else per_session[per_session["subject"].astype(str) == subj]
            xs = np.array([x_of.get(str(g), np.nan) for g in sel[by]], float)
            jitter = (j - (len(subjects) - 1) / 2) * 0.06 if subjects else 0.0
            ax.plot(xs + jitter, sel[spec.column].to_numpy(float), markers[j % len(markers)],
                    color=palette[j % len(palette)], ms=5, label=subj if subj else None, alpha=0.9)
        ax.set_xticks(range(len(order)), list(order))
        if spec.invert:
            ax.invert_yaxis()
        arrow = spec.up.split("=", 1)[1].strip().split("(")[0].strip()
        ax.set_title(f"{spec.name} ({spec.unit})\n↑ {arrow}", fontsize=9.5, loc="left")
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.grid(axis="y", alpha=0.3)
    if subjects:
        handles, labels = fig.axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, title="subject", loc="outside right upper", fontsize=8)
    return fig
