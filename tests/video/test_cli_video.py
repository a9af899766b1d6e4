"""``vtract video``: batch session folders, raw sequence files, comparison, still, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from vtract.cli import main
from vtract.io import write_labels, write_sequence

from . import _probe
from .conftest import FPS, N_FRAMES, OFFSET_S, acoustics_table, label_maps, make_session, measures_table


def _session_folder(root, session_id="sub01_classical_01", flash_frame=20):
    """A folder laid out like 'vtract run' output (session.json + labels + tables + sync.json)."""
    s = make_session(flash_frame=flash_frame, session_id=session_id)
    inputs = root / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    seq_path = write_sequence(s.sequence, inputs / f"{session_id}.nii.gz")
    wav = inputs / f"{session_id}.wav"
    sf.write(wav, s.audio.samples, int(s.audio.sample_rate_hz), subtype="FLOAT")
    d = root / "out" / session_id
    d.mkdir(parents=True)
    entry = {"id": session_id, "subject": "sub01", "group": {"style": "classical"},
             "sequence": str(seq_path), "audio": str(wav), "audio_channel": None,
             "audio_offset_s": None, "fps": FPS, "pixel_spacing_mm": [2.4, 2.4], "t0_s": 0.0}
    (d / "session.json").write_text(json.dumps({"status": "ok", "entry": entry}))
    (d / "sync.json").write_text(json.dumps({"audio_offset_s": OFFSET_S, "method": "test"}))
    write_labels(label_maps(), d / "labels.nii.gz", like=s.sequence)
    acoustics_table().to_csv(d / "acoustics.csv", index=False)
    measures_table(s.sequence).to_csv(d / "measures.csv", index=False)
    return d


def test_session_folder_video_and_still(tmp_path, capsys):
    d = _session_folder(tmp_path)
    out, png = tmp_path / "v.mp4", tmp_path / "v.png"
    rc = main(["video", str(d), "-o", str(out), "--size", "180", "--still", str(png),
               "--keyframes", "3"])
    assert rc == 0, capsys.readouterr().err
    assert out.is_file() and png.is_file()
    st = _probe.streams(out)
    assert [(x["type"], x["codec"]) for x in st] == [("video", "h264"), ("audio", "aac")]
    times, frames = _probe.video_frames(out)
    assert len(frames) == N_FRAMES
    # the offset came from sync.json: the click sits in the flash frame
    bright = np.array([f[:180].mean() for f in frames])
    x, sr, start = _probe.audio_samples(out)
    click_t = start + (int(np.argmax(np.abs(np.diff(x)))) + 20) / sr
    assert abs(click_t - (times[int(np.argmax(bright))] + 0.5 / FPS)) < 1 / FPS


def test_batch_root_with_one_session_and_slow_mute(tmp_path, capsys):
    _session_folder(tmp_path)
    out = tmp_path / "slow.mp4"
    rc = main(["video", str(tmp_path / "out"), "-o", str(out), "--size", "120", "--slow", "0.5",
               "--mute", "--start", "0.5", "--end", "1.5"])
    assert rc == 0, capsys.readouterr().err
    times, frames = _probe.video_frames(out)
    assert len(frames) == 60  # 1 s at half speed at 30 frames/s
    x, sr, _ = _probe.audio_samples(out)
    assert np.sqrt(np.mean(x ** 2)) < 1e-3


def test_raw_sequence_with_audio_and_offset(tmp_path, capsys):
    s = make_session()
    npy = tmp_path / "seq.npy"
    np.save(npy, np.asarray(s.sequence.frames))
    wav = tmp_path / "a.wav"
    sf.write(wav, s.audio.samples, 16000, subtype="FLOAT")
    out = tmp_path / "raw.mp4"
    rc = main(["video", str(npy), "--fps", "20", "--pixel-spacing", "2.4", "--audio", str(wav),
               "--offset", str(OFFSET_S), "-o", str(out), "--size", "120", "--no-acoustics"])
    assert rc == 0, capsys.readouterr().err
    assert len(_probe.video_frames(out)[1]) == N_FRAMES


def test_compare_two_folders(tmp_path, capsys):
    a = _session_folder(tmp_path / "a", "student", flash_frame=20)
    b = _session_folder(tmp_path / "b", "reference", flash_frame=10)
    out = tmp_path / "cmp.mp4"
    rc = main(["video", str(a), "--compare", str(b), "--align", f"{20.5 / FPS},{10.5 / FPS}",
               "-o", str(out), "--size", "120", "--poster", str(tmp_path / "cmp.png")])
    assert rc == 0, capsys.readouterr().err
    assert (tmp_path / "cmp.png").is_file()
    times, frames = _probe.video_frames(out)
    w = frames[0].shape[1]
    left = [f[:120, : (w - 4) // 2].mean() for f in frames]
    right = [f[:120, (w + 4) // 2:].mean() for f in frames]
    assert int(np.argmax(left)) == int(np.argmax(right))


@pytest.mark.parametrize("args, message", [
    (["--compare", "X", "--start", "1"], "--align"),
    ([], "-o OUT.mp4"),
])
def test_usage_errors(tmp_path, capsys, args, message):
    d = _session_folder(tmp_path)
    out = [] if not args else ["-o", str(tmp_path / "x.mp4")]
    rc = main(["video", str(d), *out, *args])
    assert rc != 0
    assert message in capsys.readouterr().err


def test_folder_with_several_sessions_is_one_line_error(tmp_path, capsys):
    _session_folder(tmp_path, "s1")
    _session_folder(tmp_path, "s2")
    rc = main(["video", str(tmp_path / "out"), "-o", str(tmp_path / "x.mp4")])
    err = capsys.readouterr().err
    assert rc == 1 and "holds 2 sessions" in err and len(err.strip().splitlines()) == 1


def test_folder_without_session_json_is_read_as_a_sequence(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    rc = main(["video", str(tmp_path / "empty"), "-o", str(tmp_path / "x.mp4")])
    err = capsys.readouterr().err
    assert rc == 1 and str(tmp_path / "empty") in err and len(err.strip().splitlines()) == 1
