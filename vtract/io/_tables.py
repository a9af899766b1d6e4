"""Tables (CSV for small hand-opened outputs, Parquet for combined tables) with a JSON sidecar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._atomic import atomic_path, atomic_write_text
from .._version import __version__
from ..errors import FileFormatError

__all__ = ["write_table", "read_table", "write_sidecar", "sidecar_path", "to_jsonable"]


def sidecar_path(path: str | Path) -> Path:
    """``FEATURES.csv`` → ``FEATURES.json`` (the settings/provenance sidecar)."""
    p = Path(path)
    return p.with_suffix(".json")


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, paths and tuples to JSON types; NaN/inf become ``None``."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def write_sidecar(path: str | Path, settings: dict | None = None, **extra: Any) -> Path:
    """Write the JSON sidecar recording the settings and the vtract version for ``path``.

    Parameters
    ----------
    path : path
        The data file the sidecar describes (the sidecar is ``path`` with a ``.json`` suffix).
    settings : dict, optional
        Settings that produced the file.
    **extra
        More JSON-ready fields.

    Returns
    -------
    Path
        The sidecar's path.
    """
    meta = {"vtract_version": __version__, "file": Path(path).name, "settings": settings or {}}
    meta.update(extra)
    side = sidecar_path(path)
    atomic_write_text(side, json.dumps(to_jsonable(meta), indent=2))
    return side


def write_table(df: pd.DataFrame, path: str | Path, *, settings: dict | None = None,
                sidecar: bool = True) -> Path:
    """Write a tidy table atomically as CSV or Parquet (by suffix), plus a JSON sidecar.

    Parameters
    ----------
    df : DataFrame
        The table (a ``time_s`` column and units as name suffixes by convention).
    path : path
        ``.csv`` or ``.parquet``.
    settings : dict, optional
        Settings that produced the table, recorded in the sidecar.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise FileFormatError(f"{path}: tables are written as .csv or .parquet")
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            df.to_csv(tmp, index=False, float_format="%.6g")
        else:
            df.to_parquet(tmp, index=False)
    if sidecar:
        write_sidecar(path, settings, n_rows=len(df), columns=list(map(str, df.columns)))
    return path


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet table written by vtract.

    Parameters
    ----------
    path : path
        ``.csv`` or ``.parquet``.

    Returns
    -------
    DataFrame
        The table.
    """
    path = Path(path)
    if not path.exists():
        raise FileFormatError(f"{path}: no such file")
    try:
        return pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except Exception as exc:
        raise FileFormatError(f"{path}: cannot read table ({exc})") from exc
