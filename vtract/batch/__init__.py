"""Batch processing of whole studies: a manifest's sessions in parallel on Dask distributed.

:func:`run_batch` runs every session of a manifest through ``read -> segment -> measure ->
acoustics -> sync -> [video] -> QC figure``, one Dask task per session, writing ``DIR/<session_id>/``
atomically with ``session.json`` last; finished sessions are skipped on re-run unless their inputs or
the settings changed; failures are isolated in ``DIR/failures.csv``; combined tables
(``measures.parquet``, ``acoustics.parquet``, ``synced.parquet``, ``sessions.csv``) are rebuilt from the
folders at the end of every run. :func:`run_demo` is the ``vtract demo`` main job.
"""

from ..results import SessionResult, load_result
from ._combine import combine_tables, sessions_table, write_combined
from ._demo import run_demo
from ._lock import RunLockedError
from ._pipeline import process_session
from ._runner import BatchResult, run_batch
from ._steps import DEFAULT_STEPS, OPTIONAL_STEPS, STEPS, frame_stats, resolve_steps

__all__ = ["run_batch", "BatchResult", "run_demo", "process_session", "resolve_steps", "STEPS",
           "DEFAULT_STEPS", "OPTIONAL_STEPS", "combine_tables", "sessions_table", "write_combined",
           "frame_stats", "load_result", "SessionResult", "RunLockedError"]
