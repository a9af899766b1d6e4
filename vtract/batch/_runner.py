"""Run a manifest's sessions in parallel on Dask distributed (or in a plain loop) and track progress.

One session is one Dask task (:func:`vtract.batch._pipeline.process_session`), submitted with plain
dicts: file paths, numbers and strings. Workers therefore need the same view of the file system as the
client (a shared file system on a cluster). The client decides what to skip (input checksums and the
settings fingerprint against each folder's ``session.json``), collects results as they complete,
keeps ``failures.csv`` current after every failure and rebuilds the combined tables at the end.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import datasets
from ..errors import VtractError
from ..manifest import Manifest, load_manifest
from ..results import RUN_FILES
from ._combine import failures_table, write_combined
from ._lock import run_lock
from ._pipeline import process_session, remove_stale_staging
from ._state import (
    FAILURE_FILE,
    input_checksums,
    is_current,
    read_record,
    settings_fingerprint,
    to_jsonable,
    write_record,
)
from ._steps import resolve_steps

__all__ = ["run_batch", "BatchResult", "plan_batch"]

log = logging.getLogger("vtract.batch")


@dataclass
class BatchResult:
    """What a batch run did.

    Attributes
    ----------
    out_dir : Path
        The run folder.
    steps : tuple of str
        Steps that ran (resolved, in pipeline order).
    processed, skipped, failed : list of str
        Session ids computed now, skipped as current, and failed (this run).
    partial : dict of str -> dict
        Sessions processed now that completed although a step with soft errors (``sync``) failed:
        session id -> {step: "ErrorType: message"}.
    results : list of dict
        Per-task results (runtime_s, peak_rss_mb, pid, ... ) of the sessions processed now.
    wall_s : float
        Wall time of the whole run, including cluster start-up and table combination, in s.
    compute_s : float
        Wall time from the start of the cluster (or loop) to the last result, in s.
    startup_s : float
        Part of ``compute_s`` spent starting/connecting the Dask cluster, in s.
    scheduler : str
        ``"loop"`` (in-process), ``"local:<n>"`` (LocalCluster with n workers) or the address.
    tables : dict of str -> Path
        Combined tables written.
    """

    out_dir: Path
    steps: tuple[str, ...]
    processed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    partial: dict[str, dict[str, str]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    wall_s: float = 0.0
    compute_s: float = 0.0
    startup_s: float = 0.0
    scheduler: str = "loop"
    tables: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no session failed."""
        return not self.failed

    @property
    def exit_code(self) -> int:
        """0 when every session finished, 1 otherwise (the CLI's exit status)."""
        return 0 if self.ok else 1

    @property
    def failures(self) -> pd.DataFrame:
        """``failures.csv`` as a DataFrame."""
        from ..results import load_run

        return load_run(self.out_dir).failures

    @property
    def sessions(self) -> pd.DataFrame:
        """``sessions.csv`` as a DataFrame."""
        from ..results import load_run

        return load_run(self.out_dir).sessions

    def summary(self) -> str:
        """One line: counts and wall time.

        Returns
        -------
        str
            E.g. ``"3 processed, 0 skipped (up to date), 0 failed in 12.3 s [loop]"``.
        """
        partial = f" ({len(self.partial)} with a failed optional step)" if self.partial else ""
        return (f"{len(self.processed)} processed{partial}, {len(self.skipped)} skipped (up to date), "
                f"{len(self.failed)} failed in {self.wall_s:.1f} s [{self.scheduler}]")


# ------------------------------------------------------------------------------------------ progress

class _Progress:
    """Progress: a rich bar on a terminal or in Jupyter, else one log line per session.

    ``quiet=True`` (or output to a file/pipe) gives the log lines (logger ``vtract.batch``, INFO).
    """

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.quiet = quiet
        self.t0 = time.perf_counter()
        self._bar = None
        if not quiet and total:
            from rich.console import Console

            console = Console()
            # a live bar only where it can redraw (terminal, Jupyter); log lines in files/CI logs
            self.quiet = quiet = not (console.is_terminal or console.is_jupyter)
        if not quiet and total:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("[bold]sessions"), BarColumn(),
                                 TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                                 TextColumn("ETA"), TimeRemainingColumn(), transient=False,
                                 console=console)
            self._task = self._bar.add_task("run", total=total, counts=self._counts())
            self._bar.start()

    def _counts(self) -> str:
        remaining = self.total - self.done - self.failed
        return f"done {self.done} / failed {self.failed} / remaining {remaining}"

    def update(self, result: Mapping[str, Any]) -> None:
        if result["status"] == "ok":
            self.done += 1
        else:
            self.failed += 1
        finished = self.done + self.failed
        if self._bar is not None:
            self._bar.update(self._task, advance=1, counts=self._counts())
        else:
            elapsed = time.perf_counter() - self.t0
            eta = elapsed / finished * (self.total - finished)
            what = "ok" if result["status"] == "ok" else \
                f"FAILED in {result.get('step')}: {result.get('error_type')}: {result.get('message')}"
            log.info("[%d/%d] %s %s (%.1f s) %s, ETA %.0f s", finished, self.total,
                     result["session_id"], what, result.get("runtime_s") or 0.0, self._counts(), eta)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


# ------------------------------------------------------------------------------------------ planning

def plan_batch(manifest: Manifest, out_dir: Path, steps: tuple[str, ...], settings: Mapping[str, Any],
               force: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Resolve entries and decide what to run.

    Returns
    -------
    entries : list of dict
        Every resolved manifest entry (JSON-able).
    tasks : list of dict
        One task per session to (re)compute.
    skipped : list of str
        Ids of finished, current sessions.
    """
    fingerprint = settings_fingerprint(steps, settings)
    entries, tasks, skipped = [], [], []
    for entry in manifest.sessions:
        resolved = to_jsonable(manifest.resolved(entry))
        entries.append(resolved)
        previous = read_record(out_dir / entry.id)
        checks, stats = input_checksums(resolved, previous)
        if not force and is_current(previous, checks, fingerprint, resolved):
            skipped.append(entry.id)
            continue
        tasks.append({"session_id": entry.id, "entry": resolved, "out_dir": str(out_dir / entry.id),
                      "steps": list(steps), "settings": to_jsonable(dict(settings)),
                      "input_checksums": checks, "input_stats": stats,
                      "settings_fingerprint": fingerprint,
                      "manifest": manifest.path, "study": manifest.study})
    return entries, tasks, skipped


# ------------------------------------------------------------------------------------------ running

def _run_loop(tasks: list[dict[str, Any]], on_result) -> None:
    for task in tasks:
        on_result(process_session(task))


def _run_dask(tasks: list[dict[str, Any]], on_result, *, workers: int | None, scheduler: Any,
              memory_limit: str | None) -> tuple[str, float]:
    from dask.distributed import Client, LocalCluster, as_completed

    # Dask logs every worker start/stop at INFO; keep the terminal for the progress bar.
    quiet_loggers = {name: logging.getLogger(name) for name in ("distributed", "distributed.scheduler",
                                                                "distributed.nanny", "distributed.core",
                                                                "distributed.http.proxy")}
    levels = {name: lg.level for name, lg in quiet_loggers.items()}
    for lg in quiet_loggers.values():
        lg.setLevel(logging.WARNING)
    cluster = None
    t0 = time.perf_counter()
    if scheduler:
        # a cluster object (dask-jobqueue SLURMCluster/PBSCluster, LocalCluster) or its address
        address = str(getattr(scheduler, "scheduler_address", scheduler))
        if address.endswith(".json") and Path(address).is_file():
            # a scheduler file (`dask scheduler --scheduler-file F`), common in SLURM/PBS job scripts
            client = Client(scheduler_file=address, timeout="30s")
        else:
            client = Client(address, timeout="30s")
        label = client.scheduler.address
    else:
        n = workers or min(os.cpu_count() or 1, len(tasks))
        n = max(1, min(n, len(tasks)))
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR,
                               memory_limit=memory_limit or "auto")
        client = Client(cluster)
        label = f"local:{n}"
    startup = time.perf_counter() - t0
    try:
        futures = {client.submit(process_session, t, key=f"vtract-session-{t['session_id']}-"
                                 f"{time.time_ns()}", pure=False, retries=0): t for t in tasks}
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # the worker died (KilledWorker, out of memory) or lost contact
                result = _worker_lost(task, exc)
            on_result(result)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        for name, lg in quiet_loggers.items():
            lg.setLevel(levels[name])
    return label, startup


def _worker_lost(task: Mapping[str, Any], exc: BaseException) -> dict[str, Any]:
    """Record a session whose worker died (the task itself could not record it)."""
    from datetime import UTC, datetime

    failure = {"session_id": task["session_id"], "step": "worker", "error_type": type(exc).__name__,
               "message": " ".join(str(exc).split()) or "the worker running this session died "
               "(out of memory?)", "time": datetime.now(UTC).isoformat(timespec="seconds"),
               "input_checksums": task.get("input_checksums"),
               "settings_fingerprint": task.get("settings_fingerprint")}
    write_record(task["out_dir"], failure, FAILURE_FILE)
    return {**failure, "status": "failed", "runtime_s": None, "n_frames": None}


def run_batch(manifest: str | os.PathLike | Manifest, out_dir: str | os.PathLike, *,
              workers: int | None = None, scheduler: Any = None,
              steps: Iterable[str] | str | None = ("segment", "measure", "acoustics", "sync"),
              force: bool = False, quiet: bool = False, settings: Mapping[str, Any] | None = None,
              memory_limit: str | None = None) -> BatchResult:
    """Process every session of a manifest; resumable, failure-isolated, parallel over sessions.

    Parameters
    ----------
    manifest : path or Manifest
        The study manifest (``root: "dataset:demo"`` builds the demo set on first use).
    out_dir : path
        Run folder; each session writes ``out_dir/<session_id>/`` (labels.nii.gz, measures.csv,
        contours.csv, acoustics.csv, sync.json, synced.csv, qc.png, video.mp4, session.json last).
    workers : int or None
        ``None``: a LocalCluster with one worker process per core (at most one per session);
        ``N >= 1``: a LocalCluster with N single-threaded worker processes; ``0``: no Dask, a plain
        in-process loop (debugging, or measuring the Dask overhead).
    scheduler : str or dask cluster, optional
        Address of an existing Dask scheduler (``tcp://host:8786``), a scheduler file (``*.json``
        written by ``dask scheduler --scheduler-file``), or a cluster object with a
        ``scheduler_address`` (e.g. ``dask_jobqueue.SLURMCluster``); the cluster is used, not closed.
        Workers must see the input files and ``out_dir`` at the same paths (shared file system).
        Overrides ``workers``.
    steps : iterable of str or comma-separated str
        Among ``framestats, segment, measure, acoustics, sync, video``; requirements are added
        (``measure`` needs ``segment``). Reading and the QC figure always run.
    force : bool
        Recompute sessions even when their outputs are current.
    quiet : bool
        No progress bar; one log line per finished session (logger ``vtract.batch``).
    settings : mapping, optional
        Per-step keyword settings, e.g. ``{"acoustics": {"suppress_noise": False}}``. Part of the
        fingerprint: changing them recomputes the affected sessions.
    memory_limit : str, optional
        Per-worker memory limit for the LocalCluster (Dask syntax, e.g. ``"2GiB"``).

    Returns
    -------
    BatchResult
        Use ``result.exit_code`` (1 if any session failed) and ``result.summary()``.

    Raises
    ------
    VtractError
        Invalid manifest, unknown step or a bad ``workers``.
    RunLockedError
        Another ``vtract run`` is writing into ``out_dir`` (the message names the lock file
        ``out_dir/.vtract-run.lock`` and that run's PID).

    Examples
    --------
    >>> res = vtract.run_batch("data_manifests/demo.yaml", "out", workers=2)  # doctest: +SKIP
    >>> pd.read_parquet("out/measures.parquet").groupby("style").larynx_height_mm.mean()  # doctest: +SKIP
    """
    t_start = time.perf_counter()
    man = manifest if isinstance(manifest, Manifest) else load_manifest(manifest)
    datasets.prepare(man)  # a ``dataset:`` root is built here, on first use, never by reading it
    if workers is not None and workers < 0:
        raise VtractError(f"workers must be >= 0 (0 = no Dask, in-process loop); got {workers}")
    resolved_steps = resolve_steps(steps)
    settings = dict(settings or {})
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    with run_lock(out):
        return _locked_run(man, out, resolved_steps, settings, force=force, workers=workers,
                           scheduler=scheduler, memory_limit=memory_limit, quiet=quiet,
                           t_start=t_start)


def _locked_run(man: Manifest, out: Path, resolved_steps: tuple[str, ...], settings: dict[str, Any], *,
                force: bool, workers: int | None, scheduler: Any, memory_limit: str | None,
                quiet: bool, t_start: float) -> BatchResult:
    """Run the body of :func:`run_batch` while holding the folder's run lock."""
    for stale in remove_stale_staging(out):
        log.info("removed %s (left by a worker that was killed mid-session)", stale.name)
    entries, tasks, skipped = plan_batch(man, out, resolved_steps, settings, force)
    result = BatchResult(out_dir=out, steps=resolved_steps, skipped=skipped)
    if skipped:
        log.info("%d session(s) up to date, skipped: %s", len(skipped), ", ".join(skipped))
    ids = [e["id"] for e in entries]
    progress = _Progress(len(tasks), quiet)

    def on_result(res: dict[str, Any]) -> None:
        result.results.append(res)
        if res["status"] == "ok":
            result.processed.append(res["session_id"])
            if res.get("step_errors"):
                result.partial[res["session_id"]] = dict(res["step_errors"])
        else:
            result.failed.append(res["session_id"])
            # keep failures.csv current, so a killed run still tells what failed
            from ..io import write_table

            write_table(failures_table(out, ids), out / RUN_FILES["failures"], sidecar=False)
        progress.update(res)

    t_compute = time.perf_counter()
    try:
        if not tasks:
            result.scheduler = "none"
        elif workers == 0 and not scheduler:
            _run_loop(tasks, on_result)
            result.scheduler = "loop"
        else:
            result.scheduler, result.startup_s = _run_dask(
                tasks, on_result, workers=workers, scheduler=scheduler, memory_limit=memory_limit)
    finally:
        progress.close()
    result.compute_s = time.perf_counter() - t_compute
    result.tables = write_combined(out, entries, settings={"steps": list(resolved_steps),
                                                           "settings": settings,
                                                           "manifest": man.path})
    result.wall_s = time.perf_counter() - t_start
    log.info("batch: %s; outputs in %s", result.summary(), out)
    return result
