from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import vtract
from vtract.errors import ManifestError
from vtract.manifest import load_manifest, load_session

from .io import makers as m

REPO = Path(__file__).resolve().parents[1]


def _write(tmp_path, text):
    p = tmp_path / "study.yaml"
    p.write_text(text)
    return p


@pytest.fixture
def study(tmp_path):
    (tmp_path / "scans").mkdir()
    m.write_nifti_ras(tmp_path / "scans" / "run1.nii.gz", m.canonical_frames())
    sf.write(tmp_path / "scans" / "run1.wav", np.zeros(4000), 16000)
    return tmp_path


GOOD = """
study: t
root: scans
defaults: {pixel_spacing_mm: 2.0, group: {kind: singing}}
sessions:
  - id: s1
    subject: A
    group: {style: classical}
    sequence: run1.nii.gz
    audio: run1.wav
    audio_offset_s: 0.1
"""


def test_valid_manifest_and_session(study):
    man = load_manifest(_write(study, GOOD), check_files=True)
    r = man.resolved(man.sessions[0])
    assert r["group"] == {"kind": "singing", "style": "classical"}
    assert Path(r["sequence"]).is_file()
    ses = load_session(man, "s1")
    assert isinstance(ses, vtract.Session)
    assert ses.sequence.pixel_spacing_mm == (2.0, 2.0)  # manifest spacing wins
    assert ses.audio_offset_s == 0.1 and ses.audio.sample_rate_hz == 16000
    assert ses.metadata_row() == {"session_id": "s1", "subject": "A", "task": None,
                                  "kind": "singing", "style": "classical"}


@pytest.mark.parametrize("text, match", [
    (GOOD.replace("audio_offset_s", "audio_ofset_s"), r"session 's1' \(#1\): audio_ofset_s: unknown manifest key"),
    (GOOD.replace("sequence: run1.nii.gz", "fps: 20"), r"session 's1' \(#1\): sequence: Field required"),
    (GOOD.replace("audio_offset_s: 0.1", "fps: -3"), r"session 's1' \(#1\): fps: Input should be greater than 0"),
    (GOOD + "  - id: s1\n    sequence: run1.nii.gz\n", "duplicate session id 's1'"),
    ("sessions: []", "sessions"),
    ("- just\n- a list", "a manifest is a YAML mapping"),
    ("study: [unclosed", "not valid YAML"),
])
def test_invalid_manifests_name_file_session_key(study, text, match):
    with pytest.raises(ManifestError, match=match) as exc:
        load_manifest(_write(study, text))
    assert "study.yaml" in str(exc.value)


def test_missing_file_is_reported(study):
    p = _write(study, GOOD.replace("run1.wav", "missing.wav"))
    with pytest.raises(ManifestError, match="session 's1': audio: file not found"):
        load_manifest(p, check_files=True)


@pytest.mark.real
def test_usc_example_manifest(real_dir):
    man = load_manifest(REPO / "data_manifests" / "usc_real.yaml", check_files=True)
    ses = load_session(man, "usc_s2_study6_3")
    assert ses.sequence.n_frames == 673 and ses.sequence.pixel_spacing_mm == (2.9, 2.9)


def test_reading_a_dataset_root_never_builds_it(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys

    monkeypatch.setenv("VTRACT_DATA_DIR", str(tmp_path / "cache"))
    man = load_manifest(REPO / "data_manifests" / "demo_quick.yaml")
    assert man.dataset == "demo-quick"
    root = man.root_dir
    assert root.parent == tmp_path / "cache" and root.name.startswith("demo-quick-v")
    assert not (tmp_path / "cache").exists()  # nothing was built or even created
    with pytest.raises(ManifestError, match="dataset is not built yet.*vtract make-demo"):
        load_session(man, man.sessions[0].id)
    # and reading a manifest does not import the builder (no datasets <-> manifest cycle)
    code = ("import sys, vtract.manifest as m; m.load_manifest(sys.argv[1]).root_dir; "
            "print('vtract.datasets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(REPO / "data_manifests" / "demo.yaml")],
                         capture_output=True, text=True, check=True, env=dict(os.environ))
    assert out.stdout.strip() == "False"
