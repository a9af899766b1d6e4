"""vtract: real-time MRI analysis of the vocal tract.

Read rtMRI sequences and their audio, segment airway, tongue, hard palate and velum, derive articulatory
measures, analyse the sound with Parselmouth, put both on one clock, render articulation videos and
batch-process whole studies.

Public names are imported lazily so that ``import vtract`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__
from .audio import Audio
from .errors import VtractError
from .sequence import Sequence
from .session import Session

# public name -> "module:attribute"; modules land with their issues (see README: API).
_LAZY: dict[str, str] = {
    "read_sequence": "vtract.io:read_sequence",
    "read_audio": "vtract.io:read_audio",
    "write_labels": "vtract.io:write_labels",
    "write_sequence": "vtract.io:write_sequence",
    "write_table": "vtract.io:write_table",
    "read_table": "vtract.io:read_table",
    "load_manifest": "vtract.manifest:load_manifest",
    "load_session": "vtract.manifest:load_session",
    # segmentation and measures
    "segment": "vtract.segmentation:segment",
    "Segmentation": "vtract.segmentation:Segmentation",
    "measure": "vtract.measures:measure",
    # acoustics and synchronisation
    "analyze_audio": "vtract.acoustics:analyze_audio",
    "suppress_mri_noise": "vtract.acoustics:suppress_mri_noise",
    "synchronize": "vtract.sync:synchronize",
    # videos, batch
    "render_video": "vtract.video:render_video",
    "render_comparison": "vtract.video:render_comparison",
    "render_still": "vtract.video:render_still",
    "synced_table": "vtract.synced:synced_table",
    "SyncResult": "vtract.sync:SyncResult",
    "load_demo": "vtract.datasets:load_demo",
    "run_batch": "vtract.batch:run_batch",
    # reading a run's outputs back
    "load_result": "vtract.results:load_result",
    "load_run": "vtract.results:load_run",
}

_SUBMODULES = {"io", "manifest", "labels", "grid", "errors", "datasets", "phantom", "segmentation",
               "measures", "acoustics", "sync", "video", "batch", "compare", "plotting", "tube",
               "textgrid", "qc", "preprocess", "clock", "synced", "results"}

__all__ = ["__version__", "Audio", "Sequence", "Session", "VtractError", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        mod, attr = _LAZY[name].split(":")
        value = getattr(importlib.import_module(mod), attr)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"vtract.{name}")
    raise AttributeError(f"module 'vtract' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
