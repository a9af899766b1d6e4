"""Readers and writers: one private module per format behind :func:`read_sequence` / :func:`read_audio`.

| format | suffixes | reader |
|---|---|---|
| NIfTI 2D+t | ``.nii``, ``.nii.gz`` | nibabel, reoriented from the affine |
| DICOM | a folder of single-frame images, or one enhanced multi-frame ``.dcm`` | pydicom |
| video | ``.avi``, ``.mp4``, ``.mov``, ``.mkv`` | PyAV (FFmpeg) |
| arrays | ``.npy``, ``.npz``, ``.mat`` (v5 and v7.3), ``.h5``/``.hdf5`` | numpy, scipy, h5py |
| audio | ``.wav``, ``.flac`` (and other libsndfile formats) | soundfile |
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import Audio
from ..errors import FileFormatError, VtractError
from ..sequence import Sequence
from ._tables import read_table, write_sidecar, write_table

__all__ = ["read_sequence", "read_audio", "write_labels", "write_sequence", "write_table",
           "read_table", "write_sidecar", "describe", "file_stem", "SEQUENCE_SUFFIXES",
           "AUDIO_SUFFIXES"]

NIFTI_SUFFIXES = (".nii", ".nii.gz")
VIDEO_SUFFIXES = (".avi", ".mp4", ".mov", ".mkv", ".m4v", ".webm")
ARRAY_SUFFIXES = (".npy", ".npz", ".mat", ".h5", ".hdf5")
DICOM_SUFFIXES = (".dcm", ".ima")
SEQUENCE_SUFFIXES = NIFTI_SUFFIXES + VIDEO_SUFFIXES + ARRAY_SUFFIXES + DICOM_SUFFIXES
AUDIO_SUFFIXES = (".wav", ".flac", ".aif", ".aiff", ".ogg")


def file_stem(path: str | os.PathLike) -> str:
    """Return a file's name without its data suffix, compound ones included.

    Parameters
    ----------
    path : path
        A sequence, audio or table file (or a DICOM folder).

    Returns
    -------
    str
        ``"s1.nii.gz"`` -> ``"s1"``, ``"take.wav"`` -> ``"take"``, ``"dicom_dir"`` -> ``"dicom_dir"``.
    """
    name = Path(path).name
    for suffix in sorted(SEQUENCE_SUFFIXES + AUDIO_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return Path(name).stem


def _kind(path: Path) -> str:
    name = path.name.lower()
    if path.is_dir():
        return "dicom"
    if name.endswith(NIFTI_SUFFIXES):
        return "nifti"
    if name.endswith(VIDEO_SUFFIXES):
        return "video"
    if name.endswith(ARRAY_SUFFIXES):
        return "array"
    if name.endswith(DICOM_SUFFIXES):
        return "dicom"
    if name.endswith(AUDIO_SUFFIXES):
        return "audio"
    # Sniff: DICOM preamble, NIfTI magic.
    try:
        with open(path, "rb") as fh:
            head = fh.read(352)
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot open ({exc})") from exc
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "dicom"
    if len(head) >= 348 and head[344:347] in (b"n+1", b"ni1"):
        return "nifti"
    return "unknown"


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise FileFormatError(f"{path}: no such file or folder")


def read_sequence(path: str | os.PathLike, **overrides: Any) -> Sequence:
    """Read an rtMRI sequence from any supported format into the canonical view.

    Parameters
    ----------
    path : path
        A NIfTI file, a DICOM folder or multi-frame file, a video, or an array file.
    **overrides
        ``fps`` (frames/s), ``pixel_spacing_mm`` ((row_mm, col_mm) or one number), ``t0_s``; for arrays
        also ``key`` and ``time_axis``. Overrides win over the file's own values.
        ``allow_truncated=True`` accepts a video holding fewer frames than its header lists
        (ignored by the other formats, which cannot be read truncated).

    Returns
    -------
    Sequence

    Raises
    ------
    FileFormatError
        Missing, unreadable, truncated or unsupported file (the message names the file).
    MissingMetadataError
        No frame rate could be found and none was given.

    Examples
    --------
    >>> seq = vtract.read_sequence("s2_study6_3.avi", pixel_spacing_mm=2.9)  # doctest: +SKIP
    """
    path = Path(path)
    _check_exists(path)
    ov = {k: v for k, v in overrides.items() if v is not None}
    if "pixel_spacing_mm" in ov:
        ov["pixel_spacing_mm"] = tuple(float(v) for v in
                                       np.broadcast_to(np.asarray(ov["pixel_spacing_mm"], float), (2,)))
    kind = _kind(path)
    if ov.pop("allow_truncated", False) and kind == "video":
        ov["allow_truncated"] = True
    allowed = ({"fps", "pixel_spacing_mm", "t0_s"} | ({"key", "time_axis"} if kind == "array" else set())
               | ({"allow_truncated"} if kind == "video" else set()))
    unknown = set(ov) - allowed
    if unknown:
        raise VtractError(f"{path}: unknown override(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    try:
        if kind == "nifti":
            from ._nifti import read_nifti

            return read_nifti(path, **ov)
        if kind == "video":
            from ._video import read_video

            return read_video(path, **ov)
        if kind == "array":
            from ._arrays import read_array_file

            return read_array_file(path, **ov)
        if kind == "dicom":
            from ._dicom import read_dicom

            return read_dicom(path, **ov)
    except VtractError as exc:
        if str(path) in str(exc):
            raise
        raise type(exc)(f"{path}: {exc}") from exc
    except MemoryError as exc:
        raise FileFormatError(f"{path}: header asks for more memory than available; corrupt?") from exc
    except Exception as exc:  # last guard: only vtract errors escape a reader
        raise FileFormatError(f"{path}: cannot read ({type(exc).__name__}: {exc})") from exc
    if kind == "audio":
        raise FileFormatError(f"{path}: this is an audio file; use read_audio()")
    raise FileFormatError(
        f"{path}: unknown sequence format; supported: NIfTI {NIFTI_SUFFIXES}, DICOM folder/.dcm, "
        f"video {VIDEO_SUFFIXES}, arrays {ARRAY_SUFFIXES}")


def read_audio(path: str | os.PathLike, *, channel: int | str | None = None) -> Audio:
    """Read an audio file (WAV 16/24/32-bit int or float, FLAC) as mono :class:`Audio`.

    Parameters
    ----------
    path : path
        The audio file.
    channel : int, "mix" or None
        Channel to keep (0-based) or ``"mix"``; required for multi-channel files.

    Returns
    -------
    Audio
        Mono samples (float64, -1..1) with ``sample_rate_hz`` (Hz) from the header.
    """
    from ._audio import read_audio_file

    path = Path(path)
    _check_exists(path)
    try:
        return read_audio_file(path, channel=channel)
    except VtractError:
        raise
    except Exception as exc:
        raise FileFormatError(f"{path}: cannot read audio ({type(exc).__name__}: {exc})") from exc


def write_labels(labels: np.ndarray, path: str | os.PathLike, like: Sequence) -> Path:
    """Write per-frame label maps as a uint8 NIfTI on the input's voxel grid.

    Parameters
    ----------
    labels : ndarray, shape (n_frames, ny, nx)
        Label maps in the canonical view (values from :mod:`vtract.labels`).
    path : path
        ``.nii`` or ``.nii.gz``. For NIfTI input the file has exactly the input's shape and affine.
    like : Sequence
        The sequence the labels belong to (its grid, fps and t0_s are used).

    Returns
    -------
    Path
        ``path``.
    """
    from ._nifti import write_nifti_frames

    labels = np.asarray(labels)
    if labels.shape != like.frames.shape:
        raise FileFormatError(f"{path}: labels shape {labels.shape} does not match the sequence "
                              f"{like.frames.shape}")
    if not str(path).endswith(NIFTI_SUFFIXES):
        raise FileFormatError(f"{path}: label maps are written as NIfTI (.nii or .nii.gz)")
    return write_nifti_frames(labels.astype(np.uint8), Path(path), grid=like.grid, fps=like.fps,
                              t0_s=like.t0_s, dtype=np.uint8)


def write_sequence(sequence: Sequence, path: str | os.PathLike) -> Path:
    """Write a sequence as a float32 NIfTI 2D+t on its own grid (pixdim[4] = 1/fps in seconds).

    Parameters
    ----------
    sequence : Sequence
        The frames and their grid, ``fps`` (frames/s) and ``t0_s`` (s).
    path : path
        ``.nii`` or ``.nii.gz``.

    Returns
    -------
    Path
        ``path``.
    """
    from ._nifti import write_nifti_frames

    if not str(path).endswith(NIFTI_SUFFIXES):
        raise FileFormatError(f"{path}: sequences are written as NIfTI (.nii or .nii.gz)")
    return write_nifti_frames(sequence.frames, Path(path), grid=sequence.grid, fps=sequence.fps,
                              t0_s=sequence.t0_s)


def describe(path: str | os.PathLike, **overrides: Any) -> dict[str, Any]:
    """Summarise a sequence or audio file (what ``vtract info`` prints).

    Parameters
    ----------
    path : path
        A sequence or audio file.
    **overrides
        ``fps`` (frames/s), ``pixel_spacing_mm`` (mm) for :func:`read_sequence`.

    Returns
    -------
    dict
        ``kind`` (``"sequence"`` or ``"audio"``), ``path`` and the header values: for sequences
        ``n_frames``, ``matrix``, ``pixel_spacing_mm`` (mm), ``fps`` (frames/s), ``duration_s`` and
        ``t0_s`` (s); for audio the sample rate (Hz), channels and duration (s).
    """
    path = Path(path)
    _check_exists(path)
    if _kind(path) == "audio":
        from ._audio import audio_info

        info = audio_info(path)
        read_audio(path, channel=0)  # decode once so truncated files are caught
        return {"kind": "audio", "path": str(path), **info}
    seq = read_sequence(path, **overrides)
    return {"kind": "sequence", "path": str(path), "format": seq.metadata.get("format"),
            "n_frames": seq.n_frames, "matrix": f"{seq.shape[0]}x{seq.shape[1]}",
            "pixel_spacing_mm": seq.pixel_spacing_mm, "fps": seq.fps, "duration_s": seq.duration_s,
            "t0_s": seq.t0_s}
