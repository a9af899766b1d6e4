"""The step registry: what each pipeline step needs, what it computes and which files it writes.

The pipeline of one session is ``read -> [framestats] -> segment -> measure -> acoustics -> sync ->
[video] -> qc``. Image preprocessing (N4 bias correction, denoising) is part of
:func:`vtract.segment` and configured through its settings (``settings={"segment": {...}}``); MRI-noise
suppression of the audio is part of the ``acoustics`` step (``{"acoustics": {"noise": {...}}}``, or
``suppress_noise: false``).

``read`` and ``qc`` always run; the others are chosen by the caller. A step lists the vtract functions
it calls (``vtract.segmentation`` ...); :func:`resolve_steps` checks they are importable
*before* any session is submitted, so a missing feature gives one clear error instead of one failure per
session.

Every step receives a :class:`StepContext` and writes its outputs atomically into the session folder
(``vtract._atomic.atomic_path`` / :func:`vtract.io.write_table`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._atomic import atomic_path
from ..errors import VtractError
from ..io import write_table
from ..results import SESSION_FILES

__all__ = ["Step", "StepContext", "STEPS", "DEFAULT_STEPS", "OPTIONAL_STEPS", "resolve_steps",
           "voice_preset"]


@dataclass
class StepContext:
    """What a step sees: the session, its settings, the results of earlier steps, its folder.

    Attributes
    ----------
    entry : dict
        The resolved manifest entry (absolute paths, defaults applied).
    out_dir : Path
        The folder the step writes into: a hidden staging folder that becomes the session's
        output folder ``DIR/<session_id>/`` when every step has finished.
    settings : dict
        Per-step settings, ``settings[step_name]`` is a dict of keyword arguments.
    session : vtract.Session or None
        Set by the ``read`` step.
    results : dict
        In-memory results of earlier steps (``"segmentation"``, ``"measures"``, ``"acoustics"``,
        ``"sync"``, ``"synced"``, ``"framestats"``).
    summary : dict
        Scalars that go into ``session.json`` and ``sessions.csv`` (``n_frames``, ``qc_*``, ...).
    outputs : list of str
        Files written, relative to ``out_dir``.
    notes : list of str
        Human-readable notes (a step skipped for lack of audio, ...).
    """

    entry: dict[str, Any]
    out_dir: Path
    settings: dict[str, Any] = field(default_factory=dict)
    session: Any = None
    results: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def opts(self, step: str) -> dict[str, Any]:
        """Keyword settings of one step (empty dict when none were given)."""
        return dict(self.settings.get(step) or {})

    def write_df(self, df: pd.DataFrame, name: str, step: str,
                 extra: dict[str, Any] | None = None) -> None:
        """Write a table into the session folder (CSV + JSON sidecar with the step's settings)."""
        write_table(df, self.out_dir / name, settings={"step": step, **self.opts(step),
                                                       **(extra or {})})
        self.outputs.append(name)


@dataclass(frozen=True)
class Step:
    """One pipeline step.

    Attributes
    ----------
    name : str
        Name used in ``--steps``.
    func : callable
        ``func(ctx: StepContext) -> None``.
    requires : tuple of str
        Steps that must run before it (added automatically).
    description : str
        One line for ``--help`` and error messages.
    soft_errors : tuple of str
        Names of vtract exception classes that do not fail the session: the step's outputs are left
        out, the error is recorded in ``session.json`` (``step_errors``) and ``sessions.csv``
        (``<step>_error``), and the session completes with the other steps' results.
    """

    name: str
    func: Callable[[StepContext], None]
    requires: tuple[str, ...] = ()
    description: str = ""
    soft_errors: tuple[str, ...] = ()


def _read(ctx: StepContext) -> None:
    from ..manifest import session_from_entry

    ctx.session = session_from_entry(ctx.entry)
    seq, audio = ctx.session.sequence, ctx.session.audio
    ctx.summary.update(n_frames=seq.n_frames, fps=seq.fps, duration_s=seq.duration_s,
                       matrix=f"{seq.shape[0]}x{seq.shape[1]}",
                       pixel_spacing_mm=list(seq.pixel_spacing_mm) if seq.pixel_spacing_mm else None,
                       audio_duration_s=audio.duration_s if audio is not None else None,
                       audio_sample_rate_hz=audio.sample_rate_hz if audio is not None else None)


def frame_stats(frames: np.ndarray, times: np.ndarray) -> pd.DataFrame:
    """Per-frame image statistics for data QC (signal level and frame-to-frame change).

    Parameters
    ----------
    frames : ndarray, shape (n_frames, ny, nx)
        Intensities.
    times : ndarray, shape (n_frames,)
        Frame centres in s.

    Returns
    -------
    DataFrame
        ``frame``, ``time_s``, ``mean_intensity``, ``p99_intensity`` and ``frame_change``: the mean
        absolute difference to the previous frame divided by the sequence's median p99 intensity
        (dimensionless; NaN for frame 0). Spikes flag head motion or corrupt frames.
    """
    f = np.asarray(frames, dtype=np.float32)
    flat = f.reshape(len(f), -1)
    p99 = np.percentile(flat, 99, axis=1)
    scale = float(np.median(p99)) or 1.0
    change = np.full(len(f), np.nan)
    if len(f) > 1:
        change[1:] = np.abs(np.diff(flat, axis=0)).mean(axis=1) / scale
    return pd.DataFrame({"frame": np.arange(len(f)), "time_s": np.asarray(times, float),
                         "mean_intensity": flat.mean(axis=1), "p99_intensity": p99,
                         "frame_change": change})


def _framestats(ctx: StepContext) -> None:
    seq = ctx.session.sequence
    df = frame_stats(seq.frames, seq.times)
    ctx.results["framestats"] = df
    ctx.summary["max_frame_change"] = float(np.nanmax(df["frame_change"])) if len(df) > 1 else 0.0
    ctx.write_df(df, SESSION_FILES["frames"], "framestats")


def _segment(ctx: StepContext) -> None:
    from .. import segmentation
    from ..io import write_labels

    seq = ctx.session.sequence
    seg = segmentation.segment(seq, **ctx.opts("segment"))
    ctx.results["segmentation"] = seg
    with atomic_path(ctx.out_dir / SESSION_FILES["labels"]) as tmp:
        write_labels(np.asarray(seg.labels, dtype=np.uint8), tmp, like=seq)
    ctx.outputs.append(SESSION_FILES["labels"])
    ctx.write_df(seg.contours_table(), SESSION_FILES["contours"], "segment")
    ctx.summary.update(_qc_summary(seg))


def _qc_summary(seg: Any) -> dict[str, Any]:
    """Scalar fields of :func:`vtract.qc.summary`, ``qc_`` prefixed (columns of sessions.csv)."""
    out: dict[str, Any] = {}
    for k, v in seg.summary().items():
        if k in ("source", "n_frames", "fps"):  # already in the session record
            continue
        if isinstance(v, bool | int | float | str | np.generic) or v is None:
            out[k if str(k).startswith("qc_") else f"qc_{k}"] = v.item() if isinstance(
                v, np.generic) else v
    return out


def _measure(ctx: StepContext) -> None:
    from .. import measures

    df = measures.measure(ctx.results["segmentation"], **ctx.opts("measure"))
    ctx.results["measures"] = df
    ctx.write_df(df, SESSION_FILES["measures"], "measure")


def voice_preset(entry: dict[str, Any]) -> str:
    """Acoustic-analysis preset of a manifest entry (pitch range and formant ceiling).

    ``labels.voice`` wins (e.g. ``soprano``); otherwise ``group.kind`` ``singing`` -> ``"singing"``,
    ``wind`` -> ``"wind"``, a ``style`` group -> ``"singing"``, an ``instrument`` group -> ``"wind"``;
    else ``"speech"``. Override for a whole run with ``settings={"acoustics": {"voice": ...}}``.
    """
    labels = entry.get("labels") or {}
    if labels.get("voice"):
        return str(labels["voice"])
    group = entry.get("group") or {}
    kind = str(group.get("kind", "")).lower()
    if kind in ("singing", "wind"):
        return kind
    if "style" in group:
        return "singing"
    if "instrument" in group:
        return "wind"
    return "speech"


def _acoustics(ctx: StepContext) -> None:
    from .. import acoustics

    audio = ctx.session.audio
    if audio is None:
        ctx.notes.append("acoustics: no audio in the manifest; step skipped")
        return
    opts = ctx.opts("acoustics")
    opts.setdefault("voice", voice_preset(ctx.entry))
    suppress = opts.pop("suppress_noise", True)
    noise_opts = opts.pop("noise", {}) or {}
    if suppress:
        seq = ctx.session.sequence
        # the gradient noise repeats with the frame clock (a frame is a whole number of TRs)
        noise_opts.setdefault("fps", seq.fps)
        audio = acoustics.suppress_mri_noise(audio, **noise_opts)
        ctx.results["clean_audio"] = audio
    df = acoustics.analyze_audio(audio, **opts)
    ctx.results["acoustics"] = df
    ctx.summary["acoustic_frames"] = len(df)
    # the analysis settings incl. the equivalent Praat commands, and the noise-suppression record
    extra = {"analysis": df.attrs.get("settings"),
             "mri_noise": dict(audio.metadata).get("mri_noise") if suppress else None}
    ctx.write_df(df, SESSION_FILES["acoustics"], "acoustics", extra=extra)


def _sync(ctx: StepContext) -> None:
    from .. import sync
    from ..synced import synced_table

    session = ctx.session
    if session.audio is None:
        ctx.notes.append("sync: no audio in the manifest; step skipped")
        return
    result = sync.synchronize(session, ctx.results.get("measures"), **ctx.opts("sync"))
    with atomic_path(ctx.out_dir / SESSION_FILES["sync"]) as tmp:
        result.to_json(tmp)
    ctx.outputs.append(SESSION_FILES["sync"])
    report = result.to_dict()
    ctx.results["sync"] = report
    ctx.summary.update({f"sync_{k}": report.get(k) for k in ("audio_offset_s", "method", "confidence",
                                                             "drift_ppm")})
    ctx.session = session = session.with_sync(result)
    acoustic = ctx.results.get("acoustics")
    if acoustic is not None:
        synced = synced_table(session, ctx.results.get("measures"), acoustic, result)
        ctx.results["synced"] = synced
        ctx.write_df(synced, SESSION_FILES["synced"], "sync")


def _video(ctx: StepContext) -> None:
    from .. import video

    seg = ctx.results.get("segmentation")
    with atomic_path(ctx.out_dir / SESSION_FILES["video"]) as tmp:
        video.render_video(ctx.session, tmp, labels=None if seg is None else seg.labels,
                           acoustics=ctx.results.get("acoustics"),
                           measures=ctx.results.get("measures"), **ctx.opts("video"))
    ctx.outputs.append(SESSION_FILES["video"])


def _qc(ctx: StepContext) -> None:
    from ..plotting import qc_figure, save_figure
    from ..synced import session_clock

    seq = ctx.session.sequence
    seg = ctx.results.get("segmentation")
    labels = np.asarray(seg.labels) if seg is not None else None
    traces: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    m = ctx.results.get("measures")
    if m is not None:
        for col in ("lip_aperture_mm", "jaw_opening_mm", "larynx_height_mm", "tongue_dorsum_cd_mm",
                    "velum_opening_mm"):
            if col in m:
                traces[col] = (m["time_s"].to_numpy(), m[col].to_numpy(float))
    fs = ctx.results.get("framestats")
    if fs is not None:
        traces["frame_change"] = (fs["time_s"].to_numpy(), fs["frame_change"].to_numpy(float))
    a = ctx.results.get("acoustics")
    acoustic = None
    if a is not None and "f0_hz" in a:
        # acoustics are on the audio clock: map to the image clock (offset 0 when unknown)
        clock = session_clock(ctx.session, assume_zero=True)
        t = clock.audio_to_frame_time(a["time_s"].to_numpy(float))
        acoustic = (t, a["f0_hz"].to_numpy(float))
    title = f"{ctx.entry['id']}  ({seq.n_frames} frames, {seq.fps:.1f} fps)"
    flagged = None
    flags = getattr(seg, "flags", None)
    if isinstance(flags, pd.DataFrame) and "ok" in flags:
        flagged = ~flags["ok"].to_numpy(bool)
    fig = qc_figure(seq.frames, seq.times, labels=labels, traces=traces, f0=acoustic,
                    flagged=flagged, title=title)
    save_figure(fig, ctx.out_dir / SESSION_FILES["qc_figure"], dpi=120)
    ctx.outputs.append(SESSION_FILES["qc_figure"])


#: every step, in pipeline order
STEPS: dict[str, Step] = {s.name: s for s in [
    Step("read", _read, description="read the sequence and audio (always runs)"),
    Step("framestats", _framestats, description="per-frame intensity and frame-change table (frames.csv)"),
    Step("segment", _segment,
         description="label maps and contours (labels.nii.gz, contours.csv)"),
    Step("measure", _measure, requires=("segment",),
         description="articulatory measures per frame (measures.csv)"),
    Step("acoustics", _acoustics,
         description="MRI-noise suppression and acoustic features (acoustics.csv)"),
    # An offset that cannot be estimated (no gradient noise in the recording, no image-audio
    # correlation) is a property of the data, not a broken session: measures and acoustics stay
    # valid, so the session completes without synced.csv and the error is reported.
    Step("sync", _sync, description="audio offset and frame-synced table "
                                                       "(sync.json, synced.csv)",
         soft_errors=("SyncError",)),
    Step("video", _video, requires=("segment",),
         description="articulation video (video.mp4)"),
    Step("qc", _qc, description="per-session QC figure (qc.png; always runs)"),
]}

#: what ``vtract run`` does unless told otherwise
DEFAULT_STEPS: tuple[str, ...] = ("segment", "measure", "acoustics", "sync")
#: steps a user may request
OPTIONAL_STEPS: tuple[str, ...] = tuple(n for n in STEPS if n not in ("read", "qc"))


def resolve_steps(steps: Iterable[str] | str | None) -> tuple[str, ...]:
    """Validate requested steps, add the steps they require, and order them as the pipeline does.

    Parameters
    ----------
    steps : iterable of str, or a comma-separated str, or None
        e.g. ``("segment", "measure")`` or ``"segment,measure,video"``; ``None`` means
        :data:`DEFAULT_STEPS`.

    Returns
    -------
    tuple of str
        The requested steps plus requirements, in pipeline order (without ``read``/``qc``, which
        always run).

    Raises
    ------
    VtractError
        An unknown step name, or a step whose module is not available in this installation.
    """
    if steps is None:
        steps = DEFAULT_STEPS
    if isinstance(steps, str):
        steps = [s for s in steps.replace(" ", "").split(",") if s]
    wanted = set()
    for name in steps:
        if name in ("read", "qc"):
            continue
        if name not in STEPS:
            raise VtractError(f"unknown batch step {name!r}; choose from {', '.join(OPTIONAL_STEPS)}")
        wanted.add(name)
        wanted.update(STEPS[name].requires)
    ordered = tuple(n for n in OPTIONAL_STEPS if n in wanted)
    return ordered
