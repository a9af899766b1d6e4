"""Group differences of repeated measures: effect sizes with CIs, mixed models, Holm-adjusted tables."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataValueError, VtractWarning

#: columns of :func:`group_differences` (in order)
DIFFERENCE_COLUMNS = [
    "measure", "group", "contrast", "group_a", "group_b", "n_a", "n_b", "n_subjects",
    "mean_a", "mean_b", "difference", "difference_ci_low", "difference_ci_high",
    "cohens_d", "hedges_g", "g_ci_low", "g_ci_high",
    "model", "model_diff", "model_ci_low", "model_ci_high", "model_p", "subject_sd", "note",
]



def hedges_g(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Cohen's d and Hedges' g of ``a`` minus ``b`` (pooled SD; g has the small-sample correction).

    Parameters
    ----------
    a, b : sequence of float
        The two samples (NaN ignored), in the value's unit.

    Returns
    -------
    (d, g) : tuple of float
        Dimensionless standardised mean differences; NaN when either sample has fewer than 2 values
        or the pooled SD is 0.

    Examples
    --------
    >>> d, g = hedges_g([1.0, 2.0, 3.0], [0.0, 1.0, 2.0])
    >>> round(d, 3), round(g, 3)
    (1.0, 0.8)
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return math.nan, math.nan
    sp = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    if sp == 0:
        return math.nan, math.nan
    d = (a.mean() - b.mean()) / sp
    j = 1.0 - 3.0 / (4.0 * (na + nb) - 9.0)  # Hedges (1981) small-sample bias correction
    return float(d), float(d * j)


def _welch_ci(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[float, float]:
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return math.nan, math.nan
    va, vb = a.var(ddof=1) / na, b.var(ddof=1) / nb
    se = math.sqrt(va + vb)
    if se == 0:
        diff = a.mean() - b.mean()
        return float(diff), float(diff)
    df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    h = stats.t.ppf(0.5 + confidence / 2, df) * se
    diff = a.mean() - b.mean()
    return float(diff - h), float(diff + h)


def _g_ci_analytic(g: float, na: int, nb: int, confidence: float) -> tuple[float, float]:
    # Large-sample variance of g (Hedges & Olkin 1985, eq. 5.15)
    if not np.isfinite(g):
        return math.nan, math.nan
    se = math.sqrt((na + nb) / (na * nb) + g ** 2 / (2.0 * (na + nb)))
    z = stats.norm.ppf(0.5 + confidence / 2)
    return g - z * se, g + z * se


def _g_ci_bootstrap(d: pd.DataFrame, n_boot: int, confidence: float, seed: int,
                    has_subject: bool) -> tuple[float, float]:
    """Percentile CI of g from a cluster bootstrap: subjects resampled with all their rows.

    Resampling subjects (not rows) keeps each subject's repeated sessions together, so the interval
    reflects between-subject variability; without a subject column rows are resampled per group.
    """
    rng = np.random.default_rng(seed)
    gs = np.empty(n_boot)
    if has_subject:
        parts = {s: grp for s, grp in d.groupby("s", sort=True)}
        subjects = np.array(list(parts))
        for i in range(n_boot):
            pick = pd.concat([parts[s] for s in rng.choice(subjects, len(subjects))])
            gs[i] = hedges_g(pick.y[pick.x == 1], pick.y[pick.x == 0])[1]
    else:
        ya, yb = d.y[d.x == 1].to_numpy(), d.y[d.x == 0].to_numpy()
        for i in range(n_boot):
            gs[i] = hedges_g(rng.choice(ya, len(ya)), rng.choice(yb, len(yb)))[1]
    gs = gs[np.isfinite(gs)]
    if len(gs) < n_boot // 2:
        return math.nan, math.nan
    lo, hi = np.percentile(gs, [50 * (1 - confidence), 50 * (1 + confidence)])
    return float(lo), float(hi)


def _fit_model(d: pd.DataFrame, confidence: float, min_subjects: int, label: str
               ) -> tuple[str, float, float, float, float, float, str]:
    """Fit ``y ~ x`` (x = 1 for group a) with a random intercept per subject, or the OLS fallback.

    Returns (model, estimate, ci_low, ci_high, p, subject_sd, note).
    """
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    alpha = 1.0 - confidence
    n_subj = d["s"].nunique() if "s" in d else 0
    note = ""
    if n_subj >= min_subjects:
        # L-BFGS is fastest but can hit a singular random-effects matrix on the way; derivative-free
        # optimisers then usually converge to the same optimum, so they are tried next.
        for method in ("lbfgs", "powell", "nm"):
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    res = smf.mixedlm("y ~ x", d, groups=d["s"]).fit(reml=True, method=method)
            except (np.linalg.LinAlgError, ValueError) as exc:
                note = f"mixed model failed ({type(exc).__name__}: {exc})"
                continue
            est, se = float(res.fe_params["x"]), float(res.bse_fe["x"])
            if res.converged and float(res.scale) <= 1e-8 * max(float(d["y"].var()), 1e-300):
                # residual variance collapsed to 0 (e.g. one subject per group cell): the standard
                # errors are meaningless, however "converged" the optimiser says it is
                note = "singular mixed-model fit (residual variance ~0)"
                break
            if res.converged and np.isfinite(se) and se > 0:
                lo, hi = res.conf_int(alpha=alpha).loc["x"]
                var = float(np.asarray(res.cov_re)[0, 0])
                note = ""
                if any(issubclass(w.category, ConvergenceWarning) for w in caught) and var < 1e-6 * se:
                    note = "subject variance at the boundary (near 0)"
                return ("mixedlm", est, float(lo), float(hi), float(res.pvalues["x"]),
                        math.sqrt(max(var, 0.0)), note)
            note = "mixed model did not converge"
    else:
        note = f"only {n_subj} subject(s) (< {min_subjects}) for the random effect"
    if len(d) < 3 or d["x"].nunique() < 2:
        # two observations (one per group) leave no residual degrees of freedom for any model
        note = f"{note}; only {len(d)} observation(s): no model fitted"
        warnings.warn(f"group_differences({label}): {note}. The difference of means is still reported; "
                      "collect more sessions for intervals.", VtractWarning, stacklevel=4)
        return ("none", math.nan, math.nan, math.nan, math.nan, math.nan, note)
    # Fallback: OLS with standard errors clustered by subject (t with n_clusters - 1 df).
    model = "ols_cluster" if n_subj >= 2 else "ols_hc3"
    try:
        if n_subj >= 2:
            res = smf.ols("y ~ x", d).fit(cov_type="cluster", cov_kwds={"groups": d["s"].cat.codes},
                                          use_t=True)
        else:
            res = smf.ols("y ~ x", d).fit(cov_type="HC3")
    except (ZeroDivisionError, np.linalg.LinAlgError, ValueError) as exc:
        note = f"{note}; {model} failed ({type(exc).__name__})"
        warnings.warn(f"group_differences({label}): {note}; no model fitted", VtractWarning, stacklevel=4)
        return ("none", math.nan, math.nan, math.nan, math.nan, math.nan, note)
    warnings.warn(f"group_differences({label}): {note}; using {model} instead of a mixed model "
                  "(standard errors clustered by subject are unreliable with few subjects).",
                  VtractWarning, stacklevel=4)
    lo, hi = res.conf_int(alpha=alpha).loc["x"]
    return (model, float(res.params["x"]), float(lo), float(hi), float(res.pvalues["x"]), math.nan, note)


def _pairs(groups: list[str], reference: str | None,
           pairs: Iterable[tuple[str, str]] | None) -> list[tuple[str, str]]:
    if pairs is not None:
        return [(str(a), str(b)) for a, b in pairs]
    if reference is not None:
        if reference not in groups:
            raise DataValueError(f"reference group {reference!r} is not among the groups {groups}")
        return [(g, reference) for g in groups if g != reference]
    return list(combinations(groups, 2))


def group_differences(table: pd.DataFrame, value: str, group: str, subject: str | None = "subject",
                      reference: str | None = None, *, pairs: Iterable[tuple[str, str]] | None = None,
                      order: Sequence[str] | None = None, confidence: float = 0.95,
                      effect_ci: str = "analytic", n_boot: int = 2000, seed: int = 0,
                      min_subjects: int = 3, on_missing: str = "raise") -> pd.DataFrame:
    """Pairwise differences of one value between groups, with effect sizes and a mixed model.

    For each pair ``(a, b)`` the difference is **a minus b**, estimated three ways:

    1. raw: ``mean_a - mean_b`` over the rows (e.g. sessions) with a Welch t confidence interval;
    2. standardised: Cohen's d and Hedges' g (pooled SD) with a CI, analytic (Hedges & Olkin normal
       approximation) or a cluster bootstrap over subjects;
    3. model-based: a linear mixed-effects model ``value ~ group`` with a random intercept per subject
       (:func:`statsmodels.formula.api.mixedlm`, REML), which respects that subjects contribute
       several rows to both groups. With fewer than ``min_subjects`` subjects, or when the fit does not
       converge, it falls back with a :class:`~vtract.errors.VtractWarning` to OLS with
       cluster-robust (by subject) standard errors (``model`` says which was used).

    Parameters
    ----------
    table : DataFrame
        One row per observation (typically per session, from :func:`session_summary`).
    value : str
        The numeric column to compare (its unit is kept: differences are in the same unit).
    group : str
        The grouping column, e.g. ``"style"`` or ``"instrument"``.
    subject : str or None
        Column of the repeated-measures unit (random effect); ``None`` or absent: rows are treated
        as independent and the model is OLS with HC3 errors.
    reference : str, optional
        Compare every other group against this one (differences are ``group - reference``).
    pairs : iterable of (a, b), optional
        Explicit pairs (overrides ``reference``), e.g. ``[("classical", "belting")]``.
    order : sequence of str, optional
        Group order for the default all-pairs comparison (default: sorted).
    confidence : float
        Confidence level of every interval (default 0.95).
    effect_ci : {"analytic", "bootstrap"}
        How the CI of Hedges' g is obtained.
    n_boot : int
        Bootstrap resamples (``effect_ci="bootstrap"``).
    seed : int
        Seed of the bootstrap (results are reproducible).
    min_subjects : int
        Fewest subjects for which the random-intercept model is attempted.
    on_missing : {"raise", "warn"}
        What to do when a group of a pair has no values: raise :class:`DataValueError`, or skip
        the pair with a :class:`VtractWarning`.

    Returns
    -------
    DataFrame
        One row per pair with the columns :data:`DIFFERENCE_COLUMNS`: ``measure`` (= value),
        ``group`` (the grouping column), ``contrast`` ("a - b"), group names and sizes,
        ``n_subjects``, group means, ``difference`` (a - b) and its CI (value's unit), ``cohens_d``,
        ``hedges_g`` and its CI (dimensionless), ``model`` (``mixedlm``, ``ols_cluster`` or ``ols_hc3``),
        ``model_diff`` with CI and p-value, ``subject_sd`` (random-intercept SD, value's unit) and
        ``note``.

    Raises
    ------
    DataValueError
        Missing columns, a non-numeric value, an unknown group in ``pairs``/``reference``.

    Examples
    --------
    >>> group_differences(per_session, "larynx_height_mm", "style",
    ...                   pairs=[("classical", "belting")])  # doctest: +SKIP
    """
    for col in (value, group):
        if col not in table.columns:
            raise DataValueError(f"group_differences: column {col!r} not in the table; available: "
                                 f"{list(table.columns)}")
    if not pd.api.types.is_numeric_dtype(table[value]):
        raise DataValueError(f"group_differences: column {value!r} is not numeric "
                             f"(dtype {table[value].dtype})")
    if effect_ci not in ("analytic", "bootstrap"):
        raise DataValueError(f"effect_ci must be 'analytic' or 'bootstrap', got {effect_ci!r}")
    if not 0 < confidence < 1:
        raise DataValueError(f"confidence must be in (0, 1), got {confidence}")
    has_subject = subject is not None and subject in table.columns
    data = pd.DataFrame({"y": table[value].astype(float), "g": table[group].astype("string")})
    if has_subject:
        data["s"] = table[subject].astype(str)
    data = data.dropna(subset=["y", "g"])
    groups = list(order) if order is not None else sorted(data["g"].unique())
    rows = []
    for a, b in _pairs(groups, reference, pairs):
        absent = [name for name in (a, b) if name not in set(data["g"])]
        if absent:
            msg = (f"group {absent[0]!r} has no rows with {value!r} in column {group!r}; "
                   f"groups present: {sorted(data['g'].unique())}")
            if on_missing == "raise":
                raise DataValueError(msg)
            warnings.warn(f"{msg}; {value}: {a} - {b} skipped", VtractWarning, stacklevel=2)
            continue
        d = data[data["g"].isin([a, b])].copy()
        d["x"] = (d["g"] == a).astype(float)
        if has_subject:
            d["s"] = d["s"].astype("category")
        ya, yb = d.y[d.x == 1].to_numpy(), d.y[d.x == 0].to_numpy()
        dd, g = hedges_g(ya, yb)
        if effect_ci == "bootstrap":
            glo, ghi = _g_ci_bootstrap(d, n_boot, confidence, seed, has_subject)
        else:
            glo, ghi = _g_ci_analytic(g, len(ya), len(yb), confidence)
        lo, hi = _welch_ci(ya, yb, confidence)
        model = _fit_model(d if has_subject else d.drop(columns=["s"], errors="ignore"), confidence,
                           min_subjects if has_subject else 10**9, f"{value}: {a} - {b}")
        rows.append({
            "measure": value, "group": group, "contrast": f"{a} - {b}", "group_a": a, "group_b": b,
            "n_a": len(ya), "n_b": len(yb), "n_subjects": int(d["s"].nunique()) if has_subject else 0,
            "mean_a": float(ya.mean()), "mean_b": float(yb.mean()),
            "difference": float(ya.mean() - yb.mean()),
            "difference_ci_low": lo, "difference_ci_high": hi, "cohens_d": dd, "hedges_g": g,
            "g_ci_low": glo, "g_ci_high": ghi, "model": model[0], "model_diff": model[1],
            "model_ci_low": model[2], "model_ci_high": model[3], "model_p": model[4],
            "subject_sd": model[5], "note": model[6],
        })
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)


def compare_groups(table: pd.DataFrame, values: Sequence[str], group: str,
                   subject: str | None = "subject", reference: str | None = None, *,
                   p_adjust: str | None = "holm", skip_missing: bool = True, **kwargs) -> pd.DataFrame:
    """:func:`group_differences` over several values, as one tidy table.

    Parameters
    ----------
    table : DataFrame
        One row per observation (e.g. per session), with the value, group and subject columns.
    values : sequence of str
        Numeric columns to compare (each keeps its own unit in ``difference``).
    group, subject, reference
        As in :func:`group_differences`.
    p_adjust : str or None
        Multiple-comparison correction of ``model_p`` over all rows
        (:func:`statsmodels.stats.multitest.multipletests` method, e.g. ``"holm"``, ``"fdr_bh"``);
        stored in ``model_p_adj``. ``None``: no column.
    skip_missing : bool
        Skip values that are absent or entirely NaN, and pairs with a group without values (with a
        :class:`VtractWarning`), instead of raising.
    **kwargs
        Passed to :func:`group_differences` (``pairs``, ``confidence``, ``effect_ci`` ...).

    Returns
    -------
    DataFrame
        :data:`DIFFERENCE_COLUMNS` (+ ``model_p_adj``), one row per value and pair.
    """
    parts = []
    notes: list[str] = []
    for v in values:
        if v not in table.columns or table[v].notna().sum() == 0:
            if not skip_missing:
                raise DataValueError(f"compare_groups: no values in column {v!r}")
            warnings.warn(f"compare_groups: column {v!r} is absent or all NaN; skipped", VtractWarning,
                          stacklevel=2)
            continue
        kwargs.setdefault("on_missing", "warn" if skip_missing else "raise")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", VtractWarning)
            parts.append(group_differences(table, v, group, subject, reference, **kwargs))
        for w in caught:
            if issubclass(w.category, VtractWarning):
                notes.append(str(w.message))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=DIFFERENCE_COLUMNS)
    if notes:
        # one summary instead of a warning per measure and pair
        skipped = [n for n in notes if "skipped" in n]
        fallback = len(notes) - len(skipped)
        msg = [f"compare_groups: {len(notes)} note(s) over {len(out)} comparison(s)"]
        if fallback:
            models = out["model"].value_counts().to_dict() if len(out) else {}
            msg.append(f"models used {models} (mixedlm needs >= 3 subjects and several sessions per "
                       "group; see the 'note' column)")
        if skipped:
            msg.append(f"{len(skipped)} pair(s) skipped for lack of values, e.g. {skipped[0]}")
        warnings.warn("; ".join(msg), VtractWarning, stacklevel=2)
    if p_adjust and len(out):
        from statsmodels.stats.multitest import multipletests

        p = out["model_p"].to_numpy(float)
        ok = np.isfinite(p)
        adj = np.full_like(p, np.nan)
        if ok.any():
            adj[ok] = multipletests(p[ok], method=p_adjust)[1]
        out["model_p_adj"] = adj
    return out
