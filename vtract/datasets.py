"""Built-in demo data: a synthetic rtMRI + audio phantom with ground truth (see :mod:`vtract.phantom`).

No public rtMRI can be shipped, so vtract builds its demo sets deterministically from a seed and caches
them in ``$VTRACT_DATA_DIR`` (default ``~/.cache/vtract``), in a versioned folder
``<name>-v<DEMO_VERSION>``:

=============  ========  ==========================================================================
name           variant   content
=============  ========  ==========================================================================
``demo``       full      20 sessions (4 subjects; classical, belting, pop singing; trumpet, clarinet,
                         flute), 3-6 s each, matrices 68/84/128; builds in < 1 min on 2 cores
``demo-quick`` quick     5 short sessions (classical, belting, pop, trumpet, flute; 3 subjects) for
                         tests; builds in seconds
=============  ========  ==========================================================================

Each folder holds one sub-folder per session (files listed in :mod:`vtract.phantom._session`) and a
``manifest.yaml`` (root ``.``); the repository's ``data_manifests/demo.yaml`` and ``demo_quick.yaml`` list
the same sessions with root ``dataset:demo`` / ``dataset:demo-quick``.

Examples
--------
>>> from vtract import datasets
>>> man = datasets.load_demo("quick")  # doctest: +SKIP
>>> [s.id for s in man.sessions][:2]  # doctest: +SKIP
['sub01_classical_01', 'sub02_belting_01']
"""

from __future__ import annotations

import json
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

from ._cache import DATASET_NAMES, MARKER, data_dir, dataset_dir, is_built, name_of, variant_of
from .errors import VtractError

__all__ = ["data_dir", "dataset_path", "load_demo", "make_demo", "prepare", "DATASET_NAMES"]

_MARKER = MARKER


def _variant(variant: str) -> str:
    return variant_of(variant)


def _build_one(args: tuple) -> dict:
    from .phantom import build_session

    spec, out = args
    return build_session(spec, out)


def make_demo(out_dir: str | os.PathLike, variant: str = "full", seed: int = 0, *,
              workers: int | None = None, progress=None) -> Path:
    """Build a demo set into a folder (deterministic: same seed, same bytes).

    Parameters
    ----------
    out_dir : path
        Target folder (created; existing session folders are overwritten).
    variant : {"full", "quick"}
        Which set.
    seed : int
        Base seed.
    workers : int, optional
        Worker processes (default: ``min(2, os.cpu_count())``; 1 = build in this process).
    progress : callable, optional
        Called with each session's summary dict as it finishes.

    Returns
    -------
    Path
        ``out_dir``, containing one folder per session and ``manifest.yaml``.
    """
    from .phantom import DEMO_VERSION, manifest_dict, session_specs

    variant = _variant(variant)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specs = session_specs(variant, seed=seed)
    if workers is None:
        workers = max(1, min(2, os.cpu_count() or 1))
    t0 = time.perf_counter()
    summaries = []
    if workers == 1:
        for s in specs:
            summaries.append(_build_one((s, out)))
            if progress:
                progress(summaries[-1])
    else:
        # Longest sessions first so the two workers finish together.
        order = sorted(specs, key=lambda s: -s.duration_s * s.fps * (s.matrix / 84) ** 2)
        with ProcessPoolExecutor(max_workers=workers) as ex:
            for summ in ex.map(_build_one, [(s, out) for s in order]):
                summaries.append(summ)
                if progress:
                    progress(summ)
    man = manifest_dict(variant, root=".")
    (out / "manifest.yaml").write_text(yaml.safe_dump(man, sort_keys=False), encoding="utf-8")
    (out / _MARKER).write_text(json.dumps({
        "variant": variant, "seed": seed, "version": DEMO_VERSION,
        "sessions": sorted(s["session_id"] for s in summaries),
        "build_s": round(time.perf_counter() - t0, 2),
        "cpu_s": round(sum(s["cpu_s"] for s in summaries), 2),
        "bytes": sum(s["bytes"] for s in summaries)}, indent=1), encoding="utf-8")
    return out


def dataset_path(name: str = "demo", *, seed: int = 0) -> Path:
    """Return the folder of a built demo set, building it into the cache first if needed.

    Parameters
    ----------
    name : {"demo", "demo-quick"}
        Dataset name (``"full"``/``"quick"`` are accepted too).
    seed : int
        Base seed (the cache holds the default seed 0; other seeds get their own folder).

    Returns
    -------
    Path
        ``$VTRACT_DATA_DIR/<name>-v<version>[-seed<seed>]/``.

    Raises
    ------
    VtractError
        If the cache folder cannot be created or written.
    """
    variant = _variant(name)
    final = dataset_dir(name, seed=seed)
    root = final.parent
    if is_built(final):
        return final
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VtractError(f"cannot create the data folder {root} ({exc}); set VTRACT_DATA_DIR to a "
                          "writable folder") from exc
    lock = root / f".{final.name}.lock"
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; concurrent first builds just repeat the work
        fcntl = None

    with open(lock, "w") as fh:
        if fcntl is not None:
            fcntl.flock(fh, fcntl.LOCK_EX)  # another process may be building the same set
        try:
            if (final / _MARKER).exists():
                return final
            tmp = root / f".{final.name}.tmp{os.getpid()}"
            if tmp.exists():
                shutil.rmtree(tmp)
            make_demo(tmp, variant, seed)
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        finally:
            if fcntl is not None:
                fcntl.flock(fh, fcntl.LOCK_UN)
    return final


def load_demo(variant: str = "full", *, seed: int = 0):
    """Return the manifest of a demo set (built and cached on first use).

    Parameters
    ----------
    variant : {"full", "quick"}
        ``"full"`` (dataset ``demo``) or ``"quick"`` (dataset ``demo-quick``).
    seed : int
        Base seed.

    Returns
    -------
    vtract.manifest.Manifest
        Sessions resolve to the cached folder; read one with :func:`vtract.manifest.load_session`.
    """
    from .manifest import load_manifest

    return load_manifest(dataset_path(name_of(variant), seed=seed) / "manifest.yaml")


def prepare(manifest) -> Path:
    """Build the built-in dataset a manifest's ``root: "dataset:NAME"`` names, if not built yet.

    Parameters
    ----------
    manifest : Manifest
        Any manifest; one whose root is not a ``dataset:`` is left alone.

    Returns
    -------
    Path
        The manifest's root folder (now existing for a dataset root).
    """
    if manifest.dataset is not None:
        dataset_path(manifest.dataset)
    return manifest.root_dir

