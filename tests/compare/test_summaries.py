"""vtract.compare summaries: per-session medians, acoustic and register summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vtract import compare as vc
from vtract.errors import DataValueError

from ._helpers import _frames


def test_session_summary_medians_metadata_and_tuning():
    meas, ac = _frames()
    s = vc.session_summary(meas, ac, acoustic_summaries={"voiced_s": lambda d: d.f0_hz.notna().sum() * 0.01})
    s = s.set_index("session_id")
    assert list(s.index) == ["s1", "s2"]
    assert s.loc["s1", "subject"] == "A" and s.loc["s2", "style"] == "belting"
    assert s.loc["s1", "larynx_height_mm"] == pytest.approx(30.0)
    assert s.loc["s1", "n_frames"] == 21
    assert s.loc["s1", "velum_opening_mm"] == 0.0
    assert "frame" not in s.columns and "time_s" not in s.columns
    assert s.loc["s1", "f0_hz"] == pytest.approx(220.0, rel=0.01)
    assert s.loc["s2", "f1_f0_ratio"] == pytest.approx(2.0, abs=0.01)
    assert s.loc["s2", "f1_tuned_fraction"] == pytest.approx(1.0)
    assert s.loc["s1", "f1_tuned_fraction"] == pytest.approx(0.0)   # 2.4 f0 is 316 cents above 2 f0
    assert s.loc["s1", "f1_tuning_abs_cents"] == pytest.approx(1200 * np.log2(2.4 / 2), abs=5)
    assert s.loc["s1", "voiced_s"] == pytest.approx(1.5)
    assert s.loc["s1", "vibrato_extent_cents"] == pytest.approx(50.0, rel=0.15)
    assert s.loc["s1", "vibrato_rate_hz"] == pytest.approx(5.5, abs=0.3)
    assert s.loc["s2", "vibrato_extent_cents"] < 10.0
    mean = vc.session_summary(meas, stat="mean").set_index("session_id")
    assert mean.loc["s2", "larynx_height_mm"] == pytest.approx(20.0)
    with pytest.raises(DataValueError, match="session"):
        vc.session_summary(meas.drop(columns="session_id"))


def test_register_summary_splits_at_the_session_median_pitch():
    f0 = np.r_[np.full(10, 200.0), np.full(10, 400.0), np.nan]
    d = pd.DataFrame({"session_id": "w1", "subject": "P", "instrument": "flute", "f0_hz": f0,
                      "tongue_dorsum_height_mm": np.r_[np.full(10, 20.0), np.full(10, 12.0), 0.0]})
    r = vc.register_summary(d, "tongue_dorsum_height_mm").set_index("register")
    assert r.loc["low", "tongue_dorsum_height_mm"] == 20.0 and r.loc["high", "tongue_dorsum_height_mm"] == 12.0
    assert r.loc["high", "f0_hz"] == 400.0 and r.loc["low", "n_frames"] == 10
    assert r.loc["low", "instrument"] == "flute"
