"""The run lock: one ``vtract run`` at a time writes into an output folder.

Two runs on the same folder would interleave session folders and rewrite the combined tables under
each other. The lock is an advisory ``flock`` on ``DIR/.vtract-run.lock``, held for the whole run;
the operating system releases it when the process ends, however it ends (a killed run leaves no
stale lock to delete). The file records the holder's PID, host and start time for the message the
second run prints.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import VtractError

__all__ = ["LOCK_FILE", "RunLockedError", "run_lock"]

#: name of the lock file in the run folder
LOCK_FILE = ".vtract-run.lock"


class RunLockedError(VtractError, RuntimeError):
    """Another ``vtract run`` is writing into the same output folder."""


@contextmanager
def run_lock(out_dir: Path) -> Iterator[Path]:
    """Hold the run lock of an output folder for the duration of a ``with`` block.

    Parameters
    ----------
    out_dir : Path
        The run folder (must exist).

    Yields
    ------
    Path
        The lock file.

    Raises
    ------
    RunLockedError
        When another process holds the lock; the message names the lock file and that process.
    """
    try:
        import fcntl
    except ImportError:  # Windows has no flock: runs are not guarded against each other there
        fcntl = None
    path = Path(out_dir) / LOCK_FILE
    fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 -- held open for the whole run
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                try:
                    holder = json.loads(fh.read() or "{}")
                except ValueError:
                    holder = {}
                who = (f"PID {holder.get('pid', '?')} on {holder.get('host', '?')}, started "
                       f"{holder.get('started', '?')}")
                raise RunLockedError(
                    f"{path}: another vtract run ({who}) is writing into {out_dir}; wait for it to "
                    "finish or use another output folder") from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "host": os.uname().nodename,
                             "started": datetime.now(UTC).isoformat(timespec="seconds")}))
        fh.flush()
        yield path
    finally:
        fh.close()  # releases the flock
