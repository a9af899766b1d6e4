import h5py
import numpy as np
import pytest
import scipy.io

import vtract
from vtract.errors import FileFormatError, MissingMetadataError

from . import makers as m


def test_npy_requires_fps(tmp_path):
    np.save(tmp_path / "f.npy", m.canonical_frames())
    with pytest.raises(MissingMetadataError, match="f.npy: arrays carry no frame rate"):
        vtract.read_sequence(tmp_path / "f.npy")
    seq = vtract.read_sequence(tmp_path / "f.npy", fps=83.28, pixel_spacing_mm=2.4)
    assert seq.fps == 83.28 and seq.pixel_spacing_mm == (2.4, 2.4)
    with pytest.raises(MissingMetadataError, match="pixel spacing is unknown"):
        vtract.read_sequence(tmp_path / "f.npy", fps=10).require_spacing()


def test_mat_time_axis_and_key(tmp_path):
    f = m.canonical_frames()
    scipy.io.savemat(tmp_path / "two.mat", {"a": np.moveaxis(f, 0, -1), "b": np.moveaxis(f, 0, -1)})
    with pytest.raises(FileFormatError, match="which variable"):
        vtract.read_sequence(tmp_path / "two.mat", fps=10)
    seq = vtract.read_sequence(tmp_path / "two.mat", fps=10, key="b")
    np.testing.assert_allclose(seq.frames, f)
    seq0 = vtract.read_sequence(tmp_path / "two.mat", fps=10, key="a", time_axis=-1)
    np.testing.assert_allclose(seq0.frames, f)


def test_mat_v73_hdf5(tmp_path):
    f = m.canonical_frames()
    # MATLAB v7.3 writes column-major arrays: h5py sees the transpose of (ny, nx, n)
    with h5py.File(tmp_path / "v73.mat", "w") as fh:
        fh["movie"] = np.moveaxis(f, 0, -1).T
    seq = vtract.read_sequence(tmp_path / "v73.mat", fps=20)
    np.testing.assert_allclose(seq.frames, f)


def test_wrong_dimensionality(tmp_path):
    np.save(tmp_path / "f4.npy", np.zeros((2, 3, 4, 5)))
    with pytest.raises(FileFormatError, match="f4.npy: expected a 3D array"):
        vtract.read_sequence(tmp_path / "f4.npy", fps=10)
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(FileFormatError, match="obj.npy"):
        vtract.read_sequence(tmp_path / "obj.npy", fps=10)


def test_unknown_format_lists_supported(tmp_path):
    (tmp_path / "x.xyz").write_bytes(b"hello")
    with pytest.raises(FileFormatError, match="unknown sequence format; supported: NIfTI"):
        vtract.read_sequence(tmp_path / "x.xyz")
    with pytest.raises(vtract.VtractError, match="unknown override"):
        np.save(tmp_path / "f.npy", m.canonical_frames())
        vtract.read_sequence(tmp_path / "f.npy", fps=10, bogus=1)
