"""Video reader (AVI, MP4, MOV...) through PyAV (FFmpeg's libraries)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ..errors import FileFormatError, MissingMetadataError
from ..sequence import Sequence

__all__ = ["read_video", "avi_microseconds_per_frame"]


def avi_microseconds_per_frame(path: Path) -> int | None:
    """Return ``dwMicroSecPerFrame`` from an AVI main header, or None.

    FFmpeg reports the AVI stream rate as a rounded fraction (e.g. 2241/100 for 44632 µs/frame); the
    main AVI header keeps the exact frame period the scanner software wrote, so we read those few
    bytes ourselves (no library exposes them).
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if head[:4] != b"RIFF" or head[8:12] != b"AVI ":
        return None
    i = head.find(b"avih")
    if i < 0 or len(head) < i + 12:
        return None
    (usec,) = struct.unpack("<I", head[i + 8:i + 12])
    return int(usec) if usec > 0 else None


def read_video(path: Path, *, fps: float | None = None,
               pixel_spacing_mm: tuple[float, float] | None = None,
               t0_s: float = 0.0, allow_truncated: bool = False) -> Sequence:
    """Read a video as grey frames, assumed to be in the canonical view (face left, head up).

    The frame rate comes from the container (for AVI: the exact ``dwMicroSecPerFrame``); videos carry no
    pixel spacing, so ``pixel_spacing_mm`` stays ``None`` unless given.

    Parameters
    ----------
    path : Path
        The video file.
    fps : float, optional
        Frame rate (frames/s), overriding the container's.
    pixel_spacing_mm : tuple of float, optional
        ``(row_mm, col_mm)``.
    t0_s : float
        Image-clock time (s) at which frame 0 starts.
    allow_truncated : bool
        Accept a file that holds fewer frames than its header lists (a copy cut short) and
        return the frames that are there; ``metadata["frames_in_header"]`` keeps the header's
        count. Without it such a file is an error, because a silently shorter sequence shifts
        everything that counts frames (e.g. the audio offset from the end of the gradient noise).

    Returns
    -------
    Sequence
        Grey frames (float32), shape (n_frames, ny, nx).

    Raises
    ------
    FileFormatError
        Unreadable, empty, corrupt or (without ``allow_truncated``) truncated file; the message
        names the file and, for a truncated one, both frame counts.
    """
    import av

    try:
        container = av.open(str(path))
    except Exception as exc:  # av.error.* and OSError
        raise FileFormatError(f"{path}: not a readable video ({exc})") from exc
    try:
        if not container.streams.video:
            raise FileFormatError(f"{path}: the file has no video stream")
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.base_rate or stream.guessed_rate
        frames = []
        try:
            for frame in container.decode(stream):
                frames.append(frame.to_ndarray(format="gray"))
        except Exception as exc:
            if not frames:
                raise FileFormatError(f"{path}: cannot decode video frames ({exc})") from exc
            # A truncated file: keep the frames decoded so far would silently lose data; refuse.
            raise FileFormatError(f"{path}: video is truncated or corrupt after {len(frames)} "
                                  f"frames ({exc})") from exc
        codec = stream.codec_context.name
        in_header = int(stream.frames or 0)
    finally:
        container.close()
    if not frames:
        raise FileFormatError(f"{path}: the video stream contains no frames")
    if in_header > len(frames) and not allow_truncated:
        raise FileFormatError(
            f"{path}: truncated video: its header lists {in_header} frames but only {len(frames)} "
            f"are in the file (an incomplete copy?); re-copy it, or pass allow_truncated=True "
            f"(CLI: --allow-truncated; manifest: allow_truncated: true) to use the {len(frames)} "
            "frames")
    container_fps = None
    usec = avi_microseconds_per_frame(path) if path.suffix.lower() == ".avi" else None
    if usec:
        container_fps = 1e6 / usec
    elif rate:
        container_fps = float(rate)
    if fps is None:
        if not container_fps:
            raise MissingMetadataError(f"{path}: the container gives no frame rate; pass fps=...")
        fps = container_fps
    data = np.stack(frames).astype(np.float32)
    meta = {"format": "video", "codec": codec, "container_fps": container_fps,
            "frames_in_header": in_header or None}
    return Sequence(data, fps=fps, pixel_spacing_mm=pixel_spacing_mm, t0_s=t0_s, source=str(path),
                    metadata=meta)
