"""vtract.compare statistics: group differences, effect sizes, mixed models."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from vtract import compare as vc
from vtract.errors import DataValueError, VtractWarning

from ._helpers import _sessions


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


def test_no_warning_when_mixed_model_fits():
    t = _sessions(seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("error", VtractWarning)
        r = vc.group_differences(t, "larynx_height_mm", "style", pairs=[("classical", "belting")])
    assert r.model.iloc[0] == "mixedlm"


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
