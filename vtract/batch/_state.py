"""Per-session state on disk: input checksums, settings fingerprints, and the skip decision.

A session folder ``DIR/<session_id>/`` is *finished* when it holds a ``session.json`` with
``status == "ok"`` (written last, atomically, after every other output). It is *current* when that
record's input checksums, steps and settings fingerprint equal the ones of this run; current sessions
are skipped. A failed session leaves ``failure.json`` instead (and never a ``session.json``), so it is
retried on the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_write_text
from ..results import SESSION_FILES

__all__ = ["SESSION_FILE", "FAILURE_FILE", "file_checksum", "input_checksums", "stat_signature",
           "settings_fingerprint", "read_record", "is_current", "write_record", "to_jsonable",
           "clear_partial"]

#: the completion marker of a session folder (written last)
SESSION_FILE = SESSION_FILES["record"]
#: the error record of a failed session (removed when the session later succeeds)
FAILURE_FILE = SESSION_FILES["failure"]

_CHUNK = 1 << 20


def _hash_file(h: hashlib._Hash, path: Path) -> None:
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)


def file_checksum(path: str | os.PathLike) -> str:
    """SHA-256 of a file, or of a folder's contents (a DICOM series).

    Parameters
    ----------
    path : path
        A file, or a folder whose regular files (recursively, hidden files excluded) are hashed in
        sorted order together with their relative paths, so renaming or adding a slice changes it.

    Returns
    -------
    str
        ``"sha256:<hex digest>"``.
    """
    path = Path(path)
    h = hashlib.sha256()
    if path.is_dir():
        for f in sorted(p for p in path.rglob("*") if p.is_file()
                        and not any(part.startswith(".") for part in p.relative_to(path).parts)):
            h.update(str(f.relative_to(path).as_posix()).encode() + b"\0")
            _hash_file(h, f)
    else:
        _hash_file(h, path)
    return "sha256:" + h.hexdigest()


def stat_signature(path: str | os.PathLike) -> list[int]:
    """Cheap change detector of a file or folder: ``[n_files, total_bytes, newest_mtime_ns]``."""
    path = Path(path)
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    stats = [f.stat() for f in files]
    return [len(stats), sum(st.st_size for st in stats), max((st.st_mtime_ns for st in stats),
                                                           default=0)]


def input_checksums(entry: Mapping[str, Any], previous: Mapping[str, Any] | None = None
                    ) -> tuple[dict[str, str | None], dict[str, list[int] | None]]:
    """Checksums of a resolved manifest entry's inputs (``sequence`` and ``audio``).

    Parameters
    ----------
    entry : mapping
        A resolved entry (:meth:`vtract.manifest.Manifest.resolved`) with absolute paths.
    previous : mapping, optional
        The session's previous ``session.json``. When a file's path, size and modification time
        are unchanged since then, its recorded checksum is reused instead of re-reading the file
        (the quick check ``make`` and ``rsync`` use), so re-running a large study is fast.

    Returns
    -------
    checksums : dict
        ``{"sequence": "sha256:...", "audio": "sha256:..." or None}``; a missing file gives
        ``"missing"`` (the session then fails when read, with a clear error).
    stats : dict
        The :func:`stat_signature` of each input (recorded for the next run's quick check).
    """
    prev_sums = dict((previous or {}).get("input_checksums") or {})
    prev_stats = dict((previous or {}).get("input_stats") or {})
    prev_entry = dict((previous or {}).get("entry") or {})
    sums: dict[str, str | None] = {}
    stats: dict[str, list[int] | None] = {}
    for key in ("sequence", "audio"):
        p = entry.get(key)
        if not p:
            sums[key], stats[key] = None, None
        elif not Path(p).exists():
            sums[key], stats[key] = "missing", None
        else:
            stats[key] = stat_signature(p)
            same = (prev_entry.get(key) == p and prev_stats.get(key) == stats[key]
                    and str(prev_sums.get(key, "")).startswith("sha256:"))
            sums[key] = prev_sums[key] if same else file_checksum(p)
    return sums, stats


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, tuples and paths to plain JSON types (NaN kept as NaN)."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return obj


def settings_fingerprint(steps: Iterable[str], settings: Mapping[str, Any] | None) -> str:
    """Hash the steps and per-step settings of a run.

    Parameters
    ----------
    steps : iterable of str
        The requested pipeline steps, in order.
    settings : mapping or None
        Per-step keyword settings, e.g. ``{"acoustics": {"f0_max_hz": 1200}}``.

    Returns
    -------
    str
        ``"sha256:<hex>"`` of the canonical JSON of both (key order does not matter).
    """
    blob = json.dumps({"steps": list(steps), "settings": to_jsonable(settings or {})},
                      sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


def read_record(session_dir: str | os.PathLike, name: str = SESSION_FILE) -> dict[str, Any] | None:
    """Read ``session.json`` (or ``failure.json``) of a session folder; ``None`` if absent/corrupt."""
    p = Path(session_dir) / name
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(record: Mapping[str, Any] | None, checksums: Mapping[str, Any], fingerprint: str,
               entry: Mapping[str, Any] | None = None) -> bool:
    """Whether a finished session's record matches this run (then it is skipped).

    Parameters
    ----------
    record : mapping or None
        The folder's ``session.json``.
    checksums : mapping
        This run's input checksums.
    fingerprint : str
        This run's :func:`settings_fingerprint`.
    entry : mapping, optional
        This run's resolved manifest entry: a changed fps, pixel spacing, audio offset, channel or
        metadata in the manifest also makes the session stale.
    """
    return bool(record) and record.get("status") == "ok" \
        and record.get("input_checksums") == dict(checksums) \
        and record.get("settings_fingerprint") == fingerprint \
        and (entry is None or record.get("entry") == to_jsonable(dict(entry)))


def write_record(session_dir: str | os.PathLike, record: Mapping[str, Any],
                 name: str = SESSION_FILE) -> Path:
    """Write a session record atomically (temp file + rename) as indented JSON."""
    p = Path(session_dir) / name
    atomic_write_text(p, json.dumps(to_jsonable(record), indent=2, allow_nan=True, default=str))
    return p


def clear_partial(session_dir: str | os.PathLike) -> None:
    """Prepare a folder for recomputation: drop the completion marker, old outputs and temp files.

    Removing ``session.json`` first means a run killed half-way through recomputing a session never
    leaves a marker that vouches for a mix of old and new outputs. The outputs the previous record
    lists (and their JSON sidecars) are removed too, so a run with fewer steps leaves no stale tables.
    """
    d = Path(session_dir)
    if not d.is_dir():
        return
    old = read_record(d) or {}
    (d / SESSION_FILE).unlink(missing_ok=True)
    for name in old.get("outputs", []):
        p = d / Path(name).name
        if p.suffix in (".csv", ".parquet"):
            p.with_suffix(".json").unlink(missing_ok=True)
        p.unlink(missing_ok=True)
    for name in (SESSION_FILE, FAILURE_FILE):
        (d / name).unlink(missing_ok=True)
    for tmp in d.glob(".*.tmp*"):  # left by atomic_path when a process was killed mid-write
        tmp.unlink(missing_ok=True)
