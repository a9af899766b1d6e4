"""TextGrid round trips (long and short formats), agreement with Praat, selection, export."""

from __future__ import annotations

import pandas as pd
import parselmouth
import pytest
from parselmouth.praat import call

from vtract.errors import FileFormatError
from vtract.textgrid import (
    Interval,
    IntervalTier,
    Point,
    PointTier,
    TextGrid,
    events_to_tier,
    notes_to_tier,
    read_textgrid,
    write_textgrid,
)


@pytest.fixture()
def grid():
    return TextGrid(0.0, 2.0, [
        IntervalTier("phrase", 0.0, 2.0, [Interval(0.1, 0.5, "A4"),
                                          Interval(0.7, 1.2, 'say "hi" – ü')]),
        PointTier("events", 0.0, 2.0, [Point(0.3, "tongued"), Point(1.0, "slur")])])


@pytest.mark.parametrize("short", [False, True])
def test_round_trip_and_praat_reads_it(grid, tmp_path, short):
    p = write_textgrid(grid, tmp_path / "g.TextGrid", short=short)
    back = read_textgrid(p)
    assert back.tiers[0].filled() == grid.tiers[0].filled()
    assert back.tiers[1].points == grid.tiers[1].points
    tg = parselmouth.read(str(p))
    assert call(tg, "Get number of intervals", 1) == 5  # gaps filled
    assert call(tg, "Get label of interval", 1, 4) == 'say "hi" – ü'
    assert call(tg, "Get time of point", 2, 2) == pytest.approx(1.0)


def test_reads_praat_written_files(grid, tmp_path):
    p = write_textgrid(grid, tmp_path / "g.TextGrid")
    tg = parselmouth.read(str(p))
    for cmd, name in (("Save as text file", "long"), ("Save as short text file", "short")):
        out = tmp_path / f"{name}.TextGrid"
        call(tg, cmd, str(out))
        back = read_textgrid(out)
        assert back.tiers[0].filled() == grid.tiers[0].filled()
        assert [t.name for t in back.tiers] == ["phrase", "events"]


def test_select_time_ranges(grid):
    feats = pd.DataFrame({"time_s": [0.05, 0.2, 0.6, 0.8, 1.5], "f0_hz": [1, 2, 3, 4, 5]})
    sel = grid.select(feats, "phrase")
    assert sel["f0_hz"].tolist() == [2, 4]
    assert sel["phrase"].tolist() == ["A4", 'say "hi" – ü']
    assert grid.select(feats, "phrase", label="A4")["f0_hz"].tolist() == [2]
    assert grid.select(feats, "phrase", pattern="^say")["f0_hz"].tolist() == [4]
    with pytest.raises(FileFormatError):
        grid.select(feats, "events")


def test_export_notes_and_events(tmp_path):
    notes = pd.DataFrame({"onset_s": [0.0, 1.7], "offset_s": [1.5, 2.9],
                          "note_name": ["A4", "C5"]})
    ev = pd.DataFrame({"time_s": [0.5, 1.0], "kind": ["tongued", "slur"]})
    tg = TextGrid(0.0, 3.0, [notes_to_tier(notes, xmax=3.0), events_to_tier(ev, xmax=3.0)])
    back = read_textgrid(write_textgrid(tg, tmp_path / "e.TextGrid"))
    assert [i.text for i in back["notes"].intervals] == ["A4", "", "C5", ""]
    assert back["events"].to_frame()["mark"].tolist() == ["tongued", "slur"]


def test_bad_files(tmp_path):
    p = tmp_path / "bad.TextGrid"
    p.write_text('File type = "ooTextFile"\nObject class = "TextGrid"\n0 2 <exists> 1\n"Interv')
    with pytest.raises(FileFormatError):
        read_textgrid(p)
    with pytest.raises(FileFormatError, match="no such file"):
        read_textgrid(tmp_path / "missing.TextGrid")


LONG_UTF16 = '''File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 1.5
tiers? <exists>
size = 1
item []:
    item [1]:
        class = "IntervalTier"
        name = "vowel"
        xmin = 0
        xmax = 1.5
        intervals: size = 2
        intervals [1]:
            xmin = 0
            xmax = 0.75
            text = "ɑː"
        intervals [2]:
            xmin = 0.75
            xmax = 1.5
            text = ""
'''


def test_utf16_file_written_by_hand(tmp_path):
    p = tmp_path / "u16.TextGrid"
    p.write_bytes(LONG_UTF16.encode("utf-16"))  # with a BOM, as Praat writes non-ASCII text
    assert p.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    back = read_textgrid(p)
    assert back["vowel"].intervals == [Interval(0.0, 0.75, "ɑː"), Interval(0.75, 1.5, "")]
    assert (back.xmin, back.xmax) == (0.0, 1.5)


@pytest.mark.parametrize("command", ["Save as binary file", "Save as short text file",
                                     "Save as text file"])
def test_every_praat_format_reads_the_same(grid, tmp_path, command):
    tg = parselmouth.read(str(write_textgrid(grid, tmp_path / "g.TextGrid")))
    out = tmp_path / "praat.TextGrid"
    call(tg, command, str(out))
    raw = out.read_bytes()
    if command == "Save as binary file":
        assert raw.startswith(b"ooBinaryFile")
    elif command == "Save as text file":
        assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")  # non-ASCII labels: Praat writes UTF-16
    back = read_textgrid(out)
    assert back["phrase"].filled() == grid["phrase"].filled()
    assert back["events"].points == grid["events"].points


def test_short_format_is_short(grid, tmp_path):
    text = write_textgrid(grid, tmp_path / "s.TextGrid", short=True).read_text(encoding="utf-8")
    assert "xmin =" not in text and "intervals [" not in text
    assert "xmin =" in write_textgrid(grid, tmp_path / "l.TextGrid").read_text(encoding="utf-8")


def test_not_a_textgrid_names_the_file(tmp_path):
    import numpy as np

    wav = tmp_path / "a.wav"
    parselmouth.Sound(np.zeros(800), 8000.0).save(str(wav), "WAV")
    with pytest.raises(FileFormatError, match=r"a\.wav: not a TextGrid"):
        read_textgrid(wav)


def test_clock_conversion(grid):
    from vtract.clock import Clock

    clock = Clock(audio_offset_s=0.5, fps=20.0, t0_s=0.0, drift_ppm=1000.0)
    img = grid.to_image_clock(clock)
    assert img["phrase"].intervals[0].xmin == pytest.approx((0.1 - 0.5) / 1.001)
    assert img["events"].points[1].time == pytest.approx((1.0 - 0.5) / 1.001)
    back = img.to_audio_clock(clock)
    assert back["phrase"].intervals[1].xmax == pytest.approx(1.2)
    assert back["phrase"].intervals[1].text == grid["phrase"].intervals[1].text
