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
