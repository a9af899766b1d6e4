"""The demo job's comparison figures, and ``vtract demo --quick`` end to end on the quick demo set."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from vtract.batch._demo import comparison_figures
from vtract.plotting import group_boxplot, pretty_name, qc_figure


def _fake_run(out):
    """A run folder with measures.parquet: 2 styles x 2 sessions and 2 instruments x 1 session."""
    rows = []
    spec = [("a1", "classical", None, 60.0), ("a2", "classical", None, 62.0),
            ("b1", "belting", None, 50.0), ("b2", "belting", None, 48.0),
            ("w1", None, "trumpet", 55.0), ("w2", None, "flute", 56.0)]
    for sid, style, instr, larynx in spec:
        for k in range(5):
            rows.append({"session_id": sid, "subject": "s1" if sid.endswith("1") else "s2",
                         "task": "t", "style": style, "instrument": instr, "frame": k,
                         "time_s": 0.05 * k, "larynx_height_mm": larynx + (k - 2),
                         "lip_aperture_mm": 3.0 if instr == "trumpet" else 8.0,
                         "jaw_opening_mm": 10.0, "pharynx_width_oro_mm": 12.0,
                         "tongue_dorsum_height_mm": 9.0})
    out.mkdir()
    pd.DataFrame(rows).to_parquet(out / "measures.parquet")


def test_comparison_figures(tmp_path):
    run = tmp_path / "run"
    _fake_run(run)
    paths = comparison_figures(run)
    assert [p.name for p in paths] == ["singing_styles.png", "wind_instruments.png"]
    assert all(p.stat().st_size > 10_000 for p in paths)
    per = pd.read_csv(run / "figures" / "session_summary.csv").set_index("session_id")
    assert list(per.index) == ["a1", "a2", "b1", "b2", "w1", "w2"]
    assert per.loc["a2", "larynx_height_mm"] == pytest.approx(62.0)  # median over frames
    assert per.loc["b1", "style"] == "belting" and per.loc["w1", "lip_aperture_mm"] == 3.0


def test_plotting_helpers():
    assert pretty_name("larynx_height_mm") == "larynx height (mm)"
    assert pretty_name("airway_area_mm2") == "airway area (mm²)"
    df = pd.DataFrame({"g": ["x", "x", "y"], "v_mm": [1.0, 2.0, 3.0], "subject": ["a", "b", "a"]})
    fig = group_boxplot(df, ["v_mm", "absent_mm"], by="g")
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "v (mm)"
    frames = np.random.default_rng(0).random((10, 8, 8))
    labels = np.zeros((10, 8, 8), np.uint8)
    labels[:, 2:4, 2:4] = 1
    fig = qc_figure(frames, np.arange(10) / 10 + 0.05, labels=labels,
                    traces={"x_mm": (np.arange(10) / 10, np.arange(10.0))},
                    flagged=np.arange(10) % 2 == 0, title="t")
    assert len(fig.axes) == 7  # 6 montage panels + 1 trace panel


@pytest.mark.slow
def test_demo_quick(demo_quick_manifest, tmp_path, capsys):
    from vtract.cli import main

    out = tmp_path / "demo"
    # in-process (the LocalCluster path is covered by test_runner); keeps the test short
    rc = main(["demo", "--quick", "--out", str(out), "--workers", "0", "--quiet"])
    report = capsys.readouterr().out
    assert rc == 0, report
    n = len(demo_quick_manifest.sessions)
    assert f"{n} processed, 0 skipped" in report and "figure:" in report
    sessions = pd.read_csv(out / "sessions.csv")
    assert (sessions.status == "ok").all()
    assert len(sessions) == len(demo_quick_manifest.sessions)
    measures = pd.read_parquet(out / "measures.parquet")
    assert {"session_id", "subject", "task", "larynx_height_mm", "lip_aperture_mm"} <= set(measures)
    assert set(measures.session_id) == set(sessions.session_id)
    assert measures.groupby("session_id").size().to_dict() == \
        sessions.set_index("session_id").n_frames.to_dict()
    for sid in sessions.session_id:
        rec = json.loads((out / sid / "session.json").read_text())
        assert {"labels.nii.gz", "measures.csv", "qc.png"} <= set(rec["outputs"])
    assert (out / "figures" / "singing_styles.png").stat().st_size > 10_000
    summary = pd.read_csv(out / "figures" / "session_summary.csv")
    assert len(summary) == n and "vibrato_extent_cents" in summary
    videos = sorted(p.name for p in (out / "videos").glob("*.mp4"))
    # one per session (the report's pages show them) plus one comparison
    assert len(videos) == n + 1 and any(v.startswith("compare_") for v in videos)
    assert report.strip().endswith(str(out / "report" / "index.html"))
    assert len(list((out / "videos").glob("*.png"))) == 2
    # the same manifest through `vtract run` (default steps): everything is up to date
    rc = main(["run", demo_quick_manifest.path, "--out", str(out), "--workers", "0", "--quiet"])
    assert rc == 0
    assert f"0 processed, {n} skipped" in capsys.readouterr().out
