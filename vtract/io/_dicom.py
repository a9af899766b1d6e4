"""DICOM reader: a folder of single-frame images of one series, or one enhanced multi-frame file.

Uses pydicom. Only non-identifying attributes are ever read into vtract objects (see ``_SAFE_TAGS``);
patient fields are never printed or stored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FileFormatError, MissingMetadataError
from ..grid import Grid
from ..sequence import Sequence

__all__ = ["read_dicom"]

#: The only header fields vtract copies into metadata (no patient or institution fields).
_SAFE_TAGS = ("Modality", "Manufacturer", "MagneticFieldStrength", "RepetitionTime", "EchoTime",
              "FlipAngle", "SliceThickness", "SeriesNumber", "NumberOfFrames")


def _tm_seconds(value) -> float | None:
    """DICOM TM ('HHMMSS.FFFFFF') or DT to seconds since midnight."""
    if value in (None, ""):
        return None
    s = str(value).strip()
    if len(s) >= 14 and s[:8].isdigit():  # DT: YYYYMMDDHHMMSS.FFFFFF
        s = s[8:]
    try:
        hh, mm = int(s[0:2]), int(s[2:4]) if len(s) >= 4 else 0
        ss = float(s[4:]) if len(s) > 4 else 0.0
    except ValueError:
        return None
    return hh * 3600 + mm * 60 + ss


def _orient(frames: np.ndarray, iop) -> tuple[np.ndarray, bool]:
    """Reorder/flip image axes so rows run head→feet and columns face→back.

    DICOM patient coordinates are LPS: +y posterior, +z superior. ``iop`` gives the direction of
    increasing column (first triplet) and of increasing row (second triplet).
    """
    if iop is None or len(iop) != 6:
        return frames, False
    r = np.asarray(iop[:3], float)  # along a row (column index increases)
    c = np.asarray(iop[3:], float)  # down a column (row index increases)
    transposed = abs(r[2]) > abs(r[1])  # columns run along S-I: swap the image axes
    if transposed:
        frames = np.swapaxes(frames, 1, 2)
        r, c = c, r
    if r[1] < 0:  # columns should increase towards posterior (+y)
        frames = frames[:, :, ::-1]
    if c[2] > 0:  # rows should increase towards inferior (-z)
        frames = frames[:, ::-1, :]
    return np.ascontiguousarray(frames), transposed


def _safe_meta(ds) -> dict:
    meta = {"format": "dicom"}
    for tag in _SAFE_TAGS:
        v = getattr(ds, tag, None)
        if v is not None and v != "":
            try:
                meta[tag] = float(v) if tag not in ("Modality", "Manufacturer") else str(v)
            except (TypeError, ValueError):
                pass
    return meta


def _read_multiframe(path: Path, ds, fps, spacing, t0_s) -> Sequence:
    frames = np.asarray(ds.pixel_array, dtype=np.float32)
    if frames.ndim == 2:
        frames = frames[np.newaxis]
    times = []
    iop = getattr(ds, "ImageOrientationPatient", None)
    shared = getattr(ds, "SharedFunctionalGroupsSequence", None)
    if shared:
        g = shared[0]
        if spacing is None and "PixelMeasuresSequence" in g:
            spacing = tuple(float(v) for v in g.PixelMeasuresSequence[0].PixelSpacing)
        if iop is None and "PlaneOrientationSequence" in g:
            iop = g.PlaneOrientationSequence[0].ImageOrientationPatient
    for pf in getattr(ds, "PerFrameFunctionalGroupsSequence", []) or []:
        fc = pf.FrameContentSequence[0] if "FrameContentSequence" in pf else None
        t = _tm_seconds(getattr(fc, "FrameAcquisitionDateTime", None)) if fc is not None else None
        times.append(t)
    if spacing is None and getattr(ds, "PixelSpacing", None):
        spacing = tuple(float(v) for v in ds.PixelSpacing)
    if fps is None:
        if times and all(t is not None for t in times) and len(times) > 1:
            fps = 1.0 / float(np.median(np.diff(times)))
        elif getattr(ds, "FrameTime", None):
            fps = 1000.0 / float(ds.FrameTime)  # FrameTime is in ms
    frames, transposed = _orient(frames, iop)
    if transposed and spacing is not None:
        spacing = (spacing[1], spacing[0])
    return _finish(path, frames, fps, spacing, t0_s, _safe_meta(ds))


def _finish(path, frames, fps, spacing, t0_s, meta) -> Sequence:
    if fps is None:
        raise MissingMetadataError(
            f"{path}: no frame timing in the DICOM headers (acquisition times, FrameTime); pass fps=...")
    return Sequence(frames, fps=fps, pixel_spacing_mm=spacing, t0_s=t0_s or 0.0, source=str(path),
                    grid=Grid.canonical(frames.shape[1], frames.shape[2], spacing,
                                        meta.get("SliceThickness")),
                    metadata=meta)


def read_dicom(path: Path, *, fps: float | None = None,
               pixel_spacing_mm: tuple[float, float] | None = None,
               t0_s: float | None = None) -> Sequence:
    """Read a DICOM series folder (single-frame files) or an enhanced multi-frame file."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    path = Path(path)
    if path.is_file():
        try:
            ds = pydicom.dcmread(path)
        except (InvalidDicomError, Exception) as exc:
            raise FileFormatError(f"{path}: not a readable DICOM file ({exc})") from exc
        try:
            return _read_multiframe(path, ds, fps, pixel_spacing_mm, t0_s)
        except (MissingMetadataError, FileFormatError):
            raise
        except Exception as exc:
            raise FileFormatError(f"{path}: cannot decode the DICOM pixel data ({exc})") from exc

    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    items = []
    series = set()
    for f in files:
        try:
            ds = pydicom.dcmread(f, stop_before_pixels=False)
        except Exception:
            continue  # not DICOM (e.g. a README in the folder)
        if "PixelData" not in ds:
            continue
        series.add(str(getattr(ds, "SeriesInstanceUID", "")))
        items.append((f, ds))
    if not items:
        raise FileFormatError(f"{path}: the folder holds no DICOM images")
    if len(series) > 1:
        raise FileFormatError(f"{path}: the folder mixes {len(series)} series; put one series per folder")

    def sort_key(item):
        ds = item[1]
        t = _tm_seconds(getattr(ds, "AcquisitionTime", None))
        n = int(getattr(ds, "InstanceNumber", 0) or 0)
        return (t if t is not None else float("inf"), n, item[0].name)

    items.sort(key=sort_key)
    try:
        frames = np.stack([np.asarray(ds.pixel_array, dtype=np.float32) for _, ds in items])
    except Exception as exc:
        raise FileFormatError(f"{path}: cannot decode the DICOM pixel data or the images differ in "
                              f"size ({exc})") from exc
    first = items[0][1]
    slope = float(getattr(first, "RescaleSlope", 1) or 1)
    inter = float(getattr(first, "RescaleIntercept", 0) or 0)
    frames = frames * slope + inter
    spacing = pixel_spacing_mm
    if spacing is None and getattr(first, "PixelSpacing", None):
        spacing = tuple(float(v) for v in first.PixelSpacing)
    times = [_tm_seconds(getattr(ds, "AcquisitionTime", None)) for _, ds in items]
    if fps is None and len(items) > 1 and all(t is not None for t in times):
        dt = np.diff(times)
        if np.all(dt > 0):
            fps = 1.0 / float(np.median(dt))
    if fps is None and getattr(first, "FrameTime", None):
        fps = 1000.0 / float(first.FrameTime)
    frames, transposed = _orient(frames, getattr(first, "ImageOrientationPatient", None))
    if transposed and spacing is not None:
        spacing = (spacing[1], spacing[0])
    meta = _safe_meta(first)
    meta["n_files"] = len(items)
    if all(t is not None for t in times):
        meta["acquisition_times_s"] = [float(t - times[0]) for t in times]
    return _finish(path, frames, fps, spacing, t0_s, meta)
