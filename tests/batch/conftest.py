"""Small synthetic studies (NIfTI + WAV + manifest) for the batch tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import yaml

from vtract import Sequence
from vtract.io import write_sequence

TONE_HZ = 233.0  # not a multiple of the 20 fps frame rate, so MRI-noise removal keeps it
GROUPS = [{"style": "classical"}, {"style": "belting"}, {"instrument": "trumpet"}]


def make_study(root: Path, n_sessions: int = 3, n_frames: int = 12, *, corrupt: str | None = None,
               audio: bool = True) -> Path:
    """Write ``n_sessions`` synthetic sessions and a manifest; return the manifest path.

    Frame k of session i has a bright square whose intensity is 100 + 10*i + k, so per-frame tables
    have known values. ``corrupt`` names a session whose NIfTI is truncated garbage.
    """
    root.mkdir(parents=True, exist_ok=True)
    sessions = []
    for i in range(n_sessions):
        sid = f"sub{i % 2 + 1:02d}_s{i:02d}"
        frames = np.zeros((n_frames, 16, 16), np.float32)
        for k in range(n_frames):
            frames[k, 4:12, 4:12] = 100 + 10 * i + k
        seq = Sequence(frames, fps=20.0, pixel_spacing_mm=(2.0, 2.0))
        write_sequence(seq, root / f"{sid}.nii.gz")
        if corrupt == sid:
            data = (root / f"{sid}.nii.gz").read_bytes()
            (root / f"{sid}.nii.gz").write_bytes(data[: len(data) // 3])
        entry = {"id": sid, "subject": f"sub{i % 2 + 1:02d}", "group": GROUPS[i % len(GROUPS)],
                 "task": "vowels", "sequence": f"{sid}.nii.gz"}
        if audio:
            t = np.arange(int(n_frames / 20.0 * 16000)) / 16000
            sf.write(root / f"{sid}.wav", 0.3 * np.sin(2 * np.pi * TONE_HZ * t), 16000)
            entry.update(audio=f"{sid}.wav", audio_offset_s=0.0)
        sessions.append(entry)
    manifest = root / "study.yaml"
    manifest.write_text(yaml.safe_dump({"study": "synthetic", "root": ".", "sessions": sessions}))
    return manifest


@pytest.fixture
def study(tmp_path) -> Path:
    """Three good synthetic sessions."""
    return make_study(tmp_path / "data")
