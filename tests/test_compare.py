"""vtract.compare on synthetic tables with known group effects."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from vtract import compare as vc
from vtract.errors import DataValueError, VtractWarning

TRUE = {"classical": 5.0, "pop": 1.0, "belting": 0.0}   # group effects (mm) relative to belting


def _sessions(seed=0, n_subjects=6, reps=3, subject_sd=3.0, noise_sd=1.0, effects=TRUE):
    """One row per session: value = 40 + subject intercept + group effect + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        u = rng.normal(0, subject_sd)
        for style, eff in effects.items():
            for r in range(reps):
                rows.append({"session_id": f"sub{s:02d}_{style}_{r:02d}", "subject": f"sub{s:02d}",
                             "style": style, "larynx_height_mm": 40 + u + eff + rng.normal(0, noise_sd),
                             "jaw_opening_mm": 12 - 0.5 * eff + rng.normal(0, noise_sd)})
    return pd.DataFrame(rows)


def test_group_differences_recovers_known_effect():
    t = _sessions()
    res = vc.group_differences(t, "larynx_height_mm", "style", reference="belting")
    assert list(res.columns) == vc.DIFFERENCE_COLUMNS
    assert set(res.contrast) == {"classical - belting", "pop - belting"}
    r = res.set_index("group_a").loc["classical"]
    assert r.model == "mixedlm"
    assert r.n_a == r.n_b == 18 and r.n_subjects == 6
    # raw difference and its Welch CI cover the truth
    assert r.difference == pytest.approx(5.0, abs=1.0)
    assert r.difference_ci_low < 5.0 < r.difference_ci_high
    # the mixed model removes the subject variance: tighter CI than the raw one, still covering 5
    assert r.model_ci_low < 5.0 < r.model_ci_high
    assert (r.model_ci_high - r.model_ci_low) < 0.6 * (r.difference_ci_high - r.difference_ci_low)
    assert r.model_diff == pytest.approx(5.0, abs=0.7)
    assert r.model_p < 1e-6
    assert r.subject_sd == pytest.approx(3.0, rel=0.6)
    # effect sizes: large and positive, CI excludes 0
    assert r.hedges_g > 1.0 and r.g_ci_low > 0 and r.cohens_d > r.hedges_g
    # direction: pop is only slightly above belting
    p = res.set_index("group_a").loc["pop"]
    assert 0 < p.model_diff < 2.0


def test_pairs_define_the_sign():
    t = _sessions()
    ab = vc.group_differences(t, "larynx_height_mm", "style", pairs=[("classical", "belting")]).iloc[0]
    ba = vc.group_differences(t, "larynx_height_mm", "style", pairs=[("belting", "classical")]).iloc[0]
    assert ab.contrast == "classical - belting"
    assert ab["difference"] == pytest.approx(-ba["difference"])
    assert ab.model_diff == pytest.approx(-ba.model_diff, rel=1e-4)
    assert ab.hedges_g == pytest.approx(-ba.hedges_g)
    # default: all pairs in sorted order
    allp = vc.group_differences(t, "larynx_height_mm", "style")
    assert list(allp.contrast) == ["belting - classical", "belting - pop", "classical - pop"]


def test_ci_coverage_over_replicates():
    """Nominal 95% intervals cover the true difference in most of 30 simulated studies."""
    hits_raw = hits_model = 0
    for seed in range(30):
        t = _sessions(seed=seed, n_subjects=5, reps=2)
        r = vc.group_differences(t, "larynx_height_mm", "style", pairs=[("classical", "belting")]).iloc[0]
        hits_raw += r.difference_ci_low <= 5.0 <= r.difference_ci_high
        hits_model += r.model_ci_low <= 5.0 <= r.model_ci_high
    assert hits_raw >= 26
    assert hits_model >= 25


def test_hedges_g_known_values_and_bootstrap_ci():
    d, g = vc.hedges_g([1.0, 2.0, 3.0], [0.0, 1.0, 2.0])
    assert d == pytest.approx(1.0)
    assert g == pytest.approx(1.0 * (1 - 3 / (4 * 6 - 9)))
    assert np.isnan(vc.hedges_g([1.0], [2.0, 3.0])[1])
    t = _sessions(seed=3)
    an = vc.group_differences(t, "jaw_opening_mm", "style", pairs=[("classical", "belting")]).iloc[0]
    bs = vc.group_differences(t, "jaw_opening_mm", "style", pairs=[("classical", "belting")],
                              effect_ci="bootstrap", n_boot=300, seed=1).iloc[0]
    # jaw: classical is 2.5 mm smaller -> negative g; both CIs exclude 0 and contain the estimate
    assert an.hedges_g < -1.0
    assert an.g_ci_high < 0 and bs.g_ci_high < 0
    assert bs.g_ci_low < an.hedges_g < bs.g_ci_high
    again = vc.group_differences(t, "jaw_opening_mm", "style", pairs=[("classical", "belting")],
                                 effect_ci="bootstrap", n_boot=300, seed=1).iloc[0]
    assert again.g_ci_low == bs.g_ci_low  # seeded: reproducible


def test_fallback_to_cluster_robust_ols_with_few_subjects():
    t = _sessions(n_subjects=2, reps=4, seed=5)
    with pytest.warns(VtractWarning, match="cluster"):
        r = vc.group_differences(t, "larynx_height_mm", "style", pairs=[("classical", "belting")]).iloc[0]
    assert r.model == "ols_cluster"
    assert "2 subject" in r.note
    assert r.model_diff == pytest.approx(r["difference"])  # OLS on a dummy = difference of means
    assert r.model_ci_low < r.model_diff < r.model_ci_high
    assert r.model_diff == pytest.approx(5.0, abs=1.5)
    # no subject column at all: independent rows, HC3 errors
    with pytest.warns(VtractWarning):
        r2 = vc.group_differences(t.drop(columns="subject"), "larynx_height_mm", "style", subject=None,
                                  pairs=[("classical", "belting")]).iloc[0]
    assert r2.model == "ols_hc3" and r2.n_subjects == 0


def test_compare_groups_tidy_table_and_bad_input():
    t = _sessions()
    t["all_nan_mm"] = np.nan
    with pytest.warns(VtractWarning, match="all_nan_mm"):
        res = vc.compare_groups(t, ["larynx_height_mm", "jaw_opening_mm", "all_nan_mm"], "style",
                                pairs=[("classical", "belting")])
    assert list(res.measure) == ["larynx_height_mm", "jaw_opening_mm"]
    assert (res.model_p_adj >= res.model_p).all()
    assert np.sign(res.set_index("measure").model_diff).to_dict() == {"larynx_height_mm": 1.0,
                                                                       "jaw_opening_mm": -1.0}
    with pytest.raises(DataValueError, match="not in the table"):
        vc.group_differences(t, "nope_mm", "style")
    with pytest.raises(DataValueError, match="opera"):
        vc.group_differences(t, "larynx_height_mm", "style", pairs=[("opera", "belting")])
    with pytest.raises(DataValueError, match="reference"):
        vc.group_differences(t, "larynx_height_mm", "style", reference="opera")


def _frames():
    """Per-frame measures and acoustics of two sessions with known medians and tuning."""
    rng = np.random.default_rng(0)
    m, a = [], []
    for sid, subj, style, lh in (("s1", "A", "classical", 30.0), ("s2", "A", "belting", 20.0)):
        n = 21
        m.append(pd.DataFrame({"session_id": sid, "subject": subj, "style": style, "frame": np.arange(n),
                               "time_s": (np.arange(n) + 0.5) / 20,
                               "larynx_height_mm": lh + np.linspace(-1, 1, n),
                               "velum_opening_mm": np.r_[np.full(n - 1, 0.0), np.nan]}))
        t = np.arange(200) * 0.01
        ext = 50.0 if style == "classical" else 0.0          # vibrato semi-extent, cents, at 5.5 Hz
        f0 = np.where(t < 1.5, 220.0 * 2 ** (ext * np.sin(2 * np.pi * 5.5 * t) / 1200), np.nan)
        f1 = f0 * (2 if style == "belting" else 2.4) * 2 ** (rng.normal(0, 3, len(t)) / 1200)
        a.append(pd.DataFrame({"session_id": sid, "subject": subj, "style": style, "time_s": t,
                               "f0_hz": f0, "f1_hz": f1, "f2_hz": 1200.0, "intensity_db": 70.0}))
    return pd.concat(m, ignore_index=True), pd.concat(a, ignore_index=True)


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


def test_no_warning_when_mixed_model_fits():
    t = _sessions(seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("error", VtractWarning)
        r = vc.group_differences(t, "larynx_height_mm", "style", pairs=[("classical", "belting")])
    assert r.model.iloc[0] == "mixedlm"


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


def test_register_summary_splits_at_the_session_median_pitch():
    f0 = np.r_[np.full(10, 200.0), np.full(10, 400.0), np.nan]
    d = pd.DataFrame({"session_id": "w1", "subject": "P", "instrument": "flute", "f0_hz": f0,
                      "tongue_dorsum_height_mm": np.r_[np.full(10, 20.0), np.full(10, 12.0), 0.0]})
    r = vc.register_summary(d, "tongue_dorsum_height_mm").set_index("register")
    assert r.loc["low", "tongue_dorsum_height_mm"] == 20.0 and r.loc["high", "tongue_dorsum_height_mm"] == 12.0
    assert r.loc["high", "f0_hz"] == 400.0 and r.loc["low", "n_frames"] == 10
    assert r.loc["low", "instrument"] == "flute"


def test_pairs_with_an_empty_group_are_skipped_in_compare_groups():
    t = _sessions()
    t.loc[t["style"] == "pop", "jaw_opening_mm"] = np.nan
    pairs = [("classical", "belting"), ("pop", "belting")]
    with pytest.warns(VtractWarning, match="'pop' has no rows"):
        res = vc.compare_groups(t, ["jaw_opening_mm", "larynx_height_mm"], "style", pairs=pairs)
    assert list(res.contrast) == ["classical - belting", "classical - belting", "pop - belting"]
    with pytest.raises(DataValueError, match="'pop' has no rows"):
        vc.group_differences(t, "jaw_opening_mm", "style", pairs=pairs)
    # groups are taken from the rows that have values: pop is simply not compared
    assert list(vc.group_differences(t, "jaw_opening_mm", "style", reference="belting").contrast) == [
        "classical - belting"]


def test_one_session_per_group_gives_the_difference_without_a_model():
    t = pd.DataFrame({"subject": ["a", "b"], "style": ["classical", "belting"], "larynx_height_mm": [40.0, 28.0]})
    with pytest.warns(VtractWarning, match="no model"):
        r = vc.group_differences(t, "larynx_height_mm", "style", pairs=[("classical", "belting")]).iloc[0]
    assert r["difference"] == 12.0 and r.model == "none"
    assert np.isnan(r.model_diff) and np.isnan(r.difference_ci_low) and np.isnan(r.hedges_g)


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


def test_singular_mixed_fit_falls_back():
    # one subject holds both groups, the others only one: the random intercept soaks up all residual
    # variance and the mixed model reports a zero-width CI -- it must not be trusted
    t = pd.DataFrame({"subject": ["a", "b", "b", "b", "c"],
                      "instrument": ["trumpet", "trumpet", "trumpet", "clarinet", "clarinet"],
                      "lip_aperture_mm": [0.0, 0.0, 0.0, 4.6826, 4.14762]})
    with pytest.warns(VtractWarning, match="singular"):
        r = vc.group_differences(t, "lip_aperture_mm", "instrument", min_subjects=3,
                                 pairs=[("clarinet", "trumpet")]).iloc[0]
    assert r.model == "ols_cluster" and r.model_ci_high - r.model_ci_low > 0.1
