"""Decode rendered MP4s with PyAV for the assertions."""

from __future__ import annotations

import av
import numpy as np


def streams(path) -> list[dict]:
    with av.open(str(path)) as c:
        return [{"type": s.type, "codec": s.codec_context.name,
                 "pix_fmt": getattr(s.codec_context, "pix_fmt", None),
                 "width": getattr(s.codec_context, "width", None),
                 "height": getattr(s.codec_context, "height", None),
                 "rate": s.average_rate if s.type == "video" else s.codec_context.sample_rate,
                 "duration_s": float(s.duration * s.time_base) if s.duration else None}
                for s in c.streams]


def video_frames(path) -> tuple[np.ndarray, list[np.ndarray]]:
    """Presentation times (s) and RGB frames of the video stream."""
    times, frames = [], []
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            times.append(float(f.pts * f.time_base))
            frames.append(f.to_ndarray(format="rgb24"))
    return np.asarray(times), frames


def audio_samples(path) -> tuple[np.ndarray, float, float]:
    """Mono samples, sample rate (Hz) and the time (s) of the first decoded sample."""
    chunks, start, rate = [], None, None
    with av.open(str(path)) as c:
        for f in c.decode(audio=0):
            if start is None:
                start = float(f.pts * f.time_base) if f.pts is not None else 0.0
            rate = f.sample_rate
            a = f.to_ndarray()
            chunks.append(a.mean(axis=0) if a.ndim == 2 and a.shape[0] <= 8 else a.ravel())
    return np.concatenate(chunks).astype(float), float(rate), float(start or 0.0)
