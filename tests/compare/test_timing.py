"""vtract.compare event timing: constriction closures/releases and lags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vtract import compare as vc


def test_constriction_events_and_lags():
    t = (np.arange(40) + 0.5) / 20.0                       # 20 fps frame centres
    cd = np.full(40, 6.0)
    cd[10:15] = 0.0                                        # closed on frames 10..14
    m = pd.DataFrame({"time_s": t, "tongue_tip_cd_mm": cd})
    ev = vc.constriction_events(m, threshold_mm=3.0)
    assert list(ev.kind) == ["closure", "release"]
    # crossing halfway between frame centres 9 and 10 (0.475, 0.525) -> 0.5 s; release at 0.75 s
    assert ev.time_s.tolist() == pytest.approx([0.5, 0.75])
    lags = vc.event_lags(ev.time_s[ev.kind == "release"], [0.2, 0.77, 1.5], max_lag_s=0.05)
    assert lags.lag_s.tolist() == pytest.approx([0.02])
    none = vc.event_lags([0.1], [0.5], max_lag_s=0.05)
    assert np.isnan(none.lag_s[0])
