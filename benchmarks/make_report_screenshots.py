"""Screenshots of the HTML report for the README (Playwright driving Debian's chromium).

    python benchmarks/make_report_screenshots.py RUN_DIR [SESSION_ID]

RUN_DIR is a `vtract demo` output folder with report/ written. Writes
benchmarks/results/readme/report_study.png and report_session.png.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "results" / "readme"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(run_dir: str, session: str | None = None, width: int = 1280, height: int = 1600) -> None:
    rep = Path(run_dir).resolve() / "report"
    if session is None:
        session = sorted((rep / "sessions").glob("*.html"))[0].stem
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto((rep / "index.html").as_uri(), wait_until="load")
        page.screenshot(path=str(OUT / "report_study.png"), full_page=False)
        page.goto((rep / "sessions" / f"{session}.html").as_uri(), wait_until="load")
        page.evaluate("() => { const v = document.getElementById('video'); if (v) { v.muted = true;"
                      " v.currentTime = v.duration ? v.duration * 0.4 : 0; } }")
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT / "report_session.png"), full_page=False)
        browser.close()
    print(OUT / "report_study.png", OUT / "report_session.png")


if __name__ == "__main__":
    main(*sys.argv[1:3])
