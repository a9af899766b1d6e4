import dataclasses

import numpy as np
import pytest

import vtract
from vtract.errors import DataValueError, MissingMetadataError


def test_times_are_frame_centres_and_read_only():
    seq = vtract.Sequence(np.zeros((4, 8, 8)), fps=20.0, pixel_spacing_mm=2.0, t0_s=1.0)
    np.testing.assert_allclose(seq.times, [1.025, 1.075, 1.125, 1.175])
    assert seq.frames.dtype == np.float32 and seq.pixel_spacing_mm == (2.0, 2.0)
    with pytest.raises(ValueError):
        seq.times[0] = 5
    with pytest.raises(ValueError):
        seq.frames[0, 0, 0] = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        seq.fps = 10
    assert seq.replace(fps=40).duration_s == pytest.approx(0.1)


def test_crop_time_moves_t0():
    seq = vtract.Sequence(np.arange(10)[:, None, None] * np.ones((10, 4, 4)), fps=10.0)
    c = seq.crop_time(0.3, 0.7)
    assert c.n_frames == 4 and c.t0_s == pytest.approx(0.3)
    np.testing.assert_allclose(c.frames[:, 0, 0], [3, 4, 5, 6])


@pytest.mark.parametrize("kw, err, match", [
    ({"frames": np.zeros((2, 3, 4, 5)), "fps": 10}, DataValueError, "n_frames, ny, nx"),
    ({"frames": np.full((2, 4, 4), np.nan), "fps": 10}, DataValueError, "NaN"),
    ({"frames": np.zeros((2, 4, 4)), "fps": None}, MissingMetadataError, "no frame rate"),
    ({"frames": np.zeros((2, 4, 4)), "fps": 0}, MissingMetadataError, "must be > 0"),
    ({"frames": np.zeros((2, 4, 4)), "fps": 10, "pixel_spacing_mm": -1}, DataValueError, "spacing"),
])
def test_bad_sequences(kw, err, match):
    with pytest.raises(err, match=match):
        vtract.Sequence(**kw)


def test_to_xarray_coords():
    seq = vtract.Sequence(np.zeros((3, 4, 5)), fps=10.0, pixel_spacing_mm=(2.0, 3.0))
    da = seq.to_xarray()
    assert da.dims == ("time", "y", "x")
    np.testing.assert_allclose(da.x.values, [0, 3, 6, 9, 12])
    np.testing.assert_allclose(da.time.values, seq.times)
    assert da.sel(time=0.15, method="nearest").shape == (4, 5)


def test_audio_and_session():
    a = vtract.Audio(np.zeros(1000), 1000.0)
    assert a.duration_s == 1.0 and a.crop(0.25, 0.5).n_samples == 250
    with pytest.raises(DataValueError, match="mono"):
        vtract.Audio(np.zeros((10, 2)), 1000.0)
    seq = vtract.Sequence(np.zeros((3, 4, 4)), fps=10.0)
    ses = vtract.Session(seq, a, audio_offset_s=-0.05, session_id="x", group={"style": "pop"})
    np.testing.assert_allclose(ses.frame_start_audio_s(), [-0.05, 0.05, 0.15])
    ds = ses.to_xarray()
    assert ds.attrs["audio_offset_s"] == -0.05 and "audio" in ds
    with pytest.raises(MissingMetadataError, match="audio_offset_s is unknown"):
        vtract.Session(seq, a).frame_start_audio_s()
