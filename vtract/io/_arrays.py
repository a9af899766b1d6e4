"""NumPy (.npy/.npz), MATLAB (.mat v5 and v7.3/HDF5) and HDF5 (.h5/.hdf5) frame arrays.

Plain arrays carry no clock and (usually) no spacing: ``fps`` must be given (or stored in the file as
``fps``), ``pixel_spacing_mm`` may be stored as ``pixel_spacing_mm`` or given.

Array layout: ``(n_frames, ny, nx)`` in the canonical view (``time_axis=0``), except MATLAB files, which by
MATLAB convention stack frames last, ``(ny, nx, n_frames)`` (``time_axis=-1``). Pass ``time_axis=`` to
override and ``key=`` to pick a variable when the file holds several 3D arrays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError, MissingMetadataError
from ..sequence import Sequence

__all__ = ["read_array_file"]


def _pick(arrays: dict[str, Any], key: str | None, path: Path) -> tuple[np.ndarray, dict[str, Any]]:
    meta = {k: v for k, v in arrays.items() if k in ("fps", "pixel_spacing_mm", "t0_s")}
    if key is not None:
        if key not in arrays:
            raise FileFormatError(f"{path}: no variable {key!r}; found {sorted(arrays)}")
        return np.asarray(arrays[key]), meta
    if "frames" in arrays:
        return np.asarray(arrays["frames"]), meta
    cands = {k: v for k, v in arrays.items()
             if isinstance(v, np.ndarray) and v.ndim in (3, 2) and min(v.shape) > 1}
    three = {k: v for k, v in cands.items() if v.ndim == 3}
    cands = three or cands
    if len(cands) != 1:
        raise FileFormatError(
            f"{path}: cannot tell which variable holds the frames (candidates: {sorted(cands)}); "
            "name it 'frames' or pass key=...")
    return np.asarray(next(iter(cands.values()))), meta


def _scalar(v: Any) -> float:
    return float(np.asarray(v).ravel()[0])


def _h5_arrays(path: Path) -> dict[str, Any]:
    import h5py

    out: dict[str, Any] = {}
    with h5py.File(path, "r") as fh:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "fiub" and obj.size < 2_000_000_000:
                out[name] = obj[()]
        fh.visititems(visit)
        for k in ("fps", "pixel_spacing_mm", "t0_s"):
            if k in fh.attrs and k not in out:
                out[k] = fh.attrs[k]
    return out


def read_array_file(path: Path, *, fps: float | None = None,
                    pixel_spacing_mm: tuple[float, float] | None = None, t0_s: float | None = None,
                    key: str | None = None, time_axis: int | None = None) -> Sequence:
    """Read frames from a .npy/.npz/.mat/.h5 file (see the module docstring for the layout)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            arrays = {"frames": np.load(path, allow_pickle=False)}
        elif suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        elif suffix == ".mat":
            import h5py

            if h5py.is_hdf5(path):  # MATLAB v7.3 files are HDF5 (and store arrays transposed)
                arrays = {k: (np.asarray(v).T if np.ndim(v) > 1 else v)
                          for k, v in _h5_arrays(path).items()}
            else:
                from scipy.io import loadmat

                arrays = {k: v for k, v in loadmat(path).items() if not k.startswith("__")}
        else:  # .h5 / .hdf5
            arrays = _h5_arrays(path)
    except FileFormatError:
        raise
    except Exception as exc:
        raise FileFormatError(f"{path}: cannot read as {suffix} array file ({exc})") from exc
    data, meta = _pick(arrays, key, path)
    if not np.issubdtype(data.dtype, np.number) or data.dtype.kind == "c":
        raise FileFormatError(f"{path}: frames have unsupported dtype {data.dtype}")
    if data.ndim == 2:
        data = data[np.newaxis] if (time_axis in (None, 0)) else data[..., np.newaxis]
    if data.ndim != 3:
        raise FileFormatError(f"{path}: expected a 3D array (frames, rows, cols); got shape {data.shape}")
    if time_axis is None:
        time_axis = -1 if suffix == ".mat" else 0
    data = np.moveaxis(data, time_axis, 0)
    if fps is None and "fps" in meta:
        fps = _scalar(meta["fps"])
    if fps is None:
        raise MissingMetadataError(
            f"{path}: arrays carry no frame rate; pass fps=... (CLI: --fps, manifest: fps) or store "
            "'fps' in the file")
    if pixel_spacing_mm is None and "pixel_spacing_mm" in meta:
        pixel_spacing_mm = tuple(np.asarray(meta["pixel_spacing_mm"], float).ravel()[:2])
    if t0_s is None:
        t0_s = _scalar(meta["t0_s"]) if "t0_s" in meta else 0.0
    return Sequence(data, fps=fps, pixel_spacing_mm=pixel_spacing_mm, t0_s=t0_s, source=str(path),
                    metadata={"format": suffix.lstrip(".")})
