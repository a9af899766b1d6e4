"""One reader-conformance test applied to every sequence format (cf. MNE's _test_raw_reader)."""

from __future__ import annotations

import h5py
import nibabel as nib
import numpy as np
import pytest
import scipy.io

import vtract
from vtract.io import write_labels, write_sequence

from . import makers as m

FRAMES = m.canonical_frames()


def _npz(p):
    np.savez(p, frames=FRAMES, fps=m.FPS, pixel_spacing_mm=np.array(m.SPACING))
    return p


def _mat(p):
    scipy.io.savemat(p, {"movie": np.moveaxis(FRAMES, 0, -1), "fps": m.FPS})  # MATLAB: frames last
    return p


def _h5(p):
    with h5py.File(p, "w") as fh:
        fh["frames"] = FRAMES
        fh.attrs["fps"] = m.FPS
        fh.attrs["pixel_spacing_mm"] = m.SPACING
    return p


# name -> (writer, read overrides, exact values?, spacing known?)
FORMATS = {
    "nifti_ras": (lambda d: m.write_nifti_ras(d / "a.nii.gz", FRAMES), {}, True, True),
    "nifti_transposed_ms": (lambda d: m.write_nifti_lps_transposed(d / "b.nii", FRAMES), {}, True, True),
    "dicom_series": (lambda d: m.write_dicom_series(d / "dcm", FRAMES), {}, "round", True),
    "dicom_series_transposed": (lambda d: m.write_dicom_series(d / "dcmT", FRAMES, transposed=True),
                                {}, "round", True),
    "dicom_enhanced": (lambda d: m.write_enhanced_dicom(d / "e.dcm", FRAMES), {}, "round", True),
    "video_avi": (lambda d: m.write_video(d / "v.avi", FRAMES), {"pixel_spacing_mm": m.SPACING},
                  "video", True),
    "video_mp4": (lambda d: m.write_video(d / "v.mp4", FRAMES), {}, "video", False),
    "npy": (lambda d: (np.save(d / "f.npy", FRAMES), d / "f.npy")[1],
            {"fps": m.FPS, "pixel_spacing_mm": m.SPACING}, True, True),
    "npz": (lambda d: _npz(d / "f.npz"), {}, True, True),
    "mat": (lambda d: _mat(d / "f.mat"), {"pixel_spacing_mm": m.SPACING}, True, True),
    "h5": (lambda d: _h5(d / "f.h5"), {}, True, True),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_reader_conformance(fmt, tmp_path):
    writer, overrides, exact, has_spacing = FORMATS[fmt]
    path = writer(tmp_path)
    seq = vtract.read_sequence(path, **overrides)
    # shape and canonical view
    assert seq.frames.shape == FRAMES.shape
    assert seq.frames.dtype == np.float32
    if exact is True:
        np.testing.assert_allclose(seq.frames, FRAMES, rtol=1e-6)
    elif exact == "round":
        np.testing.assert_allclose(seq.frames, np.round(FRAMES))
    else:  # 8-bit video: the bright corner marks head-top/face
        assert np.unravel_index(np.argmax(seq.frames[0]), seq.shape) == (0, 0)
    # clock and units
    assert seq.fps == pytest.approx(m.FPS, rel=1e-6)
    t = seq.times
    assert np.all(np.diff(t) > 0)
    np.testing.assert_allclose(t, seq.t0_s + (np.arange(6) + 0.5) / m.FPS)
    if has_spacing:
        assert seq.pixel_spacing_mm == pytest.approx(m.SPACING)
    else:
        assert seq.pixel_spacing_mm is None
    assert seq.source == str(path)
    # round trip through the NIfTI writer
    out = tmp_path / "roundtrip.nii.gz"
    write_sequence(seq, out)
    back = vtract.read_sequence(out)
    np.testing.assert_allclose(back.frames, seq.frames)
    assert back.fps == pytest.approx(seq.fps)
    if has_spacing:
        assert back.pixel_spacing_mm == pytest.approx(seq.pixel_spacing_mm)
    # label maps go back on the input grid
    labels = (seq.frames > np.median(seq.frames)).astype(np.uint8)
    lab_path = write_labels(labels, tmp_path / "labels.nii.gz", like=seq)
    lab = nib.load(str(lab_path))
    assert lab.get_data_dtype() == np.uint8
    if fmt.startswith("nifti"):
        src = nib.load(str(path))
        assert lab.shape == src.shape
        np.testing.assert_allclose(lab.affine, src.affine)
    np.testing.assert_array_equal(vtract.read_sequence(lab_path).frames, labels)
