"""Audio reader (WAV 16/24/32-bit int or float, FLAC, ...) through soundfile (libsndfile)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..audio import Audio
from ..errors import FileFormatError, MissingMetadataError

__all__ = ["read_audio_file", "audio_info"]


def audio_info(path: Path) -> dict:
    """Header facts of an audio file: sample rate, channels, frames, duration, subtype."""
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception as exc:
        raise FileFormatError(f"{path}: not a readable audio file ({exc})") from exc
    if info.samplerate <= 0 or info.channels <= 0:
        raise FileFormatError(f"{path}: invalid audio header (rate {info.samplerate}, "
                              f"{info.channels} channels)")
    return {"sample_rate_hz": float(info.samplerate), "channels": int(info.channels),
            "n_samples": int(info.frames), "duration_s": float(info.frames) / info.samplerate,
            "format": info.format, "subtype": info.subtype}


def read_audio_file(path: Path, *, channel: int | str | None = None) -> Audio:
    """Read an audio file as mono float samples.

    Parameters
    ----------
    channel : int, "mix" or None
        Which channel to keep for multi-channel files (0-based), or ``"mix"`` to average them. Required for
        files with more than one channel: vtract never picks a channel silently.
    """
    import soundfile as sf

    info = audio_info(path)
    try:
        data, rate = sf.read(str(path), dtype="float64", always_2d=True)
    except Exception as exc:
        raise FileFormatError(f"{path}: cannot read the audio samples ({exc})") from exc
    if data.shape[0] == 0:
        raise FileFormatError(f"{path}: the audio file holds no samples")
    if data.shape[0] < info["n_samples"]:
        raise FileFormatError(f"{path}: truncated: header says {info['n_samples']} samples, "
                              f"read {data.shape[0]}")
    n_ch = data.shape[1]
    if n_ch == 1:
        x, used = data[:, 0], 0
    elif channel is None:
        raise MissingMetadataError(
            f"{path}: has {n_ch} channels; choose one with channel=0..{n_ch - 1} or mix them with "
            "channel='mix' (CLI: --channel, manifest: audio_channel)")
    elif channel == "mix":
        x, used = data.mean(axis=1), "mix"
    else:
        try:
            c = int(channel)
        except (TypeError, ValueError) as exc:
            raise MissingMetadataError(f"{path}: invalid channel {channel!r}; use an int or 'mix'") from exc
        if not 0 <= c < n_ch:
            raise MissingMetadataError(f"{path}: channel {c} does not exist ({n_ch} channels)")
        x, used = data[:, c], c
    if not np.all(np.isfinite(x)):
        raise FileFormatError(f"{path}: audio contains NaN/inf samples")
    return Audio(x, sample_rate_hz=rate, source=str(path),
                 metadata={"channels": n_ch, "channel_used": used, "subtype": info["subtype"],
                           "format": info["format"]})
