"""Regenerate the README pictures from `vtract demo --quick`.

Usage: ``python benchmarks/make_readme_stills.py`` (runs the quick demo into a temporary folder and
writes ``benchmarks/results/readme/{singing_still,wind_still,comparison_frame}.png``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import av
from PIL import Image

from vtract.batch import run_demo

OUT = Path(__file__).resolve().parent / "results" / "readme"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        run_demo(Path(tmp), variant="quick", quiet=True)
        videos = Path(tmp) / "videos"
        stills = sorted(videos.glob("*.png"))
        singing = next(p for p in stills if "classical" in p.name)
        wind = next(p for p in stills if "trumpet" in p.name)
        compare = next(videos.glob("compare_*.mp4"))
        with av.open(str(compare)) as c:
            frames = list(c.decode(video=0))
            mid = frames[len(frames) // 2].to_ndarray(format="rgb24")
        for im, name in [(Image.open(singing), "singing_still.png"), (Image.open(wind), "wind_still.png"),
                         (Image.fromarray(mid), "comparison_frame.png")]:
            im = im.convert("RGB")
            im.thumbnail((640, 640))
            im.save(OUT / name, optimize=True)
            print(OUT / name)


if __name__ == "__main__":
    main()
