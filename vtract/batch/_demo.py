"""The ``vtract demo`` main job: build the demo set, run the batch, draw comparisons, render videos."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import VtractError
from ._runner import BatchResult, run_batch
from ._steps import DEFAULT_STEPS

__all__ = ["run_demo", "DemoResult", "comparison_figures", "SINGING_MEASURES", "WIND_MEASURES"]

log = logging.getLogger("vtract.batch")

#: per-session mean measures compared across singing styles
SINGING_MEASURES = ("larynx_height_mm", "jaw_opening_mm", "lip_aperture_mm", "pharynx_width_oro_mm")
STYLE_ORDER = ("classical", "belting", "pop")
INSTRUMENT_ORDER = ("trumpet", "horn", "clarinet", "saxophone", "flute")
#: per-session mean measures compared across wind instruments
WIND_MEASURES = ("lip_aperture_mm", "jaw_opening_mm", "tongue_dorsum_height_mm", "larynx_height_mm")


@dataclass
class DemoResult:
    """Where ``vtract demo`` put things (``lines += ...`` in :meth:`report` prints them)."""

    out_dir: Path
    batch: BatchResult
    figures: list[Path] = field(default_factory=list)
    videos: list[Path] = field(default_factory=list)
    stills: list[Path] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    def report(self) -> str:
        """Return the "where to look" text printed by ``vtract demo``."""
        o = self.out_dir
        lines = [f"vtract demo: {self.batch.summary()}",
                 f"  sessions:        {o}/<session_id>/ (labels.nii.gz, measures.csv, acoustics.csv, "
                 "synced.csv, qc.png)",
                 f"  combined tables: {o}/measures.parquet, {o}/acoustics.parquet, "
                 f"{o}/synced.parquet, {o}/sessions.csv"]
        lines += [f"  figure:          {p}" for p in self.figures]
        lines += [f"  video:           {p}" for p in self.videos]
        lines += [f"  still:           {p}" for p in self.stills]
        if self.timings_s:
            lines.append("  time:            " + ", ".join(f"{k} {v:.0f} s"
                                                           for k, v in self.timings_s.items()))
        for sid, errors in self.batch.partial.items():
            lines += [f"  note: {sid}: {step} failed ({msg})" for step, msg in errors.items()]
        if self.batch.failed:
            lines.append(f"  FAILED sessions: {', '.join(self.batch.failed)} (see {o}/failures.csv)")
        return "\n".join(lines)


def comparison_figures(out_dir: str | os.PathLike) -> list[Path]:
    """Per-group box plots of session medians: singing styles and wind instruments.

    Session summaries come from :func:`vtract.compare.session_summary` (per-frame medians of the
    measures; vibrato extent from the acoustic table); they are also written to
    ``figures/session_summary.csv``.

    Parameters
    ----------
    out_dir : path
        A run folder with ``measures.parquet`` (and ``acoustics.parquet`` for vibrato).

    Returns
    -------
    list of Path
        The PNG files written to ``out_dir/figures/``.
    """
    from ..compare import session_summary
    from ..plotting import group_boxplot, save_figure
    from ..results import load_run

    out_dir = Path(out_dir)
    run = load_run(out_dir)
    measures = run.measures
    if measures is None:
        return []
    per = session_summary(measures, run.acoustics)
    written = []
    if "style" in per:
        sing = per[per["style"].notna()]
        cols = [*SINGING_MEASURES, "vibrato_extent_cents"]
        fig = group_boxplot(sing, cols, by="style", order=_order(sing["style"], STYLE_ORDER),
                            title="Singing styles (session medians, one dot per session)")
        written.extend(save_figure(fig, out_dir / "figures" / "singing_styles.png", dpi=120).values())
    if "instrument" in per:
        wind = per[per["instrument"].notna()]
        fig = group_boxplot(wind, WIND_MEASURES, by="instrument",
                            order=_order(wind["instrument"], INSTRUMENT_ORDER),
                            title="Wind instruments (session medians, one dot per session)")
        written.extend(save_figure(fig, out_dir / "figures" / "wind_instruments.png", dpi=120).values())
    per.to_csv(out_dir / "figures" / "session_summary.csv", index=False, float_format="%.4g")
    return written


def _order(values: pd.Series, preferred: Sequence[str]) -> list[str]:
    present = [str(v) for v in values.dropna().unique()]
    return [g for g in preferred if g in present] + sorted(g for g in present if g not in preferred)


def _pick(sessions: pd.DataFrame, key: str, value: str | None = None) -> str | None:
    if key not in sessions:
        return None
    sel = sessions[(sessions["status"] == "ok") & sessions[key].notna()]
    if value is not None:
        sel = sel[sel[key] == value]
    return None if sel.empty else str(sel["session_id"].iloc[0])


def _videos(out_dir: Path, result: BatchResult, *, size: int = 480
            ) -> tuple[list[Path], list[Path]]:
    """One singing video, one wind video, one comparison (classical vs belting), plus PNG stills."""
    from .. import video
    from ..results import load_result

    sessions = result.sessions
    sing = _pick(sessions, "style", "classical") or _pick(sessions, "style")
    other = _pick(sessions, "style", "belting")
    wind = _pick(sessions, "instrument", "trumpet") or _pick(sessions, "instrument")
    vdir = out_dir / "videos"
    vdir.mkdir(parents=True, exist_ok=True)
    loaded = {sid: load_result(out_dir, sid) for sid in {sing, other, wind} if sid}
    videos, stills = [], []
    for sid in [s for s in (sing, wind) if s]:
        r = loaded[sid]
        videos.append(video.render_video(r.session, vdir / f"{sid}.mp4", labels=r.labels,
                                         acoustics=r.acoustics, measures=r.measures, size=size))
        stills.append(video.render_still(r.session, vdir / f"{sid}.png", labels=r.labels,
                                         acoustics=r.acoustics))
    if sing and other:
        a, b = loaded[sing], loaded[other]
        target = vdir / f"compare_{sing}_vs_{other}.mp4"
        videos.append(video.render_comparison(
            a.session, b.session, target, align="note_onset", labels_a=a.labels,
            labels_b=b.labels, acoustics_a=a.acoustics, acoustics_b=b.acoustics,
            measures_a=a.measures, measures_b=b.measures, size=min(size, 360)))
    return videos, stills


def run_demo(out_dir: str | os.PathLike, variant: str = "full", *, workers: int | None = None,
             quiet: bool = False, force: bool = False, videos: bool = True) -> DemoResult:
    """Build (or load) the demo set, run the batch on it, and write figures and videos.

    Parameters
    ----------
    out_dir : path
        Output folder (run folder of the batch, plus ``figures/`` and ``videos/``).
    variant : {"full", "quick"}
        The demo set: ``full`` (all groups and subjects) or ``quick`` (a few short sessions).
    workers : int or None
        Dask workers (see :func:`run_batch`; ``0`` runs in-process).
    quiet : bool
        No progress bar.
    force : bool
        Recompute every session.
    videos : bool
        Render the articulation videos and stills (needs :mod:`vtract.video`).

    Returns
    -------
    DemoResult
        Paths of everything written; ``.report()`` is what ``vtract demo`` prints.
    """
    from .. import datasets

    if variant not in ("full", "quick"):
        raise VtractError(f"demo variant must be 'full' or 'quick'; got {variant!r}")
    t0 = time.perf_counter()
    manifest = datasets.load_demo(variant)  # builds the demo set on first use
    timings = {"demo set": time.perf_counter() - t0}
    steps = list(DEFAULT_STEPS)
    out = Path(out_dir).expanduser().resolve()
    result = run_batch(manifest, out, workers=workers, steps=steps or ("framestats",), force=force,
                       quiet=quiet)
    timings["batch"] = result.wall_s
    demo = DemoResult(out_dir=out, batch=result, timings_s=timings)
    t0 = time.perf_counter()
    demo.figures = comparison_figures(out)
    timings["figures"] = time.perf_counter() - t0
    if videos:
        t0 = time.perf_counter()
        demo.videos, demo.stills = _videos(out, result, size=480 if variant == "full" else 240)
        timings["videos"] = time.perf_counter() - t0
    return demo
