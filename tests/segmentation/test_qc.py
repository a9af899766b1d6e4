"""QC flags, summary and montage."""

from __future__ import annotations

import numpy as np

import vtract
from vtract import qc


def test_clean_sequence_has_no_flags(synthetic):
    _, _, seg = synthetic
    assert seg.flags["ok"].all()
    assert (seg.confidence > 0.8).all()
    s = qc.summary(seg)
    assert s["n_frames"] == 12 and s["frac_ok"] == 1.0 and s["n_lost_track"] == 0


def test_corrupted_frame_is_flagged(synthetic):
    seq, _, _ = synthetic
    frames = np.array(seq.frames)
    rng = np.random.default_rng(1)
    frames[6] = rng.uniform(0, 0.7, frames[6].shape)  # a frame of pure noise
    seg = vtract.segment(seq.replace(frames=frames), method="classic", temporal=0)
    assert not seg.flags["ok"].iloc[6]
    assert seg.confidence[6] < np.median(seg.confidence)
    assert seg.flags["ok"].drop(index=[6, 7]).all()


def test_montage_png(synthetic, tmp_path):
    _, _, seg = synthetic
    p = qc.overlay_montage(seg, tmp_path / "qc.png", n_panels=4)
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image as mpimg

    img = mpimg.imread(p)
    assert img.shape[0] > 100 and img.shape[1] > 300


def test_blank_frame_is_a_dropout(synthetic):
    seq, _, _ = synthetic
    frames = np.array(seq.frames)
    frames[4] = 0.0  # a missing frame (the real USC video has one)
    seg = vtract.segment(seq.replace(frames=frames), method="classic")
    assert seg.flags["dropout"].tolist() == [k == 4 for k in range(seq.n_frames)]
    assert seg.confidence[4] == 0.0 and not seg.flags["ok"].iloc[4]
    assert qc.summary(seg)["n_dropout"] == 1
