"""Combined tidy tables across sessions, rebuilt from the per-session folders.

Only the folders are read (never in-memory results), so a resumed or partly failed run still yields
complete tables of everything finished so far. Every combined table starts with the manifest metadata
columns ``session_id``, ``subject``, ``task`` and the group keys (``style``, ``instrument``, ``kind`` ...).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..io import write_table
from ..results import RUN_FILES, SESSION_FILES
from ._state import FAILURE_FILE, SESSION_FILE, read_record

__all__ = ["COMBINED_TABLES", "FAILURE_COLUMNS", "metadata_columns", "combine_tables",
           "sessions_table", "failures_table", "write_combined"]

#: per-session CSV -> combined Parquet in the run folder
COMBINED_TABLES: dict[str, str] = {SESSION_FILES[k]: RUN_FILES[k]
                                   for k in ("measures", "acoustics", "synced", "frames")}
#: columns of failures.csv
FAILURE_COLUMNS = ["session_id", "step", "error_type", "message", "time"]


def metadata_columns(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata columns of one resolved manifest entry: session_id, subject, task, then group keys."""
    row: dict[str, Any] = {"session_id": entry["id"], "subject": entry.get("subject"),
                           "task": entry.get("task")}
    for k, v in (entry.get("group") or {}).items():
        if k not in row:
            row[str(k)] = v
    return row


def _finished(out_dir: Path, ids: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for sid in ids:
        rec = read_record(out_dir / sid)
        if rec and rec.get("status") == "ok":
            out.append((sid, rec))
    return out


def combine_tables(out_dir: str | os.PathLike, session_ids: Sequence[str],
                   name: str = "measures.csv") -> pd.DataFrame | None:
    """Concatenate one per-session table over finished sessions, with metadata columns in front.

    Parameters
    ----------
    out_dir : path
        The run folder (``DIR``).
    session_ids : sequence of str
        Sessions to include, in order (normally the manifest's).
    name : str
        Per-session file name, e.g. ``"measures.csv"``.

    Returns
    -------
    DataFrame or None
        ``None`` when no finished session has that file.
    """
    out_dir = Path(out_dir)
    parts = []
    meta_cols: list[str] = []  # union of metadata columns, in order of first appearance
    for sid, rec in _finished(out_dir, session_ids):
        p = out_dir / sid / name
        if name not in rec.get("outputs", [name]) or not p.exists():
            continue
        df = pd.read_csv(p)
        meta = metadata_columns(rec["entry"])
        meta_cols += [c for c in meta if c not in meta_cols]
        meta_df = pd.DataFrame({k: [v] * len(df) for k, v in meta.items()}, index=df.index)
        parts.append(pd.concat([meta_df, df.drop(columns=[c for c in meta if c in df.columns])], axis=1))
    if not parts:
        return None
    table = pd.concat(parts, ignore_index=True)
    table = table[meta_cols + [c for c in table.columns if c not in meta_cols]]
    for col in ("session_id", "subject", "task"):
        if col in table:
            table[col] = table[col].astype("string")
    return table


def sessions_table(out_dir: str | os.PathLike, entries: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per manifest session: metadata, status, size, QC summary, sync and runtime.

    ``status`` is ``ok`` (finished), ``failed`` (a ``failure.json`` exists) or ``pending`` (never
    finished, e.g. the run was interrupted).

    Parameters
    ----------
    out_dir : path
        The run folder.
    entries : sequence of dict
        Resolved manifest entries (order = row order).

    Returns
    -------
    DataFrame
        ``session_id``, metadata columns, ``status``, the record's summary (``n_frames``,
        ``sync_*``, ``qc_*`` ...) and ``runtime_s`` (s).
    """
    out_dir = Path(out_dir)
    rows = []
    for entry in entries:
        row = metadata_columns(entry)
        d = out_dir / entry["id"]
        rec = read_record(d)
        fail = read_record(d, FAILURE_FILE)
        if rec and rec.get("status") == "ok":
            s = rec.get("summary", {})
            row.update(status="ok", duration_s=s.get("duration_s"), n_frames=s.get("n_frames"),
                       fps=s.get("fps"), matrix=s.get("matrix"),
                       audio_duration_s=s.get("audio_duration_s"),
                       steps=",".join(rec.get("steps", [])), runtime_s=rec.get("runtime_s"),
                       finished=rec.get("finished"),
                       peak_rss_mb=(rec.get("worker") or {}).get("peak_rss_mb"),
                       n_warnings=len(rec.get("warnings", [])), error="")
            row.update({k: v for k, v in s.items()
                        if k.startswith(("qc_", "sync_")) or k.endswith("_error")})
        elif fail:
            row.update(status="failed", error=f"{fail.get('step')}: {fail.get('error_type')}: "
                                              f"{fail.get('message')}")
        else:
            row.update(status="pending", error="")
        rows.append(row)
    return pd.DataFrame(rows)


def failures_table(out_dir: str | os.PathLike, session_ids: Sequence[str]) -> pd.DataFrame:
    """One row per currently failed session (from the ``failure.json`` records)."""
    out_dir = Path(out_dir)
    rows = [{k: rec.get(k) for k in FAILURE_COLUMNS}
            for sid in session_ids if (rec := read_record(out_dir / sid, FAILURE_FILE))]
    return pd.DataFrame(rows, columns=FAILURE_COLUMNS)


def write_combined(out_dir: str | os.PathLike, entries: Sequence[Mapping[str, Any]], *,
                   settings: Mapping[str, Any] | None = None) -> dict[str, Path]:
    """Rebuild every combined table of a run folder from its session folders.

    Parameters
    ----------
    out_dir : path
        The run folder.
    entries : sequence of dict
        Resolved manifest entries (order = row order).
    settings : mapping, optional
        Run settings recorded in each table's JSON sidecar.

    Returns
    -------
    dict of str -> Path
        The written files by name (``measures.parquet``, ``sessions.csv``, ``failures.csv``, ...).
        A combined table with no source files is removed, so stale tables never survive.
    """
    out_dir = Path(out_dir)
    ids = [e["id"] for e in entries]
    written: dict[str, Path] = {}
    for src, dst in COMBINED_TABLES.items():
        table = combine_tables(out_dir, ids, src)
        target = out_dir / dst
        if table is None:
            for stale in (target, target.with_suffix(".json")):
                stale.unlink(missing_ok=True)
            continue
        written[dst] = write_table(table, target, settings=dict(settings or {}))
    sessions, failures = RUN_FILES["sessions"], RUN_FILES["failures"]
    written[sessions] = write_table(sessions_table(out_dir, entries), out_dir / sessions,
                                    settings=dict(settings or {}))
    written[failures] = write_table(failures_table(out_dir, ids), out_dir / failures, sidecar=False)
    return written


def completed(out_dir: str | os.PathLike, session_ids: Sequence[str]) -> list[str]:
    """Ids of the sessions with a finished ``session.json``."""
    return [sid for sid in session_ids if (Path(out_dir) / sid / SESSION_FILE).exists()]
