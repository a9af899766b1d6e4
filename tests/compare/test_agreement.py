"""vtract.compare agreement: Dice, measure errors, ground-truth tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vtract import compare as vc
from vtract.errors import DataValueError


def test_label_and_measure_agreement():
    truth = np.zeros((3, 10, 10), np.uint8)
    truth[:, 2:6, 2:6] = 1            # airway 16 px
    truth[:, 7:9, 2:6] = 2            # tongue 8 px
    pred = truth.copy()
    pred[:, 2:6, 2:4] = 0             # half the airway missed
    res = vc.label_agreement(pred, truth, structures=[1, 2, 4]).set_index("structure")
    assert res.loc["airway", "dice"] == pytest.approx(2 * 8 / (8 + 16))
    assert res.loc["tongue", "dice"] == 1.0
    assert np.isnan(res.loc["velum", "dice"]) and res.loc["velum", "n_frames"] == 0
    with pytest.raises(DataValueError, match="shape"):
        vc.label_agreement(pred[:2], truth)
    tm = pd.DataFrame({"frame": range(5), "time_s": np.arange(5) * 0.1, "jaw_opening_mm": [1.0, 2, 3, 4, 5]})
    est = tm.assign(jaw_opening_mm=tm.jaw_opening_mm + 0.5)
    est.loc[4, "jaw_opening_mm"] = np.nan
    a = vc.measure_agreement(est, tm).set_index("measure").loc["jaw_opening_mm"]
    assert a.n == 4 and a.bias == pytest.approx(0.5) and a.mae == pytest.approx(0.5)
    assert a.r == pytest.approx(1.0)


def test_ground_truth_combines_like_the_batch(tmp_path):
    import yaml

    from vtract.manifest import load_manifest

    sessions = []
    for i, style in enumerate(["classical", "belting"]):
        d = tmp_path / f"s{i}"
        d.mkdir()
        (d / "frames.npy").write_bytes(b"")
        pd.DataFrame({"frame": [0, 1], "time_s": [0.05, 0.15], "larynx_height_mm": [10.0 * (i + 1)] * 2}).to_csv(
            d / "measures.csv", index=False)
        sessions.append({"id": f"s{i}", "subject": "A", "group": {"style": style}, "sequence": f"s{i}/frames.npy",
                         "fps": 10, "ground_truth": {"measures": f"s{i}/measures.csv"}})
    (tmp_path / "m.yaml").write_text(yaml.safe_dump({"study": "t", "version": 1, "root": ".", "sessions": sessions}))
    man = load_manifest(tmp_path / "m.yaml")
    gt = vc.ground_truth(man)
    assert list(gt.columns[:4]) == ["session_id", "subject", "task", "style"]
    assert len(gt) == 4 and gt["style"].tolist() == ["classical"] * 2 + ["belting"] * 2
    s = vc.session_summary(gt)
    assert s.set_index("session_id").larynx_height_mm.to_dict() == {"s0": 10.0, "s1": 20.0}
    with pytest.raises(DataValueError, match="params"):
        vc.ground_truth(man, "params")
