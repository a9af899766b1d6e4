"""Audio for the video: cut the span matching the frames, lengthen it for slow motion or mute it."""

from __future__ import annotations

import numpy as np

from ..audio import Audio
from ..errors import DataValueError

__all__ = ["clip_samples", "lengthen", "soundtrack", "check_slow_audio"]

#: Praat's "Lengthen (overlap-add)" accepts factors up to 10 in practice; we keep to that.
MAX_LENGTHEN = 10.0


def check_slow_audio(slow: float, mode: str, *, has_audio: bool = True) -> None:
    """Validate the slow-motion settings before any work is done.

    Parameters
    ----------
    slow : float
        Playback speed factor, in (0, 1].
    mode : {"lengthen", "mute"}
        Slow-motion audio handling.
    has_audio : bool
        Whether there is audio to lengthen.
    """
    if not (0.0 < slow <= 1.0):
        raise DataValueError(f"slow must lie in (0, 1] (0.25 = quarter speed), got {slow!r}")
    if mode not in ("lengthen", "mute"):
        raise DataValueError(f"slow_audio must be 'lengthen' or 'mute', got {mode!r}")
    if mode == "lengthen" and has_audio and 1.0 / slow > MAX_LENGTHEN:
        raise DataValueError(f"slow-motion audio can be lengthened 1-{MAX_LENGTHEN:g}x, got "
                             f"{1 / slow:g}x; use slow >= {1 / MAX_LENGTHEN:g} or slow_audio='mute'")


def clip_samples(audio: Audio, start_s: float, end_s: float) -> np.ndarray:
    """Return the samples between audio times ``start_s`` and ``end_s`` (s), zero-padded.

    Parameters
    ----------
    audio : Audio
        The recording.
    start_s, end_s : float
        Span on the audio clock in s (may start before 0 or end after the recording).

    Returns
    -------
    ndarray, shape (round((end_s - start_s) * sample_rate_hz),), float64
    """
    sr = audio.sample_rate_hz
    i0 = int(round(start_s * sr))
    n = int(round((end_s - start_s) * sr))
    out = np.zeros(max(n, 0))
    a, b = max(i0, 0), min(i0 + n, audio.n_samples)
    if b > a:
        out[a - i0:b - i0] = audio.samples[a:b]
    return out


def lengthen(samples: np.ndarray, sample_rate_hz: float, factor: float, *,
             min_pitch_hz: float = 60.0, max_pitch_hz: float = 1200.0) -> np.ndarray:
    """Make audio ``factor`` times longer without changing its pitch (Praat PSOLA overlap-add).

    Parameters
    ----------
    samples : ndarray, shape (n,)
        Audio samples.
    sample_rate_hz : float
        Sampling rate in Hz.
    factor : float
        Lengthening factor (4 = four times longer, for 0.25x slow motion), in [1, 10].
    min_pitch_hz, max_pitch_hz : float
        Pitch range (Hz) Praat uses to find glottal periods; the default covers bass to soprano.

    Returns
    -------
    ndarray, shape (about n * factor,)
    """
    import parselmouth
    from parselmouth.praat import call

    if not (1.0 <= factor <= MAX_LENGTHEN):
        raise DataValueError(f"slow-motion audio can be lengthened 1-{MAX_LENGTHEN:g}x, got "
                             f"{factor:g}x; use slow >= {1 / MAX_LENGTHEN:g} or slow_audio='mute'")
    if factor == 1.0 or samples.size == 0:
        return np.asarray(samples, float)
    snd = parselmouth.Sound(np.asarray(samples, float), sampling_frequency=sample_rate_hz)
    out = call(snd, "Lengthen (overlap-add)", float(min_pitch_hz), float(max_pitch_hz), float(factor))
    return np.asarray(out.values[0], dtype=float)


def soundtrack(audio: Audio, start_s: float, end_s: float, *, slow: float, n_out_samples: int,
               mode: str = "lengthen") -> np.ndarray:
    """Audio track for a clip, exactly ``n_out_samples`` long.

    Parameters
    ----------
    audio : Audio
        The recording.
    start_s, end_s : float
        Clip span on the audio clock in s.
    slow : float
        Playback speed factor in (0, 1].
    n_out_samples : int
        Samples the track must have (the video duration times the sample rate).
    mode : {"lengthen", "mute"}
        Slow-motion audio: pitch-preserving lengthening, or silence. At ``slow == 1`` the audio is
        used as is in both modes unless ``mode == "mute"``.

    Returns
    -------
    ndarray, shape (n_out_samples,)
    """
    if mode not in ("lengthen", "mute"):
        raise DataValueError(f"slow_audio must be 'lengthen' or 'mute', got {mode!r}")
    if mode == "mute":
        return np.zeros(n_out_samples)
    x = clip_samples(audio, start_s, end_s)
    if slow != 1.0:
        x = lengthen(x, audio.sample_rate_hz, 1.0 / slow)
    if x.size >= n_out_samples:
        return x[:n_out_samples]
    return np.pad(x, (0, n_out_samples - x.size))
