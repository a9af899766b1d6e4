"""Where vtract's built-in datasets live in the cache (paths only: nothing here builds anything).

Shared by :mod:`vtract.datasets` (which builds the sets) and :mod:`vtract.manifest` (whose
``root: "dataset:NAME"`` resolves to the cached folder), so that reading a manifest never imports
the builder.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import DataValueError

__all__ = ["DATASET_NAMES", "MARKER", "data_dir", "dataset_dir", "is_built", "variant_of", "name_of"]

#: names of the built-in datasets
DATASET_NAMES = ("demo", "demo-quick")
_VARIANT_OF = {"demo": "full", "demo-quick": "quick"}
_NAME_OF = {"full": "demo", "quick": "demo-quick"}
#: file written last into a finished dataset folder
MARKER = ".complete.json"


def data_dir() -> Path:
    """Return the cache folder: ``$VTRACT_DATA_DIR`` or ``~/.cache/vtract``.

    Returns
    -------
    Path
        The folder (not created here).
    """
    d = os.environ.get("VTRACT_DATA_DIR")
    return Path(d).expanduser() if d else Path.home() / ".cache" / "vtract"


def variant_of(name: str) -> str:
    """Return the demo variant (``"full"`` / ``"quick"``) of a dataset name or variant.

    Parameters
    ----------
    name : str
        ``"demo"``, ``"demo-quick"``, ``"full"`` or ``"quick"``.

    Returns
    -------
    str
        ``"full"`` or ``"quick"``.

    Raises
    ------
    DataValueError
        For any other name.
    """
    if name in _NAME_OF:
        return name
    if name in _VARIANT_OF:
        return _VARIANT_OF[name]
    raise DataValueError(f"unknown demo variant {name!r}; expected 'full' or 'quick' "
                         f"(or a dataset name {list(DATASET_NAMES)})")


def name_of(variant: str) -> str:
    """Return the dataset name (``"demo"`` / ``"demo-quick"``) of a variant or name."""
    return _NAME_OF[variant_of(variant)]


def dataset_dir(name: str, *, seed: int = 0) -> Path:
    """Return the cache folder of a built-in dataset, built or not.

    Parameters
    ----------
    name : str
        Dataset name or variant (see :func:`variant_of`).
    seed : int
        Base seed (other seeds than 0 get their own folder).

    Returns
    -------
    Path
        ``$VTRACT_DATA_DIR/<name>-v<DEMO_VERSION>[-seed<seed>]/``.
    """
    from .phantom._catalog import DEMO_VERSION

    return data_dir() / (f"{name_of(name)}-v{DEMO_VERSION}" + (f"-seed{seed}" if seed else ""))


def is_built(folder: Path) -> bool:
    """Whether a dataset folder is complete (its marker file exists)."""
    return (Path(folder) / MARKER).exists()
