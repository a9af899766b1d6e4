"""Small synthetic sessions for the video tests (no other vtract feature modules needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vtract import Audio, Sequence, Session
from vtract.labels import AIRWAY, HARD_PALATE, TONGUE, VELUM

FPS = 20.0
N_FRAMES = 40
SHAPE = (48, 48)
SPACING = (2.4, 2.4)
SR = 16000
OFFSET_S = 0.3
FLASH_FRAME = 20
TONE_HZ = 220.0
TONGUE_CENTRE = (30.0, 20.0)  # (row, col) in input pixels
TONGUE_RADIUS = 8.0


def label_maps(n: int = N_FRAMES, shift_cols: float = 0.0) -> np.ndarray:
    """Tongue disc, palate bar, velum bar and airway column (uint8, canonical view)."""
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    lab = np.zeros((n, *SHAPE), np.uint8)
    r0, c0 = TONGUE_CENTRE
    lab[:, (yy >= 34) & (yy < 46) & (xx >= 34) & (xx < 38)] = AIRWAY
    lab[:, (yy >= 8) & (yy < 11) & (xx >= 8) & (xx < 26)] = HARD_PALATE
    lab[:, (yy >= 10) & (yy < 13) & (xx >= 26) & (xx < 32)] = VELUM
    for k in range(n):
        lab[k][(yy - r0) ** 2 + (xx - c0 - shift_cols) ** 2 <= TONGUE_RADIUS ** 2] = TONGUE
    return lab


def make_session(*, flash_frame: int = FLASH_FRAME, offset_s: float = OFFSET_S,
                 tone: bool = True, session_id: str = "synthetic", seed: int = 0) -> Session:
    """40 frames at 20 fps with a bright flash frame and audio with a click in that frame."""
    rng = np.random.default_rng(seed)
    frames = 0.2 + 0.1 * rng.random((N_FRAMES, *SHAPE), dtype=np.float32)
    frames[label_maps() == TONGUE] += 0.3
    frames[flash_frame] = 1.0
    seq = Sequence(frames, fps=FPS, pixel_spacing_mm=SPACING)
    n = int(round((offset_s + N_FRAMES / FPS + 0.5) * SR))
    t = np.arange(n) / SR
    x = 0.2 * np.sin(2 * np.pi * TONE_HZ * t) if tone else np.zeros(n)
    click_t = offset_s + (flash_frame + 0.5) / FPS  # middle of the flash frame, audio clock
    i = int(round(click_t * SR))
    x[i:i + 40] = 0.95 * np.sign(rng.standard_normal(40))
    return Session(seq, Audio(x, SR), audio_offset_s=offset_s, session_id=session_id)


def acoustics_table(offset_s: float = OFFSET_S) -> pd.DataFrame:
    t = np.arange(0.0, offset_s + N_FRAMES / FPS + 0.5, 0.01)
    return pd.DataFrame({"time_s": t, "f0_hz": TONE_HZ, "f1_hz": 700.0, "f2_hz": 1200.0,
                         "f3_hz": 2500.0, "f4_hz": 3500.0})


def measures_table(seq: Sequence) -> pd.DataFrame:
    return pd.DataFrame({"frame": np.arange(seq.n_frames), "time_s": seq.times,
                         "larynx_height_mm": 60 + 3 * np.sin(seq.times * 4),
                         "lip_aperture_mm": 8 + 2 * np.cos(seq.times * 6)})


@pytest.fixture
def session() -> Session:
    return make_session()


@pytest.fixture
def labels() -> np.ndarray:
    return label_maps()
