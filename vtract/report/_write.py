"""``write_report``: the static HTML report of a batch run folder (study page + one page per session).

Layout inside ``OUT_DIR/report/``::

    index.html                 the study page
    sessions/<id>.html         one page per session
    sessions/<id>/*.png        that page's figures
    study/*.png                the study page's figures
    assets/report.css, .js     style and the video controls (shipped in the package, no CDN)
    manifest.json              what each page was built from (for incremental re-runs) and
                               ``last_run``: the pages the last call rebuilt and its time

Pages link to the batch's own files (videos, tables) with relative links, so the report works
from the file system, offline, and when the whole run folder is copied elsewhere.

Incremental: a session page is rebuilt only when a file in its session folder changed (name, size or
modification time), when the report code changed, or when the page is missing. Every file is written
atomically and only when its content differs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import time
import warnings
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .._atomic import atomic_write_text
from .._version import __version__
from ..errors import VtractError, VtractWarning
from ._figures import AXES_X
from ._load import SessionData, read_session, read_study, session_ids, video_path
from ._text import MEASURES, describe_file

__all__ = ["write_report", "REPORT_DIR"]

log = logging.getLogger("vtract.report")

#: the report's folder inside a run folder
REPORT_DIR = "report"
_STATE = "manifest.json"
_ASSETS = ("report.css", "report.js")


def _code_hash() -> str:
    """Hash of the report package (code, templates, assets): a change rebuilds every page."""
    h = hashlib.sha256(__version__.encode())
    root = resources.files("vtract.report")
    for sub in ("", "templates", "static"):
        base = root / sub if sub else root
        for f in sorted(base.iterdir(), key=lambda p: p.name):
            if f.is_file() and f.name.endswith((".py", ".html", ".css", ".js")):
                h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def _signature(folder: Path) -> list[list]:
    """``[name, size, mtime_ns]`` of every file in a folder (the change detector of a page)."""
    if not folder.is_dir():
        return []
    return [[p.name, st.st_size, st.st_mtime_ns] for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".") for st in [p.stat()]]


def _session_signature(out: Path, sid: str) -> list:
    """Return what a session page depends on: its folder's files, and which video it links."""
    video = video_path(out, sid)
    return [_signature(out / sid), None if video is None else video.relative_to(out).as_posix()]


def _write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds exactly it; return whether written."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    atomic_write_text(path, text)
    return True


@functools.lru_cache(maxsize=1)
def _env():
    """Return the template environment (one per process; forked workers reuse its compiled templates)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("vtract.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["num"] = _num
    env.filters["size"] = _size
    return env


def _num(v: Any, digits: int = 1, unit: str = "") -> str:
    """Format a number for people (``–`` when missing), with an optional unit."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "–"
    if x != x or x in (float("inf"), float("-inf")):
        return "–"
    s = f"{x:.{digits}f}"
    return f"{s} {unit}".strip()


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


def _url(relative: str) -> str:
    """Percent-encode unsafe characters (spaces, #, ?) of a relative link."""
    return quote(relative, safe="/.-_~")


def _group_text(group: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in group.items() if k != "kind") or \
        ", ".join(f"{k}: {v}" for k, v in group.items())


# ------------------------------------------------------------------------------------------ sessions
def _data_files(data: SessionData) -> list[dict[str, Any]]:
    return [{"name": p.name, "href": _url(f"../../{data.session_id}/{p.name}"), "size": p.stat().st_size,
             "what": describe_file(p.name)} for p in data.files]


def build_session(out: Path, rep: Path, sid: str, env=None) -> dict[str, Any]:
    """Build one session page and its figures; return its study-table row.

    Parameters
    ----------
    out : Path
        The run folder.
    rep : Path
        The report folder.
    sid : str
        Session id.
    env : jinja2.Environment, optional
        Template environment (made when omitted, e.g. in a worker process).

    Returns
    -------
    dict
        The session's row of the study table (see :func:`vtract.report._summary.study_row`).
    """
    from ._summary import study_row

    env = env or _env()
    data = read_session(out, sid)
    fig_dir = rep / "sessions" / sid
    figures: dict[str, str] = {}
    numbers = None
    # what vtract warns about while building the page (no scanner noise found in the audio, ...) is
    # shown on the page, where the reader needs it, instead of on the console
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", VtractWarning)
        if data.status == "ok":
            numbers, figures = _session_content(data, fig_dir)
    notes = _notes(caught)
    # figures of an earlier build that this one no longer makes
    if fig_dir.is_dir():
        for p in fig_dir.glob("*.png"):
            if f"{sid}/{p.name}" not in figures.values():
                p.unlink()
    row = study_row(data, numbers)
    entry = data.record.get("entry") or {}
    figures = {"keyframes": None, "sound": None, "measures": None,
               **{k: _url(v) for k, v in figures.items()}}
    html = env.get_template("session.html").render(
        sid=sid, data=data, row=row, n=numbers, figures=figures, measures=MEASURES,
        group_text=_group_text(entry.get("group") or {}), files=_data_files(data),
        video=None if data.video is None else _url("../../" + data.video.relative_to(out).as_posix()),
        qc_png=_url(f"../../{sid}/qc.png") if (data.folder / "qc.png").exists() else None,
        axes_x=AXES_X, version=__version__, notes=notes)
    _write_if_changed(rep / "sessions" / f"{sid}.html", html)
    return row


def _notes(caught: list) -> list[str]:
    """Messages of the VtractWarnings caught (unique, in order); other warnings are re-issued."""
    notes: list[str] = []
    for w in caught:
        if issubclass(w.category, VtractWarning):
            if str(w.message) not in notes:
                notes.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return notes


def _session_content(data: SessionData, fig_dir: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Compute the numbers and draw the figures (relative paths) of a finished session's page."""
    from ._figures import keyframes_png, measures_png, okabe_ito, sound_png
    from ._summary import session_numbers

    sid = data.session_id
    session = data.session
    figures: dict[str, str] = {}
    clean = None
    if session.audio is not None:
        from ..acoustics import suppress_mri_noise

        clean = suppress_mri_noise(session.audio, fps=session.sequence.fps)
    numbers = session_numbers(data, clean)
    with okabe_ito():
        if data.labels is not None:
            keyframes_png(session, data.labels, data.acoustics, fig_dir / "keyframes.png")
            figures["keyframes"] = f"{sid}/keyframes.png"
        if clean is not None and session.audio_offset_s is not None:
            sound_png(clean, data.acoustics, session, fig_dir / "sound.png")
            figures["sound"] = f"{sid}/sound.png"
        if data.measures is not None:
            measures_png(data.measures, session, fig_dir / "measures.png",
                         [f["time_s"] for f in numbers["frames_to_check"]])
            figures["measures"] = f"{sid}/measures.png"
    return numbers, figures


def _build_worker(args: tuple[str, str, str]) -> tuple[str, dict[str, Any]]:
    out, rep, sid = args
    return sid, build_session(Path(out), Path(rep), sid)


# ------------------------------------------------------------------------------------------- study
def _comparisons(out: Path, rep: Path, state: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    """Group comparisons of the study (cached in ``state`` while the combined tables are unchanged)."""
    from ._study import group_keys, per_session_values, study_comparisons
    from ._summary import is_wind

    sig = [_signature(out), state.get("code")]
    cached = state.get("study") or {}
    if cached.get("signature") == sig and all((rep / "study" / f["file"]).exists()
                                              for c in cached.get("comparisons", [])
                                              for f in c["figures"]):
        return cached["comparisons"], None
    study = read_study(out)
    per = per_session_values(study.measures, study.acoustics)
    rows = [{"status": st, "group": g} for st, g in study.groups.values()]
    keys = [k for k in group_keys(rows) if k in per]
    wind = frozenset(sid for sid, (_, g) in study.groups.items() if is_wind(g))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", VtractWarning)
        comparisons = study_comparisons(per, keys, rep / "study", study.acoustics, wind) if len(per) else []
    if comparisons:
        comparisons[0].setdefault("notes", []).extend(n for n in _notes(caught)
                                                      if n not in comparisons[0]["notes"])
    used = {f["file"] for c in comparisons for f in c["figures"]}
    for p in (rep / "study").glob("*.png") if (rep / "study").is_dir() else []:
        if p.name not in used:
            p.unlink()
    state["study"] = {"signature": sig, "comparisons": comparisons}
    return comparisons, study


def _render_index(out: Path, rep: Path, rows: list[dict[str, Any]], comparisons: list, study, env
                  ) -> None:
    study = study or read_study(out)
    figures = [{"href": f"../figures/{p.name}", "name": p.name} for p in study.figures]
    tables = [{"name": p.name, "href": f"../{p.name}", "size": p.stat().st_size}
              for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")]
    html = env.get_template("study.html").render(
        rows=rows, comparisons=comparisons, run_figures=figures, tables=tables,
        study=next((r["study"] for r in rows if r.get("study")), out.name),
        n_ok=sum(r["status"] == "ok" for r in rows), n_failed=sum(r["status"] == "failed" for r in rows),
        version=__version__, group_text=_group_text)
    _write_if_changed(rep / "index.html", html)


# ------------------------------------------------------------------------------------------ public
def write_report(out_dir: str | os.PathLike, session: str | None = None, *, force: bool = False,
                 workers: int | None = None) -> Path:
    """Write the static HTML report of a batch run folder into ``OUT_DIR/report/``.

    Parameters
    ----------
    out_dir : path
        A run folder written by ``vtract run`` / ``vtract demo`` (per-session folders, ``sessions.csv``).
    session : str, optional
        Only (re)build this session's page (the study page is written too when it does not exist yet).
    force : bool
        Rebuild every page even when its inputs are unchanged.
    workers : int, optional
        Processes for building session pages (default: up to the number of cores when more than
        two pages need building; ``0`` or ``1``: in this process).

    Returns
    -------
    Path
        ``OUT_DIR/report/index.html``, or the session's page when ``session`` is given.

    Raises
    ------
    VtractError
        When ``out_dir`` is not a run folder or ``session`` is not one of its sessions.

    Examples
    --------
    >>> import vtract.report
    >>> vtract.report.write_report("vtract-demo")  # doctest: +SKIP
    PosixPath('vtract-demo/report/index.html')
    """
    t_start = time.perf_counter()
    out = Path(out_dir).expanduser().resolve()
    if not out.is_dir():
        raise VtractError(f"{out}: no such run folder; give the --out folder of `vtract run` or "
                          "`vtract demo`")
    ids = session_ids(out)
    if not ids:
        raise VtractError(f"{out}: no sessions found (no sessions.csv and no session folders with a "
                          "session.json); run `vtract run MANIFEST --out {out}` first")
    if session is not None and session not in ids:
        raise VtractError(f"session {session!r} is not in {out}; sessions: {', '.join(ids)}")
    rep = out / REPORT_DIR
    (rep / "assets").mkdir(parents=True, exist_ok=True)
    state_path = rep / _STATE
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    code = _code_hash()
    if state.get("code") != code or force:
        state = {"code": code, "sessions": {}, "study": {}}
    state.setdefault("sessions", {})
    for name in _ASSETS:
        _write_if_changed(rep / "assets" / name,
                          (resources.files("vtract.report") / "static" / name).read_text(encoding="utf-8"))
    env = _env()
    todo = []
    for sid in [session] if session else ids:
        sig = _session_signature(out, sid)
        prev = state["sessions"].get(sid)
        if prev and prev.get("signature") == sig and (rep / "sessions" / f"{sid}.html").exists():
            continue
        todo.append((sid, sig))
    n_proc = min(len(todo), os.cpu_count() or 1) if workers is None else workers
    if workers is None and len(todo) <= 2:
        n_proc = 0
    index = rep / "index.html"
    study_too = session is None or not index.exists()
    if n_proc > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # import what the pages need before forking, so the workers do not import it again
        from matplotlib import font_manager

        from .. import acoustics, video  # noqa: F401
        from . import _figures, _summary  # noqa: F401

        font_manager.findfont("DejaVu Sans")  # loads the font list once, for every worker
        for name in ("session.html", "study.html"):
            env.get_template(name)

        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        with ProcessPoolExecutor(n_proc, mp_context=ctx) as pool:
            futures = [pool.submit(_build_worker, (str(out), str(rep), s)) for s, _ in todo]
            # the study's comparisons need only the combined tables: draw them meanwhile
            comparisons, study = _comparisons(out, rep, state) if study_too else ([], None)
            results = dict(f.result() for f in futures)
    else:
        results = {s: build_session(out, rep, s, env) for s, _ in todo}
        comparisons, study = _comparisons(out, rep, state) if study_too else ([], None)
    for sid, sig in todo:
        state["sessions"][sid] = {"signature": sig, "row": results[sid]}
    if session is None:
        for sid in set(state["sessions"]) - set(ids):  # sessions removed from the run
            del state["sessions"][sid]
            (rep / "sessions" / f"{sid}.html").unlink(missing_ok=True)
            shutil.rmtree(rep / "sessions" / sid, ignore_errors=True)
    if study_too:
        rows = [state["sessions"][s]["row"] for s in ids if s in state["sessions"]]
        _render_index(out, rep, rows, comparisons, study, env)
    state["last_run"] = {"rebuilt": [s for s, _ in todo],
                         "seconds": round(time.perf_counter() - t_start, 3)}
    atomic_write_text(state_path, json.dumps(state, indent=1, default=str))
    page = index if session is None else rep / "sessions" / f"{session}.html"
    log.info("report: %d page(s) rebuilt, %d unchanged, in %.1f s; %s", len(todo),
             (1 if session else len(ids)) - len(todo), time.perf_counter() - t_start, page)
    return page
