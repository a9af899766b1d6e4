"""The HTML report writer (no browser): pages, real numbers, links, incremental re-runs, the CLI."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vtract.errors import VtractError
from vtract.report import write_report
from vtract.report._study import group_keys
from vtract.report._text import describe_file
from vtract.report._write import _num, _size


class _Refs(HTMLParser):
    """Collect href/src attributes and element ids of a page."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, dict]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.refs.append((tag, a[key], a))


def _refs(page: Path) -> list[tuple[str, str, dict]]:
    p = _Refs()
    p.feed(page.read_text(encoding="utf-8"))
    return p.refs


def _data_value(html: str, element_id: str) -> float:
    m = re.search(rf'id="{element_id}" data-value="([^"]+)"', html)
    assert m, f"no #{element_id} with data-value in the page"
    return float(m.group(1))


def test_number_formatting():
    assert _num(202.679, 1, "Hz") == "202.7 Hz"
    assert _num(float("nan")) == "–" and _num(None) == "–" and _num("x") == "–"
    assert _size(999) == "999 B" and _size(28_012) == "28.0 kB" and _size(1_700_000) == "1.7 MB"
    assert "pitch" in describe_file("acoustics.csv")
    assert describe_file("measures.json") == "settings and vtract version that produced measures.csv"
    assert describe_file("unknown.bin") == ""


def test_group_keys():
    rows = [{"status": "ok", "group": {"kind": "singing", "style": "classical"}},
            {"status": "ok", "group": {"kind": "singing", "style": "belting"}},
            {"status": "ok", "group": {"kind": "wind", "instrument": "trumpet"}},
            {"status": "ok", "group": {"kind": "wind", "instrument": "flute"}},
            {"status": "failed", "group": {"kind": "wind", "other": "x"}}]
    # kind only summarises style and instrument: left out
    assert group_keys(rows) == ["style", "instrument"]
    assert group_keys(rows[:2]) == ["style"]  # kind has one value among these
    # crossed factors set on every session are both kept; partial keys first
    crossed = [{"status": "ok", "group": {"voice": v, "style": s, **({"extra": "a"} if v == "alto" else {})}}
               for v in ("alto", "tenor") for s in ("classical", "belting")]
    crossed[-1]["group"]["extra"] = "b"
    assert group_keys(crossed) == ["extra", "voice", "style"]


def test_report_pages_show_real_numbers_and_resolve(demo_run):
    rep = demo_run / "report"
    index = rep / "index.html"
    sessions = pd.read_csv(demo_run / "sessions.csv")
    html = index.read_text(encoding="utf-8")
    for sid in sessions.session_id:
        assert f'href="sessions/{sid}.html"' in html
    assert "By style" in html and "By instrument" in html
    for sid in sessions.session_id:
        page = rep / "sessions" / f"{sid}.html"
        text = page.read_text(encoding="utf-8")
        f0 = pd.read_csv(demo_run / sid / "acoustics.csv")["f0_hz"].to_numpy(float)
        assert _data_value(text, "median-f0") == pytest.approx(np.nanmedian(f0), rel=1e-9)
        assert f"{np.nanmedian(f0):.1f} Hz" in text
        sync = json.loads((demo_run / sid / "sync.json").read_text())
        assert _data_value(text, "sync-offset") == pytest.approx(sync["audio_offset_s"])
        measures = pd.read_csv(demo_run / sid / "measures.csv")
        assert f'data-column="larynx_height_mm">{np.nanmedian(measures.larynx_height_mm):.1f} mm' in text
        refs = _refs(page)
        data_links = {Path(a["href"]).name for tag, _, a in refs if "datafile" in a.get("class", "")}
        assert data_links == {p.name for p in (demo_run / sid).iterdir() if p.is_file()}
        for tag, ref, _ in refs:
            assert not ref.startswith(("http:", "https:", "//")), f"{page.name}: remote {ref}"
            if ref.startswith(("#", "data:")):
                continue
            assert (page.parent / ref).resolve().exists(), f"{page.name}: broken {tag} {ref}"
        assert any(tag == "video" for tag, _, _ in refs), f"{sid}: no video"
    for _tag, ref, _ in _refs(index):
        if not ref.startswith(("#", "data:")):
            assert (index.parent / ref).resolve().exists(), f"index.html: broken {ref}"
    css = (rep / "assets" / "report.css").read_text() + (rep / "assets" / "report.js").read_text()
    assert "http" not in css and "@import" not in css


def test_incremental_rebuilds_only_the_changed_session(demo_copy):
    rep = demo_copy / "report"
    sids = list(pd.read_csv(demo_copy / "sessions.csv").session_id)
    write_report(demo_copy, workers=0)  # the copy's mtimes are preserved: nothing to do
    assert json.loads((rep / "manifest.json").read_text())["last_run"]["rebuilt"] == []
    before = {s: (rep / "sessions" / f"{s}.html").stat().st_mtime_ns for s in sids}
    changed = sids[1]
    ac = pd.read_csv(demo_copy / changed / "acoustics.csv")
    ac["f0_hz"] *= 2.0  # one octave up
    ac.to_csv(demo_copy / changed / "acoustics.csv", index=False)
    write_report(demo_copy, workers=0)
    state = json.loads((rep / "manifest.json").read_text())
    assert state["last_run"]["rebuilt"] == [changed]
    after = {s: (rep / "sessions" / f"{s}.html").stat().st_mtime_ns for s in sids}
    assert [s for s in sids if after[s] != before[s]] == [changed]
    text = (rep / "sessions" / f"{changed}.html").read_text()
    assert _data_value(text, "median-f0") == pytest.approx(np.nanmedian(ac["f0_hz"]))
    # the study table shows the new number too
    assert f"{np.nanmedian(ac['f0_hz']):.1f} Hz" in (rep / "index.html").read_text()


def test_session_option_missing_video_and_failed_session(demo_copy, capsys):
    from vtract.cli import main

    sids = list(pd.read_csv(demo_copy / "sessions.csv").session_id)
    sid = sids[0]
    for p in (demo_copy / "videos" / f"{sid}.mp4", demo_copy / sid / "video.mp4"):
        p.unlink(missing_ok=True)
    page = write_report(demo_copy, session=sid, workers=0)
    assert page == demo_copy / "report" / "sessions" / f"{sid}.html"
    assert 'id="no-video"' in page.read_text() and "<video" not in page.read_text()
    with pytest.raises(VtractError, match=f"not in .*{sids[1]}"):
        write_report(demo_copy, session="nope")
    # a failed session: the page says which step failed and why; the study lists it as failed
    bad = sids[2]
    (demo_copy / bad / "session.json").unlink()
    (demo_copy / bad / "failure.json").write_text(json.dumps(
        {"session_id": bad, "step": "segment", "error_type": "SegmentationError",
         "message": "no head found in frames.nii.gz"}))
    assert main(["report", str(demo_copy), "--workers", "0"]) == 0
    assert capsys.readouterr().out.strip().endswith("index.html")
    text = (demo_copy / "report" / "sessions" / f"{bad}.html").read_text()
    assert "segment" in text and "no head found in frames.nii.gz" in text
    assert "✗ failed" in (demo_copy / "report" / "index.html").read_text()


def test_not_a_run_folder(tmp_path):
    with pytest.raises(VtractError, match="no sessions found"):
        write_report(tmp_path)
    with pytest.raises(VtractError, match="no such run folder"):
        write_report(tmp_path / "absent")


def test_report_of_a_run_without_segmentation(tmp_path):
    """`vtract run --steps acoustics`: pages say what is missing; vtract's warnings become page notes."""
    from tests.batch.conftest import make_study
    from vtract import run_batch

    manifest = make_study(tmp_path / "data")
    out = tmp_path / "out"
    run_batch(manifest, out, workers=0, steps="acoustics", quiet=True)
    index = write_report(out, workers=0)
    sids = list(pd.read_csv(out / "sessions.csv").session_id)
    text = (out / "report" / "sessions" / f"{sids[0]}.html").read_text()
    assert "No label maps were written" in text and "No measures were computed" in text
    assert 'id="no-video"' in text
    assert "Notes from the analysis" in text and "gradient noise" in text  # the tone has no MRI noise
    f0 = np.nanmedian(pd.read_csv(out / sids[0] / "acoustics.csv")["f0_hz"])
    assert _data_value(text, "median-f0") == pytest.approx(f0)
    assert all(f'href="sessions/{s}.html"' in index.read_text() for s in sids)
