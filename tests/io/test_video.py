"""Video reader: a copy cut short (fewer frames than the header lists) is refused unless allowed."""

from __future__ import annotations

import av
import numpy as np
import pytest
import yaml

import vtract
from vtract.cli import main
from vtract.errors import FileFormatError
from vtract.manifest import load_manifest, load_session

N_HEADER, N_KEPT = 40, 6


@pytest.fixture(scope="module")
def truncated(tmp_path_factory):
    """An MJPEG AVI of 40 frames whose file is cut after frame 6 (the header still says 40)."""
    d = tmp_path_factory.mktemp("video")
    full = d / "full.avi"
    with av.open(str(full), "w") as c:
        s = c.add_stream("mjpeg", rate=25)
        s.width, s.height, s.pix_fmt = 32, 32, "yuvj420p"
        for k in range(N_HEADER):
            img = np.full((32, 32, 3), 5 * k, np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    with av.open(str(full)) as c:  # the byte where frame N_KEPT's chunk ends
        packets = [(p.pos, p.size) for p in c.demux(c.streams.video[0]) if p.size]
    cut = d / "cut.avi"
    cut.write_bytes(full.read_bytes()[:packets[N_KEPT - 1][0] + packets[N_KEPT - 1][1]])
    return full, cut


def test_full_file_reads_all_frames(truncated):
    seq = vtract.read_sequence(truncated[0])
    assert seq.n_frames == N_HEADER and seq.metadata["frames_in_header"] == N_HEADER


def test_truncated_file_is_an_error_naming_both_counts(truncated):
    cut = truncated[1]
    with pytest.raises(FileFormatError, match=rf"cut\.avi: truncated video: its header lists "
                                              rf"{N_HEADER} frames but only {N_KEPT} are in the file"):
        vtract.read_sequence(cut)


def test_allow_truncated_returns_the_frames_on_disk(truncated):
    seq = vtract.read_sequence(truncated[1], allow_truncated=True)
    assert seq.n_frames == N_KEPT and seq.metadata["frames_in_header"] == N_HEADER
    np.testing.assert_allclose(seq.frames.mean(axis=(1, 2)), 5 * np.arange(N_KEPT), atol=2)


def test_cli_and_manifest(truncated, tmp_path, capsys):
    cut = truncated[1]
    assert main(["info", str(cut)]) == 1
    err = capsys.readouterr().err
    assert "--allow-truncated" in err and len(err.strip().splitlines()) == 1
    assert main(["info", str(cut), "--allow-truncated", "--json"]) == 0
    assert f'"n_frames": {N_KEPT}' in capsys.readouterr().out
    m = tmp_path / "m.yaml"
    m.write_text(yaml.safe_dump({"sessions": [{"id": "s", "sequence": str(cut), "pixel_spacing_mm": 2.0,
                                               "allow_truncated": True}]}))
    assert load_session(load_manifest(m), "s").sequence.n_frames == N_KEPT
