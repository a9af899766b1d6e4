"""``vtract acoustics`` and ``vtract sync`` end to end on synthetic files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.io import wavfile

from vtract.cli import main
from vtract.io import write_sequence

from ._helpers import noisy_session


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    s, _ = noisy_session(fps=23.0, offset_s=0.4321, n_frames=50, audio_s=3.0)
    # the audio: the same vowel under realistic scanner noise (vtract.acoustics.scanner_recording)
    from vtract.acoustics import scanner_recording, synth_vowel

    voice = synth_vowel(f0_hz=130.0, formants_hz=(700.0, 1220.0, 2600.0, 3500.0, 4500.0),
                        duration_s=3.0, jitter=0.003, seed=1)
    rec = scanner_recording(voice, fps=23.0, trs_per_frame=7, n_frames=50, audio_offset_s=0.4321,
                            snr_db=-3.0, readout="interleaved", seed=1)
    wav = d / "audio.wav"
    wavfile.write(wav, int(rec.sample_rate_hz), rec.samples.astype(np.float32))
    nii = d / "seq.nii.gz"
    write_sequence(s.sequence, nii)
    return d, wav, nii


def test_acoustics_cli(files, tmp_path):
    _, wav, _ = files
    out = tmp_path / "f.csv"
    assert main(["acoustics", str(wav), "-o", str(out), "--fps", "23", "--voice", "speech"]) == 0
    df = pd.read_csv(out)
    assert {"time_s", "f0_hz", "f1_hz", "cpp_db"} <= set(df.columns)
    assert abs(np.nanmedian(df["f0_hz"].iloc[50:250]) - 130) < 2  # denoised
    side = json.loads(out.with_suffix(".json").read_text())
    assert side["settings"]["mri_noise"]["found"] is True
    assert any("To Pitch (ac)" in c for c in side["settings"]["praat_commands"])


def test_acoustics_cli_finds_noise_without_fps(files, tmp_path):
    from vtract.io._tables import sidecar_path

    _, wav, _ = files
    out = tmp_path / "f.csv"
    rc = main(["acoustics", str(wav), "-o", str(out)])
    assert rc == 0
    info = json.loads(sidecar_path(out).read_text())["settings"]["mri_noise"]
    assert info["found"] is True and info["detection"] == "automatic"
    assert info["tr_s"] > 0 and len(info["scan_span_s"]) == 2


def test_sync_cli(files, tmp_path):
    _, wav, nii = files
    out, rep = tmp_path / "s.csv", tmp_path / "sync.json"
    m = tmp_path / "m.csv"
    pd.DataFrame({"frame": np.arange(50), "time_s": (np.arange(50) + 0.5) / 23,
                  "lip_aperture_mm": np.linspace(1, 10, 50)}).to_csv(m, index=False)
    rc = main(["sync", str(nii), str(wav), "-o", str(out), "--report", str(rep), "--fps", "23",
               "--measures", str(m)])
    assert rc == 0
    r = json.loads(rep.read_text())
    assert abs(r["audio_offset_s"] - 0.4321) < 1e-3 and r["method"] == "gradient-noise"
    df = pd.read_csv(out)
    assert len(df) == 50 and {"frame", "time_s", "audio_time_s", "lip_aperture_mm",
                              "f0_hz"} <= set(df.columns)
    np.testing.assert_allclose(df["audio_time_s"], r["audio_offset_s"] + (np.arange(50) + 0.5)
                               / 23 * (1 + r["drift_ppm"] * 1e-6), atol=1e-5)
    assert abs(np.nanmedian(df["f0_hz"]) - 130) < 2


def test_sync_cli_with_given_offset(files, tmp_path, capsys, monkeypatch):
    _, wav, nii = files
    rep = tmp_path / "sync.json"

    def no_segmentation(*args, **kwargs):
        raise AssertionError("vtract sync must not segment when --measures is missing")

    monkeypatch.setattr("vtract.segmentation.segment", no_segmentation)
    assert main(["sync", str(nii), str(wav), "-o", str(tmp_path / "s.csv"), "--report",
                 str(rep), "--fps", "23", "--offset", "0.43", "--pixel-spacing", "2"]) == 0
    r = json.loads(rep.read_text())
    assert r["method"] == "metadata" and r["audio_offset_s"] == 0.43
    # says that the measures are missing and how to add them
    err = capsys.readouterr().err
    assert "no measures table given" in err and "--measures M.csv" in err
    assert "lip_aperture_mm" not in pd.read_csv(tmp_path / "s.csv").columns


def test_sync_cli_errors(files, tmp_path, capsys):
    d, wav, nii = files
    rc = main(["sync", str(nii), str(d / "missing.wav"), "-o", str(tmp_path / "s.csv")])
    assert rc != 0 and "missing.wav" in capsys.readouterr().err
