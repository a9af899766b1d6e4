"""The demo report in a real browser: Debian's chromium driven headless by Playwright.

Opened from the file system (file:// URLs, offline): no console errors, no failed or remote requests,
every image and the video load, the video plays, the speed and frame-step controls work (mouse and
keyboard), data-file links resolve, and the page shows the session's real numbers.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pandas as pd
import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _chromium() -> str | None:
    for p in (os.environ.get("VTRACT_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
              shutil.which("chromium-browser")):
        if p and Path(p).is_file() and os.access(p, os.X_OK):
            return p
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                                   "(pip install playwright; the test uses Debian's chromium)")
    exe = _chromium()
    if exe is None:
        pytest.skip("no chromium found (/usr/bin/chromium or on PATH); install it with "
                    "`apt-get install -y chromium` (.ci/run does)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


class _Watch:
    """Console errors, failed requests and non-file requests of one page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url} {r.failure}"))
        page.on("request", lambda r: self.errors.append(f"remote request: {r.url}")
                if not r.url.startswith(("file:", "data:")) else None)


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = _Watch(page)
    page.goto(path.as_uri(), wait_until="load")
    return page, watch


def _images_loaded(page) -> list[str]:
    """Sources of the images that did not load (after waiting for all of them)."""
    page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=15000)
    return page.evaluate("Array.from(document.images).filter(i => !(i.naturalWidth > 0)).map(i => i.src)")


def _file(url: str) -> Path:
    return Path(unquote(urlparse(url).path))


def test_study_page(browser, demo_run):
    page, watch = _open(browser, demo_run / "report" / "index.html")
    assert _images_loaded(page) == []
    assert page.evaluate("document.images.length") >= 3
    links = page.eval_on_selector_all("table.sessions a", "as => as.map(a => a.href)")
    sids = list(pd.read_csv(demo_run / "sessions.csv").session_id)
    assert [_file(u).stem for u in links] == sids
    assert all(_file(u).is_file() for u in links)
    for href in page.eval_on_selector_all("ul.files a", "as => as.map(a => a.href)"):
        assert _file(href).is_file(), href
    page.click(f"text={sids[0]}")
    page.wait_for_load_state("load")
    assert page.url.endswith(f"sessions/{sids[0]}.html")
    assert watch.errors == []
    page.close()


@pytest.mark.parametrize("pick", ["singing", "wind"])
def test_session_page(browser, demo_run, pick):
    sessions = pd.read_csv(demo_run / "sessions.csv")
    sid = sessions[sessions.kind == pick].session_id.iloc[0]
    page, watch = _open(browser, demo_run / "report" / "sessions" / f"{sid}.html")
    assert _images_loaded(page) == []
    assert page.evaluate("document.images.length") >= 4  # key frames, sound, measures, QC
    # real numbers: median f0 as computed from acoustics.csv
    f0 = np.nanmedian(pd.read_csv(demo_run / sid / "acoustics.csv")["f0_hz"].to_numpy(float))
    assert page.text_content("#median-f0").strip() == f"{f0:.1f} Hz"
    assert float(page.get_attribute("#median-f0", "data-value")) == pytest.approx(f0, rel=1e-9)
    n_frames = int(sessions.set_index("session_id").loc[sid, "n_frames"])
    assert page.get_attribute("#player", "data-n-frames") == str(n_frames)
    # every data-file link resolves to a file of the session folder
    hrefs = page.eval_on_selector_all("a.datafile", "as => as.map(a => a.href)")
    assert {_file(h).name for h in hrefs} == {p.name for p in (demo_run / sid).iterdir() if p.is_file()}
    assert all(_file(h).is_file() for h in hrefs)
    # the video loads and plays (muted, so autoplay policies allow play())
    page.wait_for_function("document.getElementById('video').readyState >= 2", timeout=15000)
    assert page.evaluate("document.getElementById('video').videoWidth") > 0
    page.evaluate("() => { const v = document.getElementById('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("document.getElementById('video').currentTime > 0.2", timeout=10000)
    assert page.text_content("#play").strip().endswith("Pause")
    # speed buttons
    for rate in ("0.25", "0.5", "1"):
        page.click(f"button.rate[data-rate='{rate}']")
        assert page.evaluate("document.getElementById('video').playbackRate") == float(rate)
        assert page.get_attribute(f"button.rate[data-rate='{rate}']", "aria-pressed") == "true"
    # frame step: pauses and moves exactly one MRI frame; the keyboard does the same
    page.click("#next-frame")
    assert page.evaluate("document.getElementById('video').paused")
    k = int(page.text_content("#frame-status").split()[1])
    page.click("#next-frame")
    assert int(page.text_content("#frame-status").split()[1]) == k + 1
    page.click("#prev-frame")
    page.click("#prev-frame")
    assert int(page.text_content("#frame-status").split()[1]) == k - 1
    fps = float(page.get_attribute("#player", "data-fps"))
    t = page.evaluate("document.getElementById('video').currentTime")
    page.focus("#next-frame")
    page.keyboard.press("ArrowRight")
    assert int(page.text_content("#frame-status").split()[1]) == k
    t2 = page.evaluate("document.getElementById('video').currentTime")
    scale = page.evaluate("document.getElementById('video').duration") / float(
        page.get_attribute("#player", "data-duration"))
    assert t2 - t == pytest.approx(scale / fps, rel=1e-3)
    page.keyboard.press("1")
    assert page.evaluate("document.getElementById('video').playbackRate") == 0.25
    page.keyboard.press("Tab")  # controls are reachable by keyboard
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    assert watch.errors == []
    page.close()
