"""Property-based fuzzing of the readers: random bytes, truncations and corrupted headers.

Only vtract's own exception types may escape (a user sees one clear line, never a traceback).
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vtract
from vtract.errors import VtractError

from . import makers as m

SEQ_SUFFIXES = [".nii", ".nii.gz", ".avi", ".mp4", ".npy", ".npz", ".mat", ".h5", ".dcm"]
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _read_any(path):
    try:
        if path.suffix in (".wav", ".flac"):
            vtract.read_audio(path, channel=0)
        else:
            vtract.read_sequence(path, fps=10)
    except VtractError:
        pass  # expected: a clear vtract error


@FUZZ
@given(data=st.binary(min_size=0, max_size=2048), suffix=st.sampled_from(SEQ_SUFFIXES + [".wav"]))
def test_random_bytes(tmp_path, data, suffix):
    p = tmp_path / f"fuzz{suffix}"
    p.write_bytes(data)
    _read_any(p)


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("valid")
    f = m.canonical_frames()
    files = [m.write_nifti_ras(d / "a.nii", f), m.write_nifti_ras(d / "a.nii.gz", f),
             m.write_video(d / "v.avi", f), m.write_enhanced_dicom(d / "e.dcm", f)]
    np.save(d / "f.npy", f)
    np.savez(d / "f.npz", frames=f)
    sf.write(d / "a.wav", np.zeros(800), 8000)
    files += [d / "f.npy", d / "f.npz", d / "a.wav"]
    return [(p.name, p.read_bytes()) for p in files]


@FUZZ
@given(idx=st.integers(0, 6), cut=st.floats(0.0, 1.0), flips=st.lists(st.integers(0, 10**6), max_size=8),
       byte=st.integers(0, 255))
def test_truncated_and_corrupted(tmp_path, valid_files, idx, cut, flips, byte):
    name, data = valid_files[idx]
    buf = bytearray(data[: int(len(data) * cut)])
    for pos in flips:  # corrupt header bytes (mostly in the first KiB)
        if buf:
            buf[pos % min(len(buf), 1024)] = byte
    p = tmp_path / name
    p.write_bytes(bytes(buf))
    _read_any(p)
