"""Encoding: raw RGB frames piped to FFmpeg (from imageio-ffmpeg), H.264 yuv420p + AAC in MP4.

A subprocess is used rather than ``imageio_ffmpeg.write_frames`` because the frame rate must be a
rational number (``-framerate 1159/50``) to keep sync over long clips, the audio must be resampled to
a rate AAC accepts (rtMRI audio is often 20 kHz), and FFmpeg's log goes to a file so a failure can
be reported with its cause without risking a pipe deadlock.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import FileFormatError

__all__ = ["VideoEncoder", "ffmpeg_exe", "write_wav", "save_png", "poster_index"]

AUDIO_RATE_HZ = 48000


def ffmpeg_exe() -> str:
    """Path of the FFmpeg executable bundled with imageio-ffmpeg."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def write_wav(path: str | os.PathLike, samples: np.ndarray, sample_rate_hz: float) -> Path:
    """Write mono float samples as a 32-bit float WAV (peak-limited to [-1, 1])."""
    import soundfile as sf

    x = np.asarray(samples, dtype=np.float64)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak > 1.0:
        x = x / peak
    sf.write(str(path), x.astype(np.float32), int(round(sample_rate_hz)), subtype="FLOAT")
    return Path(path)


def save_png(frame: np.ndarray, path: str | os.PathLike) -> Path:
    """Write an RGB uint8 frame as PNG atomically."""
    from PIL import Image

    from .._atomic import atomic_path

    with atomic_path(path) as tmp:
        Image.fromarray(frame).save(tmp, format="PNG")
    return Path(path)


def poster_index(times_s: np.ndarray, t_s: float | None) -> int:
    """Index of the output frame whose time is nearest ``t_s`` (default: the middle frame)."""
    times_s = np.asarray(times_s)
    if t_s is None:
        return int(times_s.size // 2)
    return int(np.argmin(np.abs(times_s - t_s)))


class VideoEncoder:
    """Context manager writing RGB uint8 frames to an MP4 (H.264 yuv420p, optional AAC audio).

    Parameters
    ----------
    path : path
        Output file (``.mp4``); written directly, wrap with :func:`vtract._atomic.atomic_path`.
    width, height : int
        Frame size in pixels (even).
    fps : Fraction
        Frame rate in frames/s.
    audio_path : path or None
        WAV file to mux as AAC (resampled to 48 kHz), or ``None`` for no audio stream.
    crf : int
        x264 quality (lower = better; 18-23 is visually lossless to good).
    preset : str
        x264 speed preset.
    threads : int or None
        Encoder threads (``None``: FFmpeg's choice).

    Examples
    --------
    >>> with VideoEncoder("out.mp4", 320, 240, Fraction(25)) as enc:  # doctest: +SKIP
    ...     enc.write(np.zeros((240, 320, 3), np.uint8))
    """

    def __init__(self, path: str | os.PathLike, width: int, height: int, fps: Fraction, *,
                 audio_path: str | os.PathLike | None = None, crf: int = 20,
                 preset: str = "veryfast", threads: int | None = None) -> None:
        if width % 2 or height % 2:
            raise FileFormatError(f"{path}: H.264 yuv420p needs even frame sizes, got {width}x{height}")
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        fps = Fraction(fps)
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{self.width}x{self.height}",
               "-framerate", f"{fps.numerator}/{fps.denominator}", "-i", "pipe:0"]
        if audio_path is not None:
            cmd += ["-i", str(audio_path), "-map", "0:v:0", "-map", "1:a:0",
                    "-c:a", "aac", "-b:a", "160k", "-ar", str(AUDIO_RATE_HZ)]
        cmd += ["-c:v", "libx264", "-preset", preset, "-crf", str(int(crf)), "-pix_fmt", "yuv420p",
                "-profile:v", "high", "-tag:v", "avc1", "-movflags", "+faststart"]
        if threads is not None:
            cmd += ["-threads", str(int(threads))]
        cmd += ["-f", "mp4", str(self.path)]
        self._cmd = cmd
        self._log = tempfile.TemporaryFile()
        self._proc: subprocess.Popen | None = None
        self.n_written = 0

    def __enter__(self) -> VideoEncoder:
        self._proc = subprocess.Popen(self._cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                      stderr=self._log)
        return self

    def write(self, frame: np.ndarray) -> None:
        """Append one frame, shape (height, width, 3), uint8."""
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise FileFormatError(f"{self.path}: frame must be ({self.height}, {self.width}, 3) "
                                  f"uint8, got {frame.shape} {frame.dtype}")
        try:
            self._proc.stdin.write(np.ascontiguousarray(frame).data)
        except BrokenPipeError as exc:
            raise FileFormatError(f"{self.path}: ffmpeg stopped: {self._read_log()}") from exc
        self.n_written += 1

    def _read_log(self) -> str:
        self._log.seek(0)
        return " ".join(self._log.read().decode(errors="replace").split())[-800:] or "no message"

    def __exit__(self, exc_type, exc, tb) -> None:
        proc = self._proc
        try:
            if proc is not None:
                if proc.stdin and not proc.stdin.closed:
                    try:
                        proc.stdin.close()
                    except BrokenPipeError:
                        pass
                if exc_type is not None:
                    proc.kill()
                    proc.wait()
                    return
                rc = proc.wait()
                if rc != 0:
                    raise FileFormatError(f"{self.path}: ffmpeg failed (exit {rc}): {self._read_log()}")
        finally:
            self._log.close()
