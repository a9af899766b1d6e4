"""The strip under the MRI: spectrogram with f0 and formant tracks, measure traces, moving cursor.

The strip's background (spectrogram, tracks, axes, labels) is drawn ONCE per clip with matplotlib's
object-oriented API (no pyplot state) into an RGB array; per frame only a copy and a cursor line are
needed. Times on the strip are on the *image* clock; acoustic times (audio clock) are converted with
the session's :class:`~vtract.clock.Clock` (offset and drift).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..audio import Audio
from ..clock import Clock

__all__ = ["Strip", "spectrogram_db", "MIN_STRIP_HEIGHT"]

#: smallest strip (pixels) that fits axes, ticks and labels.
MIN_STRIP_HEIGHT = 60

_BG = "#101010"
_FORMANT_COLORS = ("#ffffff", "#ffd0a0", "#a0ffd0", "#d0a0ff")
_F0_COLOR = "#00e5ff"
_TRACE_COLORS = ("#ff9f1c", "#2ec4b6", "#e71d36", "#b5e48c", "#f4acb7")


def spectrogram_db(audio: Audio, start_s: float, end_s: float, *, max_hz: float = 5000.0,
                   window_s: float = 0.005, dynamic_range_db: float = 60.0
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wide-band spectrogram of an audio span, computed once with Praat (parselmouth).

    Parameters
    ----------
    audio : Audio
        The recording.
    start_s, end_s : float
        Span on the audio clock in s (parts outside the recording are silent).
    max_hz : float
        Highest frequency in Hz.
    window_s : float
        Analysis window length in s (5 ms: wide-band, shows formants).
    dynamic_range_db : float
        Values more than this below the maximum are clipped, in dB.

    Returns
    -------
    times_s : ndarray, shape (n_t,)
        Analysis frame centres on the audio clock (s).
    freqs_hz : ndarray, shape (n_f,)
        Bin centre frequencies (Hz).
    power_db : ndarray, shape (n_f, n_t)
        Power in dB relative to the maximum (0 = max, >= -dynamic_range_db).
    """
    import parselmouth

    sr = audio.sample_rate_hz
    i0 = int(np.floor(start_s * sr))
    i1 = int(np.ceil(end_s * sr))
    seg = np.zeros(max(i1 - i0, int(4 * window_s * sr) + 1))  # Praat needs a few windows
    a, b = max(i0, 0), min(i1, audio.n_samples)
    if b > a:
        seg[a - i0:b - i0] = audio.samples[a:b]
    snd = parselmouth.Sound(seg, sampling_frequency=sr, start_time=i0 / sr)
    snd.pre_emphasize()
    spec = snd.to_spectrogram(window_length=window_s, maximum_frequency=min(max_hz, sr / 2),
                              time_step=max((end_s - start_s) / 1500, 0.001))
    power = np.asarray(spec.values, dtype=float)
    db = 10 * np.log10(power + 1e-20)
    db -= max(float(db.max()), -100.0)  # a silent span stays dark instead of normalising noise up
    np.maximum(db, -dynamic_range_db, out=db)
    return np.asarray(spec.xs()), np.asarray(spec.ys()), db


class Strip:
    """Pre-rendered strip for one clip plus a per-frame cursor.

    Parameters
    ----------
    width, height : int
        Strip size in output pixels.
    t_start, t_end : float
        Clip span on the image clock in s.
    audio : Audio or None
        Recording for the spectrogram.
    clock : Clock or None
        The session's clock (:attr:`vtract.Session.clock`: offset and drift) that maps the audio
        clock to the image clock; None when both clocks are the same.
    acoustics : DataFrame or None
        ``time_s`` on the audio clock, ``f0_hz``, ``f1_hz``..``f4_hz`` (columns may be missing).
    measures : DataFrame or None
        Per-frame table with ``time_s`` (image clock) and the columns named in ``traces``.
    traces : sequence of str
        Measure columns to plot (missing or all-NaN ones are skipped).
    formants : sequence of int
        Formant numbers to draw (1-4).
    """

    def __init__(self, width: int, height: int, *, t_start: float, t_end: float,
                 audio: Audio | None = None, clock: Clock | None = None,
                 acoustics: pd.DataFrame | None = None, measures: pd.DataFrame | None = None,
                 traces: Sequence[str] = (), formants: Sequence[int] = (1, 2, 3, 4),
                 max_hz: float = 5000.0) -> None:
        from ..errors import DataValueError

        self.width, self.height = int(width), int(height)
        if self.height < MIN_STRIP_HEIGHT or self.width < 4 * MIN_STRIP_HEIGHT // 2:
            raise DataValueError(f"strip of {self.width}x{self.height} px is too small; use a "
                                 f"height >= {MIN_STRIP_HEIGHT} px (or strip_height=0 for none)")
        self.t_start, self.t_end = float(t_start), float(t_end)
        self._clock = Clock(audio_offset_s=0.0, fps=1.0) if clock is None else clock
        traces = [c for c in traces if measures is not None and c in measures
                  and np.isfinite(pd.to_numeric(measures[c], errors="coerce")).any()]
        self.traces = traces
        self.has_audio = audio is not None
        self.image, self._x_of_t, (self._y0, self._y1) = self._draw(
            audio, acoustics, measures, traces, formants, max_hz)

    # -- static background -----------------------------------------------------------------
    def _draw(self, audio, acoustics, measures, traces, formants, max_hz):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        dpi = 100
        fig = Figure(figsize=(self.width / dpi, self.height / dpi), dpi=dpi, facecolor=_BG)
        FigureCanvasAgg(fig)
        fs = float(np.clip(self.height / 22, 6.0, 14.0))
        left, right = 46 / self.width * fs / 9, 1 - 44 / self.width * fs / 9
        bottom = 2.6 * fs / self.height * 1.4
        top = 1 - 0.6 * fs / self.height
        n_spec = 1 if audio is not None else 0
        n_tr = 1 if traces else 0
        panels = []
        if n_spec + n_tr == 0:
            ax = fig.add_axes((left, bottom, right - left, top - bottom))
            ax.text(0.5, 0.5, "no audio", color="0.6", ha="center", va="center",
                    transform=ax.transAxes, fontsize=fs)
            panels.append(ax)
        else:
            weights = [0.65] * n_spec + [0.35 if n_spec else 1.0] * n_tr
            total = sum(weights)
            gap = 0.2 * fs / self.height
            y = top
            for wgt in weights:
                h = (top - bottom - gap * (len(weights) - 1)) * wgt / total
                panels.append(fig.add_axes((left, y - h, right - left, h)))
                y -= h + gap
        for ax in panels:
            ax.set_facecolor(_BG)
            ax.set_xlim(self.t_start, self.t_end)
            ax.tick_params(colors="0.8", labelsize=fs * 0.85, length=3)
            for sp in ax.spines.values():
                sp.set_color("0.5")
        for ax in panels[:-1]:
            ax.tick_params(labelbottom=False)
        panels[-1].set_xlabel("time (s)", color="0.8", fontsize=fs * 0.9, labelpad=1)
        if audio is not None:
            self._draw_spectrogram(panels[0], audio, acoustics, formants, max_hz, fs)
        if traces:
            self._draw_traces(panels[-1], measures, traces, fs)
        fig.canvas.draw()
        img = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
        # Pixel mapping of the time axis (display coordinates: origin bottom-left).
        tr = panels[0].transData
        (xa, _), (xb, _) = tr.transform([(self.t_start, 0.0), (self.t_end, 0.0)])
        scale = (xb - xa) / (self.t_end - self.t_start)
        y_top = self.height - panels[0].bbox.y1
        y_bot = self.height - panels[-1].bbox.y0
        return img, (lambda t: xa + (t - self.t_start) * scale), (int(y_top), int(np.ceil(y_bot)))

    def _draw_traces(self, ax, measures, traces, fs) -> None:
        """Measure traces: the first on the left axis, the others on a right axis, each in colour."""
        t = pd.to_numeric(measures["time_s"], errors="coerce").to_numpy()
        axes = [ax] if len(traces) == 1 else [ax, ax.twinx()]
        handles = []
        for i, col in enumerate(traces):
            a = axes[min(i, 1)]
            color = _TRACE_COLORS[i % len(_TRACE_COLORS)]
            (h,) = a.plot(t, pd.to_numeric(measures[col], errors="coerce").to_numpy(), color=color,
                          lw=1.6, label=col.removesuffix("_mm").replace("_", " ") + " (mm)")
            handles.append(h)
        for i, a in enumerate(axes):
            a.set_xlim(self.t_start, self.t_end)
            color = _TRACE_COLORS[i] if len(traces) <= 2 else "0.8"
            a.tick_params(axis="y", colors=color, labelsize=fs * 0.8, length=2)
            a.margins(y=0.15)
        for sp in axes[-1].spines.values():
            sp.set_color("0.5")
        ax.legend(handles=handles, loc="upper left", fontsize=fs * 0.75, frameon=True,
                  facecolor=_BG, edgecolor="0.4", labelcolor="0.9", ncol=len(traces),
                  borderpad=0.2, handlelength=1.2).set_zorder(5)

    def _draw_spectrogram(self, ax, audio, acoustics, formants, max_hz, fs) -> None:
        a0, a1 = (float(x) for x in self._clock.frame_to_audio_time([self.t_start, self.t_end]))
        ts, fr, db = spectrogram_db(audio, a0, a1, max_hz=max_hz)
        ax.imshow(db, origin="lower", aspect="auto", cmap="magma", interpolation="bilinear",
                  extent=(*self._clock.audio_to_frame_time([ts[0], ts[-1]]).tolist(), fr[0], fr[-1]))
        ax.set_xlim(self.t_start, self.t_end)
        ax.set_ylim(0, fr[-1])
        ax.set_ylabel("kHz", color="0.8", fontsize=fs * 0.9, labelpad=1)
        ticks = np.arange(0, fr[-1] + 1, 1000.0)
        ax.set_yticks(ticks, [f"{v / 1000:g}" for v in ticks])
        if acoustics is None or "time_s" not in acoustics:
            return
        t = self._clock.audio_to_frame_time(pd.to_numeric(acoustics["time_s"], errors="coerce"))
        keep = (t >= self.t_start) & (t <= self.t_end)
        if "f0_hz" in acoustics:  # formants only where there is a tone (voiced / sounding)
            voiced = np.isfinite(pd.to_numeric(acoustics["f0_hz"], errors="coerce").to_numpy())
            if voiced.any():
                keep &= voiced
        f0_keep = (t >= self.t_start) & (t <= self.t_end)
        for i in formants:
            col = f"f{i}_hz"
            if col in acoustics:
                f = pd.to_numeric(acoustics[col], errors="coerce").to_numpy()
                ax.plot(t[keep], f[keep], ls="none", marker="o", ms=max(1.2, fs / 7),
                        color=_FORMANT_COLORS[(i - 1) % 4], label=f"F{i}")
        if "f0_hz" in acoustics:
            f0 = pd.to_numeric(acoustics["f0_hz"], errors="coerce").to_numpy()
            ax2 = ax.twinx()
            ax2.set_xlim(self.t_start, self.t_end)
            good = f0[f0_keep][np.isfinite(f0[f0_keep])]
            lo, hi = (50.0, 1000.0) if good.size == 0 else (max(30.0, good.min() / 1.3),
                                                           max(good.max() * 1.3, good.min() * 2))
            ax2.set_yscale("log")
            ax2.set_ylim(lo, hi)
            ax2.plot(t[f0_keep], f0[f0_keep], color=_F0_COLOR, lw=2.0, label="f0")
            ax2.set_ylabel("f0 (Hz)", color=_F0_COLOR, fontsize=fs * 0.9, labelpad=1)
            ax2.tick_params(colors=_F0_COLOR, which="both", labelsize=fs * 0.8, length=2)
            from matplotlib.ticker import LogLocator, ScalarFormatter

            ax2.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax2.yaxis.set_major_formatter(ScalarFormatter())
            ax2.yaxis.set_minor_formatter(ScalarFormatter() if hi / lo < 3 else "")
            for sp in ax2.spines.values():
                sp.set_visible(False)
        handles, names = ax.get_legend_handles_labels()
        if handles:
            ax.legend(loc="upper left", fontsize=fs * 0.7, frameon=True, facecolor=_BG,
                      edgecolor="0.4", labelcolor="0.9", ncol=len(handles), markerscale=2,
                      borderpad=0.2, handletextpad=0.2, columnspacing=0.6)

    # -- per frame -------------------------------------------------------------------------
    def x_of_t(self, t: float) -> float:
        """Strip column (pixels, may be fractional) of image-clock time ``t`` in s."""
        return float(self._x_of_t(t))

    def render_into(self, out: np.ndarray, t: float, color=(255, 255, 255)) -> None:
        """Copy the strip into ``out`` (height, width, 3) uint8 and draw the cursor at time ``t``."""
        out[...] = self.image
        x = self.x_of_t(t)  # display coordinates: pixel column c spans [c, c + 1)
        y0, y1 = self._y0, self._y1
        col = np.asarray(color, np.float32)
        # 2-pixel-wide cursor centred on x, edge columns weighted by their coverage (antialiasing).
        for c in range(int(np.floor(x - 1)), int(np.ceil(x + 1))):
            a = min(c + 1, x + 1) - max(c, x - 1)
            if 0 <= c < self.width and a > 0:
                seg = out[y0:y1, c].astype(np.float32)
                out[y0:y1, c] = np.rint(seg + min(a, 1.0) * (col - seg))
