"""Shared builders for the acoustics tests: synthetic sessions with a known offset."""

from __future__ import annotations

import numpy as np

from vtract import Audio, Sequence, Session
from vtract.acoustics import add_gradient_noise, synth_vowel


def noisy_session(*, fps: float = 23.0, offset_s: float = 0.5, n_frames: int = 60,
                  audio_s: float = 4.0, drift_ppm: float = 0.0, snr_db: float = -5.0,
                  metadata_offset: float | None = None, f0_hz: float = 130.0,
                  seed: int = 1) -> tuple[Session, Audio]:
    """A session whose audio holds a vowel plus gradient noise starting at ``offset_s``."""
    clean = synth_vowel(f0_hz=f0_hz, formants_hz=(700.0, 1220.0, 2600.0, 3500.0, 4500.0),
                        duration_s=audio_s, jitter=0.003, seed=seed)
    noisy = add_gradient_noise(clean, fps=fps, onset_s=offset_s, n_frames=n_frames,
                               drift_ppm=drift_ppm, snr_db=snr_db, seed=seed)
    frames = np.zeros((n_frames, 8, 8), np.float32)
    seq = Sequence(frames, fps=fps, pixel_spacing_mm=(2.0, 2.0))
    return Session(seq, audio=noisy, audio_offset_s=metadata_offset, session_id="synthetic"), clean
