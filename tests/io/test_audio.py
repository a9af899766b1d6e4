import numpy as np
import pytest
import soundfile as sf

import vtract
from vtract.errors import FileFormatError, MissingMetadataError

RATE = 16000


def _tone(n=RATE // 2, f=220.0):
    return 0.5 * np.sin(2 * np.pi * f * np.arange(n) / RATE)


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "PCM_32", "FLOAT"])
def test_wav_subtypes(tmp_path, subtype):
    x = _tone()
    sf.write(tmp_path / "a.wav", x, RATE, subtype=subtype)
    a = vtract.read_audio(tmp_path / "a.wav")
    assert a.sample_rate_hz == RATE and a.n_samples == x.size
    np.testing.assert_allclose(a.samples, x, atol=1e-4)
    assert a.duration_s == pytest.approx(0.5)
    assert np.all(np.diff(a.times) > 0)


def test_stereo_needs_explicit_channel(tmp_path):
    x = np.stack([_tone(), -0.25 * _tone()], axis=1)
    sf.write(tmp_path / "st.wav", x, RATE)
    with pytest.raises(MissingMetadataError, match="st.wav: has 2 channels"):
        vtract.read_audio(tmp_path / "st.wav")
    np.testing.assert_allclose(vtract.read_audio(tmp_path / "st.wav", channel=1).samples, x[:, 1],
                               atol=1e-4)
    np.testing.assert_allclose(vtract.read_audio(tmp_path / "st.wav", channel="mix").samples,
                               x.mean(axis=1), atol=1e-4)
    with pytest.raises(MissingMetadataError, match="channel 2 does not exist"):
        vtract.read_audio(tmp_path / "st.wav", channel=2)


def test_flac(tmp_path):
    sf.write(tmp_path / "a.flac", _tone(), RATE)
    a = vtract.read_audio(tmp_path / "a.flac")
    np.testing.assert_allclose(a.samples, _tone(), atol=1e-4)


def test_bad_audio(tmp_path):
    (tmp_path / "junk.wav").write_bytes(b"RIFF1234WAVEjunkjunk")
    with pytest.raises(FileFormatError, match="junk.wav"):
        vtract.read_audio(tmp_path / "junk.wav")
    with pytest.raises(FileFormatError, match="missing.wav: no such file"):
        vtract.read_audio(tmp_path / "missing.wav")


@pytest.mark.real
def test_real_arctic(real_dir):
    a = vtract.read_audio(real_dir / "arctic" / "arctic_a0007.wav")
    assert a.sample_rate_hz == 16000
    assert a.duration_s == pytest.approx(4.0, abs=0.01)
