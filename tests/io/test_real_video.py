import pytest

import vtract


@pytest.mark.real
@pytest.mark.parametrize("name, n_frames, fps", [("s2_study6_3.avi", 673, 1e6 / 44632),
                                                 ("lac12112011_13_29_46.avi", 645, 1e6 / 43148)])
def test_real_usc_avi(real_dir, name, n_frames, fps):
    seq = vtract.read_sequence(real_dir / "usc_roi_toolbox" / name, pixel_spacing_mm=2.9)
    assert seq.n_frames == n_frames
    assert seq.shape == (68, 68)
    assert seq.fps == pytest.approx(fps, rel=1e-9)
    assert seq.pixel_spacing_mm == (2.9, 2.9)
    # canonical view: the face (bright soft tissue) is on the left, the air in front of it is dark
    mean = seq.frames.mean(axis=0)
    assert mean[:, :4].mean() < mean[:, 10:30].mean()
