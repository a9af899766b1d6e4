"""vtract.compare figures: forest and tuning plots, frames, publication export."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vtract import compare as vc

from ._helpers import _frames, _sessions


def test_figures_and_publication_export(tmp_path):
    t = _sessions()
    res = vc.compare_groups(t, ["larynx_height_mm", "jaw_opening_mm"], "style", reference="belting")
    fig = vc.forest_plot(res, title="styles")
    assert len(fig.axes[0].get_yticklabels()) == 4
    paths = vc.save_figure(fig, tmp_path / "sub" / "forest")
    assert sorted(paths) == ["pdf", "png", "svg"]
    assert list(vc.save_figure(fig, tmp_path / "one.png")) == ["png"]  # a suffix: that one format
    assert paths["pdf"].name == "forest.pdf"
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths["pdf"].read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in paths["svg"].read_bytes()[:2000]
    assert b"CreationDate" not in paths["pdf"].read_bytes()  # no timestamps: reproducible output
    size300 = paths["png"].stat().st_size
    again = vc.save_figure(fig, tmp_path / "sub" / "forest", formats=("png",), dpi=50)
    assert list(again) == ["png"] and again["png"].stat().st_size < size300
    _, ac = _frames()
    fig2 = vc.formant_tuning_plot(ac, "style")
    assert [a.get_title() for a in fig2.axes] == ["belting", "classical"]


def test_frame_figure_and_browser():
    from vtract import Sequence

    frames = np.random.default_rng(0).random((4, 20, 30)).astype(np.float32)
    seq = Sequence(frames, fps=10.0, pixel_spacing_mm=(2.0, 2.0))
    labels = np.zeros((4, 20, 30), np.uint8)
    labels[:, 5:10, 5:20] = 1
    contours = pd.DataFrame({"frame": [2, 2, 2], "structure": ["tongue"] * 3, "point": [0, 1, 2],
                             "x_mm": [10.0, 20.0, 30.0], "y_mm": [10.0, 12.0, 10.0]})
    measures = pd.DataFrame({"frame": range(4), "lip_aperture_mm": [1.0, 2.0, 3.5, 4.0]})
    fig = vc.frame_figure(seq, 2, labels=labels, contours=contours, measures=measures)
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == [5.0, 10.0, 15.0]      # mm -> pixels
    assert "frame 2" in ax.get_title() and "lip aperture 3.5 mm" in ax.get_title()
    box = vc.frame_browser(seq, labels=labels, contours=contours)
    slider, image = box.children
    assert slider.max == 3
    first = image.value
    slider.value = 2
    assert image.value != first and image.value[:4] == b"\x89PNG"
