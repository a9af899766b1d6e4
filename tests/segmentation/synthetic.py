"""A small synthetic midsagittal vocal tract with known airway, for tests without the demo set.

Geometry (84 x 84 pixels of 2.5 mm, face on the left): tissue of a head and neck; an L-shaped
airway made of an oral tube (under a palate, over the tongue) that opens through the lips at the
face, joined to a vertical pharyngeal tube ending at the glottis; a nasal cavity above the palate
that stays separate (closed velopharyngeal port). The oral tube's height follows a sine over the
frames (the tongue moving up and down).
"""

from __future__ import annotations

import numpy as np

import vtract

SPACING_MM = 2.5
FACE_COL = 12          # first tissue column (the face)
ORAL_TOP = 31          # oral airway top row (palate's oral surface)
PHAR_COLS = (44, 49)   # pharynx columns [start, stop)
GLOTTIS_ROW = 74       # last airway row


def _frame(height: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    img = np.full((size, size), 0.05, np.float32)
    img[2:, FACE_COL:] = 0.7                     # head and neck tissue
    img[:, 62:] = 0.5                            # darker tissue behind the pharynx (spine)
    img[18:26, 16:44] = 0.05                     # nasal cavity (closed port)
    airway = np.zeros((size, size), bool)
    airway[ORAL_TOP:ORAL_TOP + height, FACE_COL:PHAR_COLS[1]] = True   # oral tube + lips
    airway[ORAL_TOP:GLOTTIS_ROW + 1, PHAR_COLS[0]:PHAR_COLS[1]] = True  # pharynx
    img[airway] = 0.05
    img[ORAL_TOP:ORAL_TOP + height, :FACE_COL] = 0.05  # air in front of the open lips
    img = img + rng.normal(0, 0.02, img.shape).astype(np.float32)
    return np.clip(img, 0, 1), airway


def synthetic_sequence(n_frames: int = 12, size: int = 84, seed: int = 0
                       ) -> tuple[vtract.Sequence, np.ndarray]:
    """Return ``(sequence, true_airway)`` with ``true_airway`` bool (n, ny, nx)."""
    rng = np.random.default_rng(seed)
    heights = np.round(5 + 2 * np.sin(np.linspace(0, 2 * np.pi, n_frames))).astype(int)
    frames, truth = zip(*(_frame(int(h), size, rng) for h in heights), strict=True)
    seq = vtract.Sequence(np.stack(frames), fps=20.0, pixel_spacing_mm=(SPACING_MM, SPACING_MM),
                          source="synthetic")
    return seq, np.stack(truth)
