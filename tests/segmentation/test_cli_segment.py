"""`vtract segment` on NIfTI and the real AVI."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pandas as pd
import pytest

import vtract
from vtract.cli import main
from vtract.measures import MEASURE_COLUMNS


def test_nifti_in_labels_out_same_grid(synthetic, tmp_path, capsys):
    seq, truth, _ = synthetic
    src = vtract.write_sequence(seq, tmp_path / "seq.nii.gz")
    out = tmp_path / "labels.nii.gz"
    code = main(["segment", str(src), "-o", str(out), "--measures", str(tmp_path / "m.csv"),
                 "--contours", str(tmp_path / "c.csv"), "--qc", str(tmp_path / "qc.png"),
                 "--method", "classic"])
    assert code == 0, capsys.readouterr().err
    a, b = nib.load(src), nib.load(out)
    assert b.shape == a.shape and np.allclose(a.affine, b.affine)
    assert b.get_data_dtype() == np.uint8
    back = vtract.read_sequence(out, fps=20.0).frames
    dice = 2 * ((back == 1) & truth).sum() / ((back == 1).sum() + truth.sum())
    assert dice > 0.95
    m = pd.read_csv(tmp_path / "m.csv")
    assert list(m.columns[: len(MEASURE_COLUMNS)]) == MEASURE_COLUMNS and len(m) == seq.n_frames
    c = pd.read_csv(tmp_path / "c.csv")
    assert list(c.columns) == ["frame", "structure", "point", "x_mm", "y_mm"]
    assert (tmp_path / "m.json").exists() and (tmp_path / "qc.png").stat().st_size > 1000


def test_measures_without_spacing_is_one_line_error(tmp_path, capsys):
    frames = np.zeros((3, 20, 20), np.float32)
    np.save(tmp_path / "f.npy", frames)
    code = main(["segment", str(tmp_path / "f.npy"), "-o", str(tmp_path / "l.nii.gz"),
                 "--fps", "10", "--measures", str(tmp_path / "m.csv")])
    err = capsys.readouterr().err
    assert code == 1 and "pixel spacing" in err and len(err.strip().splitlines()) == 1


@pytest.mark.real
def test_real_avi(real_dir, tmp_path, capsys):
    avi = real_dir / "usc_roi_toolbox/lac12112011_13_29_46.avi"
    out = tmp_path / "avi_labels.nii.gz"
    code = main(["segment", str(avi), "-o", str(out), "--pixel-spacing", "2.9",
                 "--measures", str(tmp_path / "m.csv")])
    assert code == 0, capsys.readouterr().err
    lab = vtract.read_sequence(out, fps=23.176).frames
    assert lab.shape == (645, 68, 68)
    m = pd.read_csv(tmp_path / "m.csv")
    # an adult vocal tract midline is 140-200 mm long; the airway is never empty
    assert 100 < m["tract_length_mm"].median() < 220
    assert (m["airway_area_mm2"] > 0).all()


def test_blank_sequence_error_names_the_file(tmp_path, capsys):
    from vtract import Sequence
    from vtract.io import write_sequence

    blank = write_sequence(Sequence(np.zeros((3, 24, 24), np.float32), fps=20.0,
                                    pixel_spacing_mm=(2.0, 2.0)), tmp_path / "blank.nii.gz")
    code = main(["segment", str(blank), "-o", str(tmp_path / "labels.nii.gz")])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "blank.nii.gz" in err and "no head found" in err
