import nibabel as nib
import numpy as np
import pytest

import vtract
from vtract.errors import FileFormatError, MissingMetadataError, VtractWarning

from . import makers as m


def test_two_orientations_agree(tmp_path):
    f = m.canonical_frames()
    a = vtract.read_sequence(m.write_nifti_ras(tmp_path / "a.nii.gz", f))
    b = vtract.read_sequence(m.write_nifti_lps_transposed(tmp_path / "b.nii.gz", f))
    np.testing.assert_array_equal(a.frames, b.frames)
    assert a.fps == pytest.approx(25.0) and b.fps == pytest.approx(25.0)  # sec and msec units
    assert a.frames[0, 0, 0] == 1000.0  # head top / face corner


def test_ms_stored_as_seconds_is_repaired_with_warning(tmp_path):
    p = m.write_nifti_ras(tmp_path / "ms.nii", m.canonical_frames(), unit="sec", dt=40.0)
    with pytest.warns(VtractWarning, match="milliseconds"):
        seq = vtract.read_sequence(p)
    assert seq.fps == pytest.approx(25.0)


def test_no_frame_rate_is_a_clear_error(tmp_path):
    p = m.write_nifti_ras(tmp_path / "nofps.nii", m.canonical_frames(), dt=0.0)
    with pytest.raises(MissingMetadataError, match="nofps.nii.*frame rate"):
        vtract.read_sequence(p)
    assert vtract.read_sequence(p, fps=50).fps == 50


def test_non_sagittal_and_wrong_dimensionality(tmp_path):
    img = nib.Nifti1Image(np.zeros((8, 8, 1, 4), np.float32), np.eye(4))  # axial: z is singleton
    img.header.set_zooms((1, 1, 1, 0.02))
    nib.save(img, tmp_path / "axial.nii")
    with pytest.raises(FileFormatError, match="not a sagittal"):
        vtract.read_sequence(tmp_path / "axial.nii")
    nib.save(nib.Nifti1Image(np.zeros((8, 8, 3, 4), np.float32), np.eye(4)), tmp_path / "vol.nii")
    with pytest.raises(FileFormatError, match=r"vol.nii.*2D\+t"):
        vtract.read_sequence(tmp_path / "vol.nii")


def test_truncated_and_nan(tmp_path):
    p = m.write_nifti_ras(tmp_path / "t.nii", m.canonical_frames())
    data = p.read_bytes()
    (tmp_path / "trunc.nii").write_bytes(data[: len(data) - 100])
    with pytest.raises(FileFormatError, match="trunc.nii.*truncated"):
        vtract.read_sequence(tmp_path / "trunc.nii")
    f = m.canonical_frames()
    f[2, 3, 4] = np.nan
    with pytest.raises(vtract.VtractError, match="nan.nii.*NaN"):
        vtract.read_sequence(m.write_nifti_ras(tmp_path / "nan.nii", f))


def test_missing_file():
    with pytest.raises(FileFormatError, match="nope.nii.gz: no such file"):
        vtract.read_sequence("nope.nii.gz")


def test_file_stem_strips_compound_data_suffixes():
    from vtract.io import file_stem

    assert file_stem("runs/dsync_01.nii.gz") == "dsync_01"
    assert file_stem("s1.NII") == "s1"
    assert file_stem("take.2.wav") == "take.2"
    assert file_stem("scan_dicom") == "scan_dicom"
    assert file_stem("notes.txt") == "notes"
