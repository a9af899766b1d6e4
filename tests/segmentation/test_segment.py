"""vtract.segment on a synthetic tract, on real hand-traced frames and on the phantom."""

from __future__ import annotations

import numpy as np
import pytest

import vtract
from vtract import labels as L
from vtract.errors import SegmentationError
from vtract.segmentation import CONTOUR_STRUCTURES, Segmentation


def _dice(a, b):
    return 2 * np.logical_and(a, b).sum() / (a.sum() + b.sum())


def test_synthetic_airway_dice(synthetic):
    seq, truth, seg = synthetic
    assert isinstance(seg, Segmentation)
    assert seg.labels.dtype == np.uint8 and seg.labels.shape == seq.frames.shape
    dice = [_dice(seg.labels[k] == L.AIRWAY, truth[k]) for k in range(seq.n_frames)]
    assert min(dice) > 0.95


def test_synthetic_structures_are_in_place(synthetic):
    seq, truth, seg = synthetic
    lab = seg.labels[0]
    rows_tongue = np.nonzero(lab == L.TONGUE)[0]
    rows_palate = np.nonzero(lab == L.HARD_PALATE)[0]
    oral_top = 31
    assert rows_tongue.size and rows_palate.size
    assert np.median(rows_tongue) > oral_top + 4  # tongue under the oral tube
    assert rows_palate.max() < oral_top + 1  # palate over it
    assert not np.any((lab == L.TONGUE) & truth[0])


def test_contours_in_mm_and_table(synthetic):
    seq, _, seg = synthetic
    c_px = seg.contours_px(3)
    c_mm = seg.contours(3)
    assert set(c_mm) == set(CONTOUR_STRUCTURES)
    np.testing.assert_allclose(c_mm["midline"], c_px["midline"] * 2.5)
    # the upper wall of the oral tube lies on the palate's oral surface (row 31 -> edge at 30.5)
    oral = c_px["upper_wall"][c_px["upper_wall"][:, 0] < 40]
    assert np.median(oral[:, 1]) == pytest.approx(30.5, abs=0.6)
    tab = seg.contours_table()
    assert list(tab.columns) == ["frame", "structure", "point", "x_mm", "y_mm"]
    assert tab["frame"].nunique() == seq.n_frames
    assert set(tab["structure"]) == set(CONTOUR_STRUCTURES)


def test_single_frame_and_nifti_roundtrip(synthetic, tmp_path):
    seq, truth, _ = synthetic
    one = seq.replace(frames=seq.frames[:1])
    seg = vtract.segment(one, method="classic", temporal=0)
    assert _dice(seg.labels[0] == L.AIRWAY, truth[0]) > 0.95
    p = seg.to_nifti(tmp_path / "labels.nii.gz")
    back = vtract.read_sequence(p, fps=1.0)
    np.testing.assert_array_equal(back.frames.astype(np.uint8), seg.labels)


def test_blank_image_is_a_clear_error():
    seq = vtract.Sequence(np.zeros((2, 40, 40), np.float32), fps=10.0)
    with pytest.raises(SegmentationError, match="head"):
        vtract.segment(seq)


def _point_to_polyline(points, line):
    a, b = line[:-1], line[1:]
    ab = b - a
    t = np.einsum("pkd,kd->pk", points[:, None, :] - a[None], ab) / np.maximum(
        np.einsum("kd,kd->k", ab, ab), 1e-12)
    proj = a[None] + np.clip(t, 0, 1)[..., None] * ab[None]
    return np.hypot(*(points[:, None, :] - proj).transpose(2, 0, 1)).min(axis=1)


@pytest.mark.real
def test_real_span_frames_boundary_error(real_dir):
    import scipy.io as sio

    m = sio.loadmat(real_dir / "span_templates/template_struct.mat", squeeze_me=True,
                    struct_as_record=False)
    errs = []
    for t in m["template_struct"]:
        tpl = t.template
        seq = vtract.Sequence(np.asarray(tpl.MRI, np.float32)[None], fps=1.0,
                              pixel_spacing_mm=(2.4, 2.4))
        seg = vtract.segment(seq, method="classic", temporal=0)
        c = seg.contours_px(0)
        for curve in (2, 11):  # tongue, hard palate
            pts = np.atleast_2d(tpl.curves[curve - 1].position) + 41.5
            d = np.minimum(_point_to_polyline(pts, c["upper_wall"]),
                           _point_to_polyline(pts, c["lower_wall"]))
            errs.append(d.mean())
    # hand-traced tongue and palate lie within about a pixel of our air-tissue walls
    assert np.mean(errs) < 1.2


def test_phantom_quick_airway_dice(demo_quick_manifest):
    from vtract.manifest import load_session

    man = demo_quick_manifest
    entry = man.sessions[0]
    sess = load_session(man, entry.id)
    gt = vtract.read_sequence(man.resolved(entry)["ground_truth"]["labels"],
                              fps=sess.sequence.fps).frames.astype(np.uint8)
    seg = vtract.segment(sess.sequence, method="classic")
    dice = np.mean([_dice(seg.labels[k] == L.AIRWAY, gt[k] == L.AIRWAY)
                    for k in range(len(gt))])
    assert dice > 0.8


def test_dark_column_behind_the_pharynx_is_not_the_tract(synthetic):
    """A long dark column behind the spine, joined to the pharynx only at its foot, loses to
    the shorter pharynx that opens into the mouth."""
    seq, truth, _ = synthetic
    frames = np.array(seq.frames)
    frames[:, 10:83, 66:70] = 0.05   # dark column behind the spine, longer than the pharynx
    frames[:, 70:75, 49:70] = 0.05   # joined to the pharynx's lower end
    seg = vtract.segment(seq.replace(frames=frames), method="classic")
    mid = seg.midline[0]
    # the midline's lower (glottis) end and its whole pharyngeal part lie in the pharynx columns
    assert 42 <= mid[0, 0] <= 51
    assert mid[:, 0].max() < 55
    assert _dice(seg.labels[0] == L.AIRWAY, truth[0]) > 0.8
