"""NIfTI-1/2 2D+t reader and writers (nibabel)."""

from __future__ import annotations

import warnings
from pathlib import Path

import nibabel as nib
import numpy as np

from ..errors import DataValueError, FileFormatError, MissingMetadataError, VtractWarning
from ..grid import Grid
from ..sequence import Sequence

__all__ = ["read_nifti", "write_nifti_frames"]

_MAX_VOXELS = 2_000_000_000


def _frame_duration_s(hdr, path: Path) -> float | None:
    """Frame duration in seconds from pixdim[4] and xyzt_units, repairing ms stored as s."""
    zooms = hdr.get_zooms()
    if len(zooms) < 4:
        return None
    dt = float(zooms[3])
    if not np.isfinite(dt) or dt <= 0:
        return None
    _, t_unit = hdr.get_xyzt_units()
    scale = {"sec": 1.0, "msec": 1e-3, "usec": 1e-6}.get(t_unit)
    if scale is None:  # 'unknown' (or hz/ppm/rads, meaningless here): infer from the magnitude
        scale = 1.0 if dt < 2.0 else 1e-3
        warnings.warn(f"{path}: time unit is {t_unit!r}; read pixdim[4]={dt:g} as "
                      f"{'seconds' if scale == 1 else 'milliseconds'} per frame", VtractWarning,
                      stacklevel=4)
    dur = dt * scale
    if t_unit == "sec" and dur >= 2.0:
        # The common mistake: milliseconds written with the unit 'sec' (e.g. 20 s per frame).
        fixed = dur * 1e-3
        if 1e-4 <= fixed <= 1.0:
            warnings.warn(
                f"{path}: frame duration {dur:g} s is implausible for real-time MRI; the header "
                f"most likely stores milliseconds with the unit 'sec'. Using {fixed * 1e3:g} ms "
                f"({1 / fixed:.4g} fps); pass fps=... to override", VtractWarning, stacklevel=4)
            return fixed
        raise MissingMetadataError(
            f"{path}: frame duration {dur:g} s (pixdim[4] with unit 'sec') is implausible; "
            "pass fps=... to set the frame rate")
    return dur


def read_nifti(path: Path, *, fps: float | None = None,
               pixel_spacing_mm: tuple[float, float] | None = None,
               t0_s: float | None = None) -> Sequence:
    """Read a 2D+t NIfTI (one spatial axis of size 1, time on axis 3) into the canonical view."""
    try:
        img = nib.load(str(path))
    except Exception as exc:  # nibabel raises several types for bad headers
        raise FileFormatError(f"{path}: not a readable NIfTI file ({exc})") from exc
    shape = tuple(int(s) for s in img.shape)
    while len(shape) > 4 and shape[-1] == 1:
        shape = shape[:-1]
    if len(shape) == 3 and 1 in shape:
        shape = shape + (1,)
    if len(shape) != 4 or 1 not in shape[:3]:
        raise FileFormatError(
            f"{path}: expected a 2D+t image (X, Y, Z, T) with one spatial axis of size 1; "
            f"got shape {tuple(img.shape)}")
    if int(np.prod(shape, dtype=np.int64)) > _MAX_VOXELS:
        raise FileFormatError(f"{path}: header claims {shape} voxels, too many to be an rtMRI series")
    hdr = img.header
    if not str(path).endswith(".gz"):
        n_vox = int(np.prod(shape, dtype=np.int64))
        need = int(hdr.get_data_offset()) + n_vox * hdr.get_data_dtype().itemsize
        have = Path(path).stat().st_size
        if have < need:
            raise FileFormatError(f"{path}: truncated: header needs {need} bytes, file has {have}")
    try:
        data = np.asarray(img.dataobj).reshape(shape)
    except Exception as exc:
        raise FileFormatError(f"{path}: cannot read the image data ({exc})") from exc
    if not np.issubdtype(data.dtype, np.number) or np.issubdtype(data.dtype, np.complexfloating):
        raise FileFormatError(f"{path}: unsupported data type {data.dtype}")

    has_orientation = int(hdr["sform_code"]) > 0 or int(hdr["qform_code"]) > 0
    if has_orientation:
        try:
            grid = Grid.from_affine(shape[:3], img.affine)
        except ValueError as exc:
            raise FileFormatError(f"{path}: {exc}") from exc
    else:
        warnings.warn(f"{path}: no orientation in the header (qform/sform codes 0); assuming the two "
                      "in-plane axes are (row=head→feet, col=face→back)", VtractWarning, stacklevel=3)
        k = shape[:3].index(1)
        data = np.moveaxis(data, k, 0)
        zooms = [float(z) for i, z in enumerate(hdr.get_zooms()[:3]) if i != k]
        grid = Grid.canonical(data.shape[1], data.shape[2], (zooms[0], zooms[1]))
    frames = grid.to_canonical(data)

    dur = _frame_duration_s(hdr, path)
    if fps is None:
        if dur is None:
            raise MissingMetadataError(
                f"{path}: no frame rate: pixdim[4] (frame duration) is 0 or missing; pass fps=... "
                "(CLI: --fps, manifest: fps)")
        fps = 1.0 / dur
    if pixel_spacing_mm is None:
        pixel_spacing_mm = grid.voxel_sizes_mm()
    if t0_s is None:
        toff = float(hdr["toffset"]) if "toffset" in hdr else 0.0
        t0_s = toff if np.isfinite(toff) else 0.0
    meta = {"format": "nifti", "descrip": str(hdr["descrip"].astype(str)) if "descrip" in hdr else ""}
    try:
        return Sequence(frames, fps=fps, pixel_spacing_mm=pixel_spacing_mm, t0_s=t0_s,
                        source=str(path), grid=grid, metadata=meta)
    except DataValueError as exc:
        raise DataValueError(f"{path}: {exc}") from exc


def write_nifti_frames(frames: np.ndarray, path: Path, *, grid: Grid, fps: float, t0_s: float = 0.0,
                       dtype=np.float32) -> Path:
    """Write canonical frames ``(T, ny, nx)`` on ``grid`` as a NIfTI-1 file (4D, time on axis 3)."""
    from .._atomic import atomic_path

    data = grid.from_canonical(np.asarray(frames).astype(dtype, copy=False))
    img = nib.Nifti1Image(data, grid.affine)
    hdr = img.header
    hdr.set_xyzt_units("mm", "sec")
    zooms = list(hdr.get_zooms()[:3]) + [1.0 / float(fps)]
    hdr.set_zooms(zooms)
    hdr["toffset"] = float(t0_s)
    img.set_qform(grid.affine, code=1)
    img.set_sform(grid.affine, code=1)
    if np.issubdtype(np.dtype(dtype), np.integer):
        hdr.set_slope_inter(1, 0)
    with atomic_path(path) as tmp:
        nib.save(img, str(tmp))
    return Path(path)
