import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from vtract.cli import main

from .io import makers as m


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_info_nifti_two_orientations(tmp_path, capsys):
    f = m.canonical_frames()
    for p in (m.write_nifti_ras(tmp_path / "a.nii.gz", f), m.write_nifti_lps_transposed(tmp_path / "b.nii", f)):
        code, out, _ = _run(["info", str(p), "--json"], capsys)
        d = json.loads(out)
        assert code == 0
        assert d["n_frames"] == 6 and d["matrix"] == "12x10"
        assert d["fps"] == pytest.approx(25.0) and d["pixel_spacing_mm"] == pytest.approx([2.0, 2.5])


def test_info_dicom_and_wav(tmp_path, capsys):
    code, out, _ = _run(["info", str(m.write_dicom_series(tmp_path / "dcm", m.canonical_frames()))], capsys)
    assert code == 0 and "6 frames" in out and "25.0000 fps" in out and "2 x 2.5 mm" in out
    sf.write(tmp_path / "a.wav", np.zeros(24000), 48000, subtype="PCM_24")
    code, out, _ = _run(["info", str(tmp_path / "a.wav")], capsys)
    assert code == 0 and "48000 Hz" in out and "0.500 s" in out


@pytest.mark.real
@pytest.mark.parametrize("name, n, fps", [("s2_study6_3.avi", 673, "22.4054"),
                                          ("lac12112011_13_29_46.avi", 645, "23.1760")])
def test_info_real_avi(real_dir, capsys, name, n, fps):
    code, out, _ = _run(["info", str(real_dir / "usc_roi_toolbox" / name), "--pixel-spacing", "2.9"],
                        capsys)
    assert code == 0 and f"{n} frames" in out and f"{fps} fps" in out and "2.9 x 2.9 mm" in out


@pytest.mark.parametrize("content, name", [(b"not a nifti at all", "bad.nii"),
                                           (b"RIFF\x00\x00\x00\x00AVI LIST", "bad.avi"),
                                           (b"\x93NUMPY garbage", "bad.npy")])
def test_info_corrupt_file_one_line(tmp_path, capsys, content, name):
    (tmp_path / name).write_bytes(content)
    code, out, err = _run(["info", str(tmp_path / name)], capsys)
    assert code == 1
    assert err.count("\n") == 1 and name in err and "Traceback" not in err


def test_info_truncated_nifti_subprocess(tmp_path):
    p = m.write_nifti_ras(tmp_path / "t.nii", m.canonical_frames())
    p.write_bytes(p.read_bytes()[:-200])
    r = subprocess.run([sys.executable, "-m", "vtract", "info", str(p)], capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "t.nii" in r.stderr and "truncated" in r.stderr
    r = subprocess.run([sys.executable, "-m", "vtract", "--debug", "info", str(p)],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_info_no_frame_rate_and_missing(tmp_path, capsys):
    np.save(tmp_path / "f.npy", m.canonical_frames())
    code, _, err = _run(["info", str(tmp_path / "f.npy")], capsys)
    assert code == 1 and "no frame rate" in err
    code, out, _ = _run(["info", str(tmp_path / "f.npy"), "--fps", "50"], capsys)
    assert code == 0 and "50.0000 fps" in out
    code, _, err = _run(["info", str(tmp_path / "none.nii")], capsys)
    assert code == 1 and "none.nii: no such file" in err


def test_validate(tmp_path, capsys):
    (tmp_path / "m.yaml").write_text("sessions:\n  - id: a\n    sequence: x.nii\n    colour: red\n")
    code, _, err = _run(["validate", str(tmp_path / "m.yaml")], capsys)
    assert code == 1 and "m.yaml" in err and "colour: unknown manifest key" in err
