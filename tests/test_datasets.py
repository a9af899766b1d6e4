"""vtract.datasets: committed manifests match the builder; the quick demo loads like real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from vtract import datasets
from vtract.errors import DataValueError
from vtract.manifest import load_manifest, load_session
from vtract.phantom import manifest_dict, session_specs

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("variant,fname,root", [("full", "demo.yaml", "dataset:demo"),
                                                ("quick", "demo_quick.yaml", "dataset:demo-quick")])
def test_committed_manifest_lists_exactly_the_built_sessions(variant, fname, root):
    path = REPO / "data_manifests" / fname
    committed = yaml.safe_load(path.read_text())
    assert committed == manifest_dict(variant)
    assert committed["root"] == root
    ids = [s["id"] for s in committed["sessions"]]
    assert ids == [s.session_id for s in session_specs(variant)]
    man = load_manifest(path)  # validates against the manifest schema
    assert len(man.sessions) == len(ids)


def test_demo_design_covers_groups_and_subjects():
    full = session_specs("full")
    assert 18 <= len(full) <= 24
    styles = {s.style for s in full}
    assert styles == {"classical", "belting", "pop", "trumpet", "clarinet", "flute"}
    assert len({s.subject for s in full}) >= 3
    assert {s.matrix for s in full} == {68, 84, 128}
    assert sum(s.matrix == 84 for s in full) > len(full) / 2
    offsets = np.array([s.audio_offset_s for s in full])
    assert (offsets > 0).any() and (offsets < 0).any()
    assert any(not s.offset_in_manifest for s in full) and any(s.offset_in_manifest for s in full)
    quick = session_specs("quick")
    assert {"classical", "belting", "trumpet", "flute"} <= {s.style for s in quick}
    assert len({s.subject for s in quick}) >= 2


def test_unknown_variant_is_a_clear_error():
    with pytest.raises(DataValueError, match="unknown demo variant"):
        datasets.dataset_path("nope")


def test_quick_demo_loads_through_the_manifest_readers(demo_quick_manifest):
    man = demo_quick_manifest
    assert [s.id for s in man.sessions] == [s.session_id for s in session_specs("quick")]
    for entry in man.sessions:
        sess = load_session(man, entry.id)
        spec = next(s for s in session_specs("quick") if s.session_id == entry.id)
        assert sess.sequence.shape == (spec.matrix, spec.matrix)
        assert sess.sequence.pixel_spacing_mm == pytest.approx((spec.spacing_mm, spec.spacing_mm))
        assert sess.sequence.fps == pytest.approx(spec.fps, rel=1e-4)
        assert sess.audio.sample_rate_hz == 20000
        assert sess.labels["true_audio_offset_s"] == spec.audio_offset_s
        for path in man.resolved(entry)["ground_truth"].values():
            assert Path(path).is_file()


def test_dataset_path_uses_the_cache_env(demo_quick_manifest, demo_data_dir):
    p = datasets.dataset_path("demo-quick")  # already built by the fixture: returns at once
    assert p.parent == Path(demo_data_dir)
    assert (p / "manifest.yaml").is_file()


def test_make_demo_cli_builds_a_manifested_folder(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import vtract.phantom as ph
    from vtract.cli import cli

    tiny = [ph.SessionSpec("sub03_trumpet_01", "sub03", "trumpet", matrix=68, spacing_mm=2.9,
                           fps=23.18, duration_s=0.5, audio_offset_s=0.1),
            ph.SessionSpec("sub02_flute_01", "sub02", "flute", matrix=68, spacing_mm=2.9,
                           fps=23.18, duration_s=0.5, audio_offset_s=-0.1, offset_in_manifest=False)]

    def fake_manifest(variant, root=None):
        return {"study": "tiny", "root": root, "sessions": [
            {"id": s.session_id, "subject": s.subject, "group": s.group,
             "sequence": f"{s.session_id}/frames.nii.gz", "audio": f"{s.session_id}/audio.wav",
             "audio_offset_s": s.audio_offset_s if s.offset_in_manifest else None} for s in tiny]}

    monkeypatch.setattr(ph, "session_specs", lambda variant, seed=0: tiny)
    monkeypatch.setattr(ph, "manifest_dict", fake_manifest)
    res = CliRunner().invoke(cli, ["make-demo", str(tmp_path / "d"), "--quick", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "sub03_trumpet_01: 12 frames" in res.output
    man = load_manifest(tmp_path / "d" / "manifest.yaml", check_files=True)
    sess = load_session(man, "sub02_flute_01")
    assert sess.sequence.n_frames == 12 and sess.audio_offset_s is None
    bad = CliRunner().invoke(cli, ["make-demo", str(tmp_path / "e"), "--workers", "0"])
    assert bad.exit_code != 0
