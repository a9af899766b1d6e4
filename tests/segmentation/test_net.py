import numpy as np
import pytest
from scipy import ndimage as ndi

import vtract
from vtract import labels as L
from vtract.errors import SegmentationError
from vtract.segmentation._net import (
    AIR_GAP_MM,
    TRACT_WALLS,
    default_model_path,
    load_model,
    segment_net,
)
from vtract.segmentation._netgrid import NET_CLASSES


@pytest.fixture(scope="module")
def net_case():
    """Four frames of the demo phantom's head (vowels a, i, u, schwa; 84 x 84, 2.4 mm, noisy)."""
    from vtract.phantom import NEUTRAL, SUBJECTS, VOWELS, build_geometry, rasterise

    rng = np.random.default_rng(0)
    frames, truth = [], []
    for v in ("a", "i", "u", "@"):
        p = dict(NEUTRAL)
        p.update(VOWELS[v])
        pd, lab, _ = rasterise(build_geometry(SUBJECTS["sub02"], p), 84, 2.4)
        frames.append(np.abs(pd + rng.normal(0, 0.05, pd.shape)).astype(np.float32))
        truth.append(lab == L.AIRWAY)
    seq = vtract.Sequence(np.stack(frames), fps=20.0, pixel_spacing_mm=(2.4, 2.4), source="phantom")
    return seq, np.stack(truth), segment_net(seq)


def test_shipped_model_exists_is_small_and_loads():
    path = default_model_path()
    assert path.is_file()
    assert path.stat().st_size <= 10 * 2**20
    assert (path.parent / "MODEL.md").is_file()
    m = load_model()
    assert m.classes == NET_CLASSES
    assert 1.0 <= m.spacing_mm <= 3.5
    x = np.zeros((2, m.context, 32, 48), np.float32)
    p = m.predict(x)
    assert p.shape == (2, len(NET_CLASSES), 32, 48)
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-4)


def test_segmentation_object_is_complete(net_case):
    seq, truth, seg = net_case
    n, ny, nx = seq.frames.shape
    assert seg.labels.shape == (n, ny, nx) and seg.labels.dtype == np.uint8
    assert set(np.unique(seg.labels)) <= set(NET_CLASSES)
    assert seg.midline.shape == (n, 66, 2) and np.isfinite(seg.midline).all()  # 64 lines + 2 ends
    assert seg.landmarks.shape == (n, 6) and len(seg.flags) == n
    assert seg.settings["method"] == "net"
    for k in range(n):  # post-processing: every airway piece comes within AIR_GAP_MM of the
        # largest or borders the tongue and a tract wall; the airway matches the phantom's
        lab, nc = ndi.label(seg.labels[k] == L.AIRWAY)
        assert nc >= 1
        big = lab == np.argmax(np.bincount(lab.ravel())[1:]) + 1
        dist = ndi.distance_transform_edt(~big, sampling=seq.pixel_spacing_mm)
        for i in range(1, nc + 1):
            ring = ndi.binary_dilation(lab == i)
            section = (ring & (seg.labels[k] == L.TONGUE)).any() and (
                ring & np.isin(seg.labels[k], TRACT_WALLS)).any()
            assert dist[lab == i].min() <= AIR_GAP_MM + 1e-6 or section
        air = seg.labels[k] == L.AIRWAY
        assert 2 * (air & truth[k]).sum() / (air.sum() + truth[k].sum()) > 0.8
    # the measures run on it
    from vtract.measures import measure

    df = measure(seg)
    assert len(df) == n and np.isfinite(df["tract_length_mm"]).all()


def test_measure_reuses_the_segmenters_geometry_with_the_same_numbers(net_case):
    from dataclasses import replace

    import pandas as pd

    from vtract.measures import measure

    seq, _, seg = net_case
    assert seg.geometry_cache is not None and seg.geometry_cache.kept.all()
    cached = measure(seg)
    fresh = measure(replace(seg, geometry_cache=None))
    pd.testing.assert_frame_equal(cached, fresh)
    # labels edited after segmentation: the cache no longer applies
    lab = seg.labels.copy()
    cols = np.nonzero((lab[0] == L.AIRWAY).any(axis=0))[0]
    front = lab[0][:, : cols[len(cols) // 3]]
    front[front == L.AIRWAY] = L.BACKGROUND  # the front third of the tract is gone
    edited = measure(replace(seg, labels=lab))
    pd.testing.assert_frame_equal(edited, measure(replace(seg, labels=lab, geometry_cache=None)))
    assert not np.allclose(edited.iloc[0].to_numpy(float), cached.iloc[0].to_numpy(float),
                           equal_nan=True)


@pytest.mark.parametrize("size", [68, 84, 128])
def test_labels_on_the_input_grid_for_any_matrix(net_case, size):
    # the same phantom head at three matrices (same field of view): labels on the input grid, and the
    # airway where it is at 84 x 84
    seq, truth, seg84 = net_case
    frames = np.stack([ndi.zoom(f, size / 84, order=1) for f in seq.frames[:2]]).astype(np.float32)
    mm = 2.4 * 84 / size
    seg = segment_net(vtract.Sequence(frames, fps=seq.fps, pixel_spacing_mm=(mm, mm)))
    assert seg.labels.shape == (2, size, size)
    for k in range(2):
        air = seg.labels[k] == L.AIRWAY
        air84 = ndi.zoom((seg84.labels[k] == L.AIRWAY).astype(float), size / 84, order=1) > 0.5
        assert 2 * (air & air84).sum() / (air.sum() + air84.sum()) > 0.8


def test_dispatch_and_errors(net_case):
    seq = net_case[0]
    assert vtract.segment(seq, method="net").settings["method"] == "net"
    with pytest.raises(SegmentationError, match="unknown segmentation method"):
        vtract.segment(seq, method="magic")
    nospace = vtract.Sequence(seq.frames, fps=seq.fps)
    with pytest.raises(SegmentationError, match="pixel spacing"):
        segment_net(nospace)
    with pytest.raises(SegmentationError, match="not found"):
        segment_net(seq, model="/nonexistent/model.onnx")
    blank = vtract.Sequence(np.zeros((2, 40, 40), np.float32), fps=10.0, pixel_spacing_mm=(2.4, 2.4))
    with pytest.raises(SegmentationError, match="no head"):
        segment_net(blank)


def _airway_boundary(lab):
    from skimage.measure import find_contours

    c = find_contours(np.pad((lab == L.AIRWAY).astype(float), 1), 0.5)
    return np.vstack(c)[:, ::-1] - 1.0 if c else np.zeros((0, 2))


def _sym(a, b):
    from scipy.spatial import cKDTree

    return 0.5 * (cKDTree(b).query(a)[0].mean() + cKDTree(a).query(b)[0].mean())


@pytest.fixture(scope="module")
def synth_case():
    """Two frames of a domain-randomised synthetic head (vtract.synth) on its native grid."""
    from vtract.synth import sample

    rng = np.random.default_rng(3)
    s = sample(rng)
    img = np.asarray(s.image[0], np.float32)
    frames = np.stack([img, img])
    seq = vtract.Sequence(frames, fps=20.0, pixel_spacing_mm=(s.spacing_mm, s.spacing_mm))
    return seq, segment_net(seq)


def test_robust_to_flip_pad_and_shift(synth_case, tmp_path):
    import nibabel as nib

    seq, seg = synth_case
    fr = np.asarray(seq.frames)
    mm = seq.pixel_spacing_mm[0]
    # stored on disk with rows and columns swapped and the face at the high index: reading it back
    # gives the same canonical frames, hence identical labels
    data = np.transpose(fr, (2, 1, 0))[::-1, :, None, :]  # (x: posterior->anterior, y: down, 1, t)
    aff = np.zeros((4, 4))
    aff[1, 0], aff[2, 1], aff[0, 2], aff[3, 3] = mm, -mm, 1.0, 1.0
    img = nib.Nifti1Image(np.ascontiguousarray(data), aff)
    img.header.set_xyzt_units("mm", "sec")
    img.header["pixdim"][4] = 1.0 / seq.fps
    nib.save(img, tmp_path / "flip.nii.gz")
    s_f = vtract.read_sequence(tmp_path / "flip.nii.gz", fps=seq.fps)
    np.testing.assert_allclose(s_f.frames, fr)
    assert np.array_equal(segment_net(s_f).labels, seg.labels)
    # padding with air and shifting by whole pixels move the airway boundary by well under a pixel
    pad = 8
    s_p = vtract.Sequence(np.pad(fr, ((0, 0), (pad, pad), (pad, pad))), fps=seq.fps,
                          pixel_spacing_mm=seq.pixel_spacing_mm)
    lab_p = segment_net(s_p).labels[:, pad:-pad, pad:-pad]
    sh = np.zeros_like(fr)
    sh[:, 2:, :-3] = fr[:, :-2, 3:]
    lab_s = segment_net(vtract.Sequence(sh, fps=seq.fps, pixel_spacing_mm=seq.pixel_spacing_mm)).labels
    b0 = _airway_boundary(seg.labels[0])
    assert len(b0) > 20
    assert _sym(b0, _airway_boundary(lab_p[0])) < 0.5
    assert _sym(b0, _airway_boundary(lab_s[0]) + np.array([3.0, -2.0])) < 0.5


def test_dropout_frame_takes_its_neighbour_and_is_flagged(synth_case):
    seq, seg = synth_case
    img = np.asarray(seq.frames[0])
    frames = np.stack([img, np.zeros_like(img), img])
    s = vtract.Sequence(frames, fps=seq.fps, pixel_spacing_mm=seq.pixel_spacing_mm)
    out = segment_net(s)
    assert np.array_equal(out.labels[1], out.labels[0])
    assert out.flags["dropout"].tolist() == [False, True, False]
    assert (out.labels == L.AIRWAY).any(axis=(1, 2)).all()


def test_post_labels_keep_tract_sections_and_drop_islands():
    """Post-processing: a pharynx cut off by a long dorsum-velum contact stays airway (it borders
    the tongue and the pharyngeal wall); an air island bordering no tongue does not."""
    from vtract.segmentation._net import AIR_GAP_MM, _post_labels

    classes = tuple(NET_CLASSES)
    want = np.zeros((60, 60), np.uint8)
    want[5:10, 5:30] = L.AIRWAY  # oral cavity (the largest piece)
    want[10:40, 5:40] = L.TONGUE
    want[0:5, 5:30] = L.HARD_PALATE
    want[10:40, 44:48] = L.PHARYNGEAL_WALL
    want[15:40, 40:44] = L.AIRWAY  # pharynx, 10 px = 20 mm from the oral piece
    want[50:55, 50:55] = L.AIRWAY  # an island far from everything
    # a tongue-tip closure: the front cavity between the tongue, the incisors and the lips, 12 px away
    want[10:40, 0:5] = L.BACKGROUND
    want[20:30, 0:2] = L.LIPS
    want[12:20, 2:5] = L.TEETH
    want[20:30, 2:5] = L.AIRWAY
    want[5:10, 5:8] = L.TONGUE  # the tip touches the palate: the oral piece no longer reaches the front
    prob = np.stack([(want == c).astype(float) for c in classes])
    lab = _post_labels(prob, classes, (2.0, 2.0))
    assert 10 * 2.0 > AIR_GAP_MM  # the pharynx is beyond the plain gap rule
    assert (lab[15:40, 40:44] == L.AIRWAY).all()
    assert (lab[5:10, 8:30] == L.AIRWAY).all()
    assert (lab[50:55, 50:55] == L.BACKGROUND).all()
    assert (lab[20:30, 2:5] == L.AIRWAY).all()  # the front cavity borders the tongue, teeth and lips


@pytest.mark.parametrize("kind", ["rician_noise", "checkerboard", "gradient", "bright_disk", "bar",
                                  "negative", "tiny_16", "one_frame", "wide_40x200", "int16"])
def test_odd_inputs_segment_or_raise_a_segmentation_error(kind):
    """Whatever the frames hold, segment + measure finish or raise SegmentationError, never a crash."""
    rng = np.random.default_rng(0)
    n, s = 3, 68
    yy, xx = np.mgrid[:s, :s]
    frames = {
        "rician_noise": lambda: rng.rayleigh(1.0, (n, s, s)),
        "checkerboard": lambda: np.repeat(((yy // 4 + xx // 4) % 2)[None].astype(float), n, 0),
        "gradient": lambda: np.repeat(((yy + xx) / (2.0 * s))[None], n, 0),
        "bright_disk": lambda: np.repeat((((yy - 34) ** 2 + (xx - 34) ** 2) < 400)[None].astype(float), n, 0)
        + 0.05 * rng.random((n, s, s)),
        "bar": lambda: np.repeat((np.abs(yy - 34) < 3)[None].astype(float), n, 0),
        "negative": lambda: -rng.rayleigh(1.0, (n, s, s)),
        "tiny_16": lambda: rng.random((n, 16, 16)),
        "one_frame": lambda: rng.rayleigh(1.0, (1, s, s)),
        "wide_40x200": lambda: rng.rayleigh(1.0, (n, 40, 200)),
        "int16": lambda: (rng.rayleigh(1.0, (n, s, s)) * 1000).astype(np.int16),
    }[kind]()
    seq = vtract.Sequence(frames, fps=20.0, pixel_spacing_mm=(2.9, 2.9))
    try:
        seg = vtract.segment(seq, method="net")
    except SegmentationError as exc:
        assert str(exc)  # a message for the user
        return
    assert seg.labels.shape == seq.frames.shape
    m = vtract.measure(seg)
    assert len(m) == seq.n_frames
