"""Across-session comparisons: per-session summaries, group differences and their statistics.

The notebooks compare groups of sessions (singing styles, wind instruments) whose sessions come from a
few subjects who each perform in several groups -- repeated measures. The functions here are pure
functions over tidy :class:`pandas.DataFrame` tables (the batch's combined ``measures.parquet`` and
``acoustics.parquet``, one row per frame with ``session_id``, ``subject`` and group columns):

- :func:`session_summary` reduces per-frame tables to one row per session (medians of each measure plus
  acoustic summaries: f0, formants, F1/f0 tuning, vibrato); :func:`audio_summary` adds what needs the
  recording itself (singer's formant, wind-note onsets);
- :func:`group_differences` compares the groups of one value pairwise: raw mean difference with a
  Welch CI, Cohen's d / Hedges' g with a CI, and a linear mixed-effects model with a random intercept
  per subject (:func:`statsmodels.formula.api.mixedlm`), falling back with a :class:`VtractWarning` to OLS
  with cluster-robust (by subject) standard errors when the mixed model cannot be fitted;
- :func:`compare_groups` runs it over several values and returns one tidy table (Holm-adjusted p);
- :func:`label_agreement` / :func:`measure_agreement` score a segmentation against ground truth;
  :func:`constriction_events`, :func:`event_lags` and :func:`articulation_timing` time articulatory
  gestures against acoustic onsets;
- :func:`forest_plot`, :func:`formant_tuning_plot` and :func:`save_figure` make publication figures
  (PDF/PNG/SVG); :func:`frame_figure` / :func:`frame_browser` show single frames with labels and
  contours (an ipywidgets slider in Jupyter).

Examples
--------
>>> import pandas as pd, vtract.compare as vc                                   # doctest: +SKIP
>>> per_session = vc.session_summary(pd.read_parquet("out/measures.parquet"),
...                                  pd.read_parquet("out/acoustics.parquet"))  # doctest: +SKIP
>>> vc.compare_groups(per_session, ["larynx_height_mm", "jaw_opening_mm"], group="style",
...                   pairs=[("classical", "belting")])                         # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from ._atomic import atomic_path
from .errors import DataValueError, VtractWarning

__all__ = ["session_summary", "audio_summary", "register_summary", "TUNED_CENTS", "group_differences",
           "compare_groups", "hedges_g", "label_agreement", "measure_agreement", "ground_truth",
           "constriction_events", "event_lags", "articulation_timing", "forest_plot", "formant_tuning_plot",
           "frame_figure", "frame_browser", "save_figure", "DIFFERENCE_COLUMNS"]

#: per-frame columns that are clocks or indices, never summarised as measures
_CLOCK_COLUMNS = {"frame", "time_s", "audio_time_s", "point"}

#: columns of :func:`group_differences` (in order)
DIFFERENCE_COLUMNS = [
    "measure", "group", "contrast", "group_a", "group_b", "n_a", "n_b", "n_subjects",
    "mean_a", "mean_b", "difference", "difference_ci_low", "difference_ci_high",
    "cohens_d", "hedges_g", "g_ci_low", "g_ci_high",
    "model", "model_diff", "model_ci_low", "model_ci_high", "model_p", "subject_sd", "note",
]


# --------------------------------------------------------------------------------------------------
# per-session summaries
# --------------------------------------------------------------------------------------------------
def _as_list(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def _constant_columns(table: pd.DataFrame, keys: list[str]) -> list[str]:
    """Non-numeric columns whose value is constant within every ``keys`` group (metadata)."""
    cols = []
    for c in table.columns:
        if c in keys or c in _CLOCK_COLUMNS or pd.api.types.is_numeric_dtype(table[c]):
            continue
        if (table.groupby(keys, dropna=False, sort=False)[c].nunique(dropna=False) <= 1).all():
            cols.append(c)
    return cols


def _numeric_columns(table: pd.DataFrame, keys: list[str]) -> list[str]:
    return [c for c in table.columns
            if c not in keys and c not in _CLOCK_COLUMNS and pd.api.types.is_numeric_dtype(table[c])
            and not pd.api.types.is_bool_dtype(table[c])]


TUNED_CENTS = 50.0
"""A voiced frame counts as F1-tuned when F1 lies within this many cents of a harmonic of f0."""


def session_summary(measures: pd.DataFrame, acoustics: pd.DataFrame | None = None, *,
                    by: str | Sequence[str] = "session_id", stat: str = "median",
                    columns: Sequence[str] | None = None, vibrato: bool = True,
                    vibrato_min_cycles: float = 2.0,
                    acoustic_summaries: Mapping[str, Callable[[pd.DataFrame], float]] | None = None,
                    ) -> pd.DataFrame:
    """One row per session: medians of the per-frame measures plus acoustic summaries.

    Parameters
    ----------
    measures : DataFrame
        Per-frame measures of many sessions (e.g. the batch's ``measures.parquet``): a ``by``
        column, metadata columns (``subject``, ``task``, group keys such as ``style``) and numeric
        measure columns (``larynx_height_mm`` ...; units as name suffixes).
    acoustics : DataFrame, optional
        Per-analysis-frame acoustic features of the same sessions (``acoustics.parquet``:
        ``time_s``, ``f0_hz``, ``f1_hz``...). Summarised over voiced frames (``f0_hz`` defined):

        - the ``stat`` of every numeric column (``f0_hz``, ``f1_hz``, ``intensity_db``...);
        - F1/f0 tuning (:func:`vtract.acoustics.formant_tuning`): ``f1_f0_ratio`` (median),
          ``f1_tuning_abs_cents`` (median distance of F1 from the nearest harmonic, cents) and
          ``f1_tuned_fraction`` (share of voiced frames within :data:`TUNED_CENTS`, 0-1);
        - vibrato (:func:`vtract.acoustics.vibrato`, per sustained note, then the median over the
          session's notes): ``vibrato_extent_cents`` (semi-extent, cents), ``vibrato_rate_hz``,
          ``vibrato_regularity`` (0-1) and ``n_notes``.
    by : str or list of str
        Column(s) identifying a session.
    stat : {"median", "mean"}
        Per-frame statistic (median is robust to segmentation outliers and flagged frames).
    columns : sequence of str, optional
        Measure columns to summarise (default: every numeric column except clocks/indices).
    vibrato : bool
        Compute the vibrato summaries (needs ``time_s`` and ``f0_hz``).
    vibrato_min_cycles : float
        Notes shorter than this many cycles of the slowest vibrato rate (3 Hz) are not analysed for
        vibrato (2 cycles: notes of at least 0.67 s).
    acoustic_summaries : mapping of name -> callable, optional
        Extra per-session acoustic summaries: each callable receives one session's acoustic rows
        (all frames, time-sorted) and returns a float. Stored in a column named by the key.

    Returns
    -------
    DataFrame
        One row per session: ``by`` columns, the metadata columns constant within a session,
        ``n_frames`` (per-frame rows), then the summarised columns (same names and units as the
        inputs) and the acoustic summaries.

    Raises
    ------
    DataValueError
        When a ``by`` column is missing or ``stat`` is unknown.

    Examples
    --------
    >>> per_session = session_summary(pd.read_parquet("out/measures.parquet"),
    ...                               pd.read_parquet("out/acoustics.parquet"))  # doctest: +SKIP
    """
    keys = _as_list(by)
    if stat not in ("median", "mean"):
        raise DataValueError(f"stat must be 'median' or 'mean', got {stat!r}")
    for name, tab in (("measures", measures), ("acoustics", acoustics)):
        if tab is not None and (missing := [k for k in keys if k not in tab.columns]):
            raise DataValueError(f"session_summary: {name} table lacks the session column(s) {missing}; "
                                 f"it has {list(tab.columns)[:12]}... Pass by= the session id column.")
    meta = _constant_columns(measures, keys)
    cols = list(columns) if columns is not None else _numeric_columns(measures, keys)
    grouped = measures.groupby(keys, sort=False, dropna=False)
    out = grouped[meta].first() if meta else grouped.size().to_frame().iloc[:, :0]
    out["n_frames"] = grouped.size()
    out = out.join(grouped[cols].agg(stat))
    if acoustics is not None:
        out = out.join(_acoustic_summary(acoustics, keys, stat, vibrato_min_cycles if vibrato else None,
                                         acoustic_summaries or {}), how="left")
    return out.reset_index()


def register_summary(synced: pd.DataFrame, columns: str | Sequence[str], *, by: str = "session_id",
                     f0: str = "f0_hz", stat: str = "median") -> pd.DataFrame:
    """Per-session measures split by register: frames below / above the session's median pitch.

    Parameters
    ----------
    synced : DataFrame
        Per-frame synchronised table(s) (the batch's ``synced.parquet``): measures plus ``f0_hz``
        averaged over each frame, a ``by`` column and metadata columns.
    columns : str or sequence of str
        Measures to summarise (e.g. ``"tongue_dorsum_height_mm"``).
    by : str
        Session column.
    f0 : str
        Pitch column in Hz; frames without pitch are left out.
    stat : {"median", "mean"}
        Statistic per session and register.

    Returns
    -------
    DataFrame
        Two rows per session (``register`` = ``"low"``, ``"high"``): metadata, ``n_frames``,
        ``f0_hz`` (the register's median pitch) and the summarised columns (their units).
    """
    cols = _as_list(columns)
    d = synced[synced[f0].notna()].copy()
    d["register"] = np.where(d[f0] > d.groupby(by)[f0].transform("median"), "high", "low")
    keys = [by, "register"]
    meta = [c for c in _constant_columns(synced, [by]) if c in d.columns]
    g = d.groupby(keys, sort=False)
    out = g[meta].first() if meta else g.size().to_frame().iloc[:, :0]
    out["n_frames"] = g.size()
    out[f0] = g[f0].median()
    out = out.join(g[cols].agg(stat))
    return out.reset_index()


def _tuning(voiced: pd.DataFrame) -> pd.Series:
    from .acoustics import formant_tuning

    t = formant_tuning(voiced)
    cents = t["f1_harmonic_cents"].to_numpy(float)
    ok = np.isfinite(cents)
    return pd.Series({"f1_f0_ratio": float(np.nanmedian(t["f1_f0_ratio"])) if ok.any() else math.nan,
                      "f1_tuning_abs_cents": float(np.median(np.abs(cents[ok]))) if ok.any() else math.nan,
                      "f1_tuned_fraction": float(np.mean(np.abs(cents[ok]) <= TUNED_CENTS))
                      if ok.any() else math.nan})


def _vibrato(session: pd.DataFrame, min_cycles: float) -> pd.Series:
    from .acoustics import vibrato

    v = vibrato(session[["time_s", "f0_hz"]], min_cycles=min_cycles)
    v = v[v["vibrato_extent_cents"].notna()]
    cols = ["vibrato_extent_cents", "vibrato_rate_hz", "vibrato_regularity"]
    out = v[cols].median() if len(v) else pd.Series(math.nan, index=cols)
    out["n_notes"] = len(v)
    return out


def _acoustic_summary(acoustics: pd.DataFrame, keys: list[str], stat: str, vibrato: float | None,
                      extra: Mapping[str, Callable[[pd.DataFrame], float]]) -> pd.DataFrame:
    ac = acoustics.sort_values([*keys, "time_s"]) if "time_s" in acoustics else acoustics
    voiced = ac[ac["f0_hz"].notna()] if "f0_hz" in ac else ac
    meta = set(_constant_columns(ac, keys))
    cols = [c for c in _numeric_columns(ac, keys) if c not in meta]
    res = voiced.groupby(keys, sort=False, dropna=False)[cols].agg(stat)
    per_session = ac.groupby(keys, sort=False, dropna=False)
    if {"f0_hz", "f1_hz", "f2_hz"} <= set(ac.columns):
        res = res.join(voiced.groupby(keys, sort=False, dropna=False).apply(_tuning, include_groups=False))
    if vibrato is not None and {"time_s", "f0_hz"} <= set(ac.columns):
        res = res.join(per_session.apply(_vibrato, vibrato, include_groups=False))
    for name, fn in extra.items():
        res[name] = per_session.apply(lambda d, fn=fn: float(fn(d)), include_groups=False)
    return res


def audio_summary(manifest, *, sessions: Sequence[str] | None = None, suppress_noise: bool = True,
                  offsets: Mapping[str, float] | None = None,
                  run_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Per-session measures that need the recording itself (not the frame-wise feature table).

    Singer's formant (:func:`vtract.acoustics.singers_formant`, from the LTAS of the noise-suppressed
    recording) for every session with audio; for wind sessions (group ``kind: wind`` or an
    ``instrument`` group) also the counts of the note onsets :func:`vtract.acoustics.wind_events`
    finds.

    Parameters
    ----------
    manifest : Manifest
        The study (e.g. ``vtract.datasets.load_demo()``).
    sessions : sequence of str, optional
        Session ids (default: all).
    suppress_noise : bool
        Remove the MRI gradient noise first (:func:`vtract.suppress_mri_noise`, frame period from
        the sequence's fps).
    offsets : mapping of session id -> float, optional
        Audio offsets (s) of frame 0; used to restrict the analysis to the scan. Default: the
        clock of ``run_dir``'s sync report, else the manifest's offset, else the whole recording.
    run_dir : path, optional
        A batch run folder: each session's measured clock (offset and drift, ``sync.json``, read
        with :func:`vtract.load_result`) restricts the analysis to the scan.

    Returns
    -------
    DataFrame
        ``session_id``, ``singers_formant_hz``, ``singers_formant_prominence_db`` (dB above the
        1-5 kHz LTAS trend), ``singing_power_ratio_db``; wind sessions also ``n_attacks``,
        ``n_tongued``, ``n_slurs``.
    """
    from . import acoustics
    from .errors import FileFormatError
    from .manifest import load_session
    from .results import load_result

    ids = list(sessions) if sessions is not None else [s.id for s in manifest.sessions]
    rows = []
    for sid in ids:
        session = load_session(manifest, sid)
        if run_dir is not None:
            try:
                report = load_result(run_dir, sid).sync
            except FileFormatError:
                report = None
            if report is not None:
                session = session.with_sync(report)
        if session.audio is None:
            continue
        audio = session.audio
        seq = session.sequence
        if suppress_noise:
            audio = acoustics.suppress_mri_noise(audio, frame_rate_hz=seq.fps)
        if offsets and sid in offsets:
            session = session.with_offset(float(offsets[sid]))
        span = {}
        if session.audio_offset_s is not None and np.isfinite(session.audio_offset_s):
            clock = session.clock
            a0, a1 = clock.frame_spans_audio_s(seq.n_frames)
            span = {"start_s": max(float(a0[0]), 0.0), "end_s": min(float(a1[-1]), audio.duration_s)}
        row: dict[str, float | str] = {"session_id": sid}
        row.update(acoustics.singers_formant(audio, **span))
        group = session.group or {}
        if str(group.get("kind", "")).lower() == "wind" or "instrument" in group:
            ev = acoustics.wind_events(audio)
            for kind in ("attack", "tongued", "slur"):
                row[f"n_{kind}s" if kind != "tongued" else "n_tongued"] = int((ev["kind"] == kind).sum())
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# effect sizes and group differences
# --------------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------------
# agreement with ground truth, and event timing
# --------------------------------------------------------------------------------------------------
def label_agreement(labels: np.ndarray, truth: np.ndarray,
                    structures: Sequence[int] | None = None) -> pd.DataFrame:
    """Dice overlap of label maps with ground truth, per structure.

    Parameters
    ----------
    labels, truth : ndarray of uint8, shape (n_frames, ny, nx)
        Label maps on the same grid (values from :mod:`vtract.labels`).
    structures : sequence of int, optional
        Label values to score (default: airway, tongue, hard palate, velum).

    Returns
    -------
    DataFrame
        One row per structure: ``structure`` (name), ``label`` (value), ``dice`` (pooled over all
        frames, 0-1), ``dice_median`` (median of the per-frame Dice), ``dice_p05`` (5th percentile:
        the worst frames), ``n_frames`` (frames where either map has the structure).
    """
    from . import labels as L

    a, b = np.asarray(labels), np.asarray(truth)
    if a.shape != b.shape:
        raise DataValueError(f"label_agreement: labels {a.shape} and truth {b.shape} differ in shape; "
                             "both must be on the frame grid")
    values = list(structures) if structures is not None else [L.AIRWAY, L.TONGUE, L.HARD_PALATE, L.VELUM]
    rows = []
    for v in values:
        pa, pb = a == v, b == v
        inter = np.logical_and(pa, pb).sum(axis=(1, 2))
        tot = pa.sum(axis=(1, 2)) + pb.sum(axis=(1, 2))
        present = tot > 0
        per_frame = 2.0 * inter[present] / tot[present]
        rows.append({"structure": L.LABELS.get(v, str(v)), "label": int(v),
                     "dice": float(2.0 * inter.sum() / tot.sum()) if tot.sum() else math.nan,
                     "dice_median": float(np.median(per_frame)) if present.any() else math.nan,
                     "dice_p05": float(np.percentile(per_frame, 5)) if present.any() else math.nan,
                     "n_frames": int(present.sum())})
    return pd.DataFrame(rows)


def measure_agreement(measures: pd.DataFrame, truth: pd.DataFrame, columns: Sequence[str] | None = None,
                      *, on: str = "frame") -> pd.DataFrame:
    """Errors of per-frame measures against ground-truth measures.

    Parameters
    ----------
    measures, truth : DataFrame
        Per-frame tables with the same column names (``vtract.measure`` output and, e.g., the
        phantom's ``ground_truth: measures`` CSV), joined on ``on``.
    columns : sequence of str, optional
        Measures to score (default: the numeric columns present in both, except clocks and the
        distance/area-function samples ``df_*``/``af_*``).
    on : str
        Join column.

    Returns
    -------
    DataFrame
        One row per measure: ``measure``, ``n`` (frames defined in both), ``bias`` (mean of
        estimate - truth, in the measure's unit), ``mae`` (mean absolute error), ``rmse``, ``r``
        (Pearson correlation; NaN when either side is constant), ``truth_sd`` (SD of the truth,
        to judge the errors against).
    """
    m = measures.merge(truth, on=on, suffixes=("", "__truth"))
    if columns is None:
        columns = [c for c in measures.columns if c in truth.columns and c not in _CLOCK_COLUMNS
                   and c != on and not c.startswith(("df_", "af_"))
                   and pd.api.types.is_numeric_dtype(measures[c])]
    rows = []
    for c in columns:
        est, tru = m[c].to_numpy(float), m[f"{c}__truth"].to_numpy(float)
        ok = np.isfinite(est) & np.isfinite(tru)
        e = est[ok] - tru[ok]
        r = math.nan
        if ok.sum() > 2 and np.std(est[ok]) > 0 and np.std(tru[ok]) > 0:
            r = float(np.corrcoef(est[ok], tru[ok])[0, 1])
        rows.append({"measure": c, "n": int(ok.sum()),
                     "bias": float(e.mean()) if ok.any() else math.nan,
                     "mae": float(np.abs(e).mean()) if ok.any() else math.nan,
                     "rmse": float(np.sqrt((e ** 2).mean())) if ok.any() else math.nan, "r": r,
                     "truth_sd": float(np.std(tru[ok])) if ok.any() else math.nan})
    return pd.DataFrame(rows)


def ground_truth(manifest, name: str = "measures", *, sessions: Sequence[str] | None = None
                 ) -> pd.DataFrame:
    """Combine one ground-truth table over a manifest's sessions (e.g. the phantom's true measures).

    Parameters
    ----------
    manifest : Manifest
        A study whose sessions list ``ground_truth:`` files (the demo sets do).
    name : str
        Key in each session's ``ground_truth`` (``"measures"``, ``"acoustics"``, ``"params"``); a CSV.
    sessions : sequence of str, optional
        Session ids (default: every session that has the file).

    Returns
    -------
    DataFrame
        Laid out like the batch's combined tables: ``session_id``, ``subject``, ``task``, the group
        keys, then the CSV's columns -- so it goes through :func:`session_summary` and
        :func:`compare_groups` exactly as the estimates do.

    Raises
    ------
    DataValueError
        When no session has that ground truth.
    """
    wanted = None if sessions is None else set(sessions)
    parts = []
    for entry in manifest.sessions:
        if wanted is not None and entry.id not in wanted:
            continue
        path = manifest.resolved(entry)["ground_truth"].get(name)
        if not path or not Path(path).exists():
            continue
        df = pd.read_csv(path)
        meta = {"session_id": entry.id, "subject": entry.subject,
                "task": manifest.resolved(entry).get("task"), **manifest.resolved(entry)["group"]}
        parts.append(df.assign(**meta)[[*meta, *[c for c in df.columns if c not in meta]]])
    if not parts:
        raise DataValueError(f"no session of manifest {getattr(manifest, 'study', '?')!r} has a "
                             f"ground_truth {name!r} file")
    return pd.concat(parts, ignore_index=True)


def constriction_events(measures: pd.DataFrame, column: str = "tongue_tip_cd_mm", *,
                        threshold_mm: float = 2.0, min_gap_s: float = 0.04) -> pd.DataFrame:
    """Find the times at which a constriction closes and releases, from a per-frame measure.

    A closure is a downward crossing of ``threshold_mm`` and a release the next upward crossing; the
    crossing time is interpolated linearly between frame centres (sub-frame timing).

    Parameters
    ----------
    measures : DataFrame
        Per-frame table with ``time_s`` (frame centres, s) and ``column`` (mm, NaN where undefined).
    column : str
        The constriction degree, e.g. ``tongue_tip_cd_mm`` (tonguing), ``lip_aperture_mm``.
    threshold_mm : float
        Below this the constriction counts as closed.
    min_gap_s : float
        Crossings closer than this to the previous one of the same kind are dropped (flicker).

    Returns
    -------
    DataFrame
        ``time_s`` (image clock), ``kind`` (``"closure"`` or ``"release"``), ``measure``.
    """
    t = measures["time_s"].to_numpy(float)
    y = measures[column].to_numpy(float)
    ok = np.isfinite(y)
    t, y = t[ok], y[ok]
    below = y < threshold_mm
    rows = []
    last: dict[str, float] = {}
    for i in np.flatnonzero(below[1:] != below[:-1]):
        kind = "closure" if below[i + 1] else "release"
        frac = (threshold_mm - y[i]) / (y[i + 1] - y[i]) if y[i + 1] != y[i] else 0.5
        tc = float(t[i] + frac * (t[i + 1] - t[i]))
        if tc - last.get(kind, -np.inf) >= min_gap_s:
            rows.append({"time_s": tc, "kind": kind, "measure": column})
            last[kind] = tc
    return pd.DataFrame(rows, columns=["time_s", "kind", "measure"])


def event_lags(reference_s: Sequence[float], events_s: Sequence[float], *,
               max_lag_s: float = 0.1) -> pd.DataFrame:
    """Match each reference event to the nearest other event and report the lag.

    Parameters
    ----------
    reference_s : sequence of float
        Reference event times, s (e.g. MRI release times on the image clock).
    events_s : sequence of float
        Other event times on the same clock, s (e.g. acoustic onsets mapped to the image clock).
    max_lag_s : float
        Largest absolute lag accepted as a match.

    Returns
    -------
    DataFrame
        One row per reference event: ``reference_s``, ``event_s`` (NaN if unmatched) and ``lag_s``
        (event minus reference, s; positive = the other event comes later).
    """
    ref = np.asarray(reference_s, float)
    ev = np.sort(np.asarray(events_s, float))
    rows = []
    for r in ref:
        if ev.size:
            j = int(np.argmin(np.abs(ev - r)))
            if abs(ev[j] - r) <= max_lag_s:
                rows.append({"reference_s": r, "event_s": ev[j], "lag_s": ev[j] - r})
                continue
        rows.append({"reference_s": r, "event_s": math.nan, "lag_s": math.nan})
    return pd.DataFrame(rows, columns=["reference_s", "event_s", "lag_s"])


def articulation_timing(manifest, run_dir: str | os.PathLike, *, sessions: Sequence[str] | None = None,
                        column: str = "tongue_tip_cd_mm", threshold_mm: float = 2.0,
                        acoustic_kinds: Sequence[str] = ("tongued", "attack"),
                        max_lag_s: float = 0.1) -> pd.DataFrame:
    """MRI constriction releases against acoustic note onsets, per event, over a batch run.

    For each session: releases of ``column`` from the batch's ``measures.csv``
    (:func:`constriction_events`), note onsets from the noise-suppressed recording
    (:func:`vtract.acoustics.wind_events`) mapped to the image clock with the batch's
    ``sync.json`` clock (offset and drift, :meth:`vtract.Session.with_sync`), then
    :func:`event_lags`. In tonguing, the tongue tip leaves the alveolar ridge and the note sounds:
    the lag is the articulatory-acoustic delay (plus segmentation and frame-rate jitter).

    Parameters
    ----------
    manifest : Manifest
        The study.
    run_dir : path
        The batch run folder (``vtract.run_batch`` output).
    sessions : sequence of str, optional
        Session ids (default: every session with ``measures.csv`` and ``sync.json``).
    column, threshold_mm
        As in :func:`constriction_events`.
    acoustic_kinds : sequence of str
        Kinds of :func:`~vtract.acoustics.wind_events` counted as onsets.
    max_lag_s : float
        Largest lag accepted as a match (s).

    Returns
    -------
    DataFrame
        One row per MRI release: ``session_id``, ``subject``, group keys, ``reference_s`` (MRI
        release, image clock), ``event_s`` (acoustic onset, image clock), ``lag_s``.
    """
    from . import acoustics
    from .errors import FileFormatError
    from .results import load_result

    run_dir = Path(run_dir)
    ids = list(sessions) if sessions is not None else [s.id for s in manifest.sessions]
    parts = []
    for sid in ids:
        try:
            res = load_result(run_dir, sid)
        except FileFormatError:
            continue  # not run (yet) or failed: nothing to time
        if res.measures is None or res.sync is None:
            continue
        session = res.session
        rel = constriction_events(res.measures, column, threshold_mm=threshold_mm)
        rel = rel[rel["kind"] == "release"]
        clean = acoustics.suppress_mri_noise(session.audio, frame_rate_hz=session.sequence.fps)
        ev = acoustics.wind_events(clean)
        onsets = ev.loc[ev["kind"].isin(list(acoustic_kinds)), "time_s"].to_numpy(float)
        onsets = session.clock.audio_to_frame_time(onsets)
        lags = event_lags(rel["time_s"], onsets, max_lag_s=max_lag_s)
        meta = {"session_id": sid, "subject": session.subject, **dict(session.group or {})}
        parts.append(lags.assign(**meta)[[*meta, *lags.columns]])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["session_id", "subject", "reference_s", "event_s", "lag_s"])


# --------------------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------------------
def forest_plot(differences: pd.DataFrame, *, effect: str = "hedges_g", title: str = "") -> Figure:
    """Forest plot of standardised effects (one row per measure and contrast) with their CIs.

    Parameters
    ----------
    differences : DataFrame
        Output of :func:`compare_groups` / :func:`group_differences`.
    effect : {"hedges_g", "model_diff", "difference"}
        Which estimate to draw; ``hedges_g`` (dimensionless) puts measures of different units on one
        axis.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .plotting import pretty_name

    lo_col, hi_col = {"hedges_g": ("g_ci_low", "g_ci_high"), "model_diff": ("model_ci_low", "model_ci_high"),
                      "difference": ("difference_ci_low", "difference_ci_high")}[effect]
    d = differences.reset_index(drop=True)
    fig = Figure(figsize=(6.0, 0.9 + 0.32 * max(len(d), 1)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(d))[::-1]
    contrasts = list(dict.fromkeys(d["contrast"]))
    colors = {c: f"C{i}" for i, c in enumerate(contrasts)}
    for yi, (_, r) in zip(y, d.iterrows()):
        ax.errorbar(r[effect], yi, xerr=[[r[effect] - r[lo_col]], [r[hi_col] - r[effect]]], fmt="o",
                    color=colors[r["contrast"]], capsize=2, ms=4)
    ax.set_yticks(y, [f"{pretty_name(m)}" + (f"  [{c}]" if len(contrasts) > 1 else "")
                      for m, c in zip(d["measure"], d["contrast"])], fontsize=8)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set_xlabel({"hedges_g": "Hedges' g (95% CI)", "model_diff": "mixed-model difference",
                   "difference": "mean difference"}[effect]
                  + (f": {contrasts[0]}" if len(contrasts) == 1 else ""))
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def formant_tuning_plot(acoustics: pd.DataFrame, group: str, *, formant: str = "f1_hz",
                        max_harmonic: int = 6, max_points: int = 4000, seed: int = 0,
                        title: str = "") -> Figure:
    """Formant against f0 per group, with the harmonic lines ``F = n * f0`` (formant tuning).

    Points on a line mean the formant is tuned to that harmonic (e.g. F1 = 2 f0 in belting).

    Parameters
    ----------
    acoustics : DataFrame
        Per-analysis-frame features with ``f0_hz``, the formant column (Hz) and ``group``.
    group : str
        Column whose values get one panel each.
    formant : str
        Formant column, default ``"f1_hz"``.
    max_harmonic : int
        Highest harmonic line drawn.
    max_points : int
        Points drawn per panel at most (random subsample with ``seed``; keeps vector files small).
    seed : int
        Subsampling seed.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    d = acoustics.dropna(subset=["f0_hz", formant, group])
    groups = sorted(d[group].astype(str).unique())
    fig = Figure(figsize=(3.0 * max(len(groups), 1), 3.0), layout="constrained")
    rng = np.random.default_rng(seed)
    fmax = float(np.nanpercentile(d[formant], 99)) * 1.1 if len(d) else 1000.0
    f0max = float(np.nanpercentile(d["f0_hz"], 99)) * 1.1 if len(d) else 500.0
    for i, gname in enumerate(groups):
        ax = fig.add_subplot(1, len(groups), i + 1, sharey=fig.axes[0] if i else None)
        sel = d[d[group].astype(str) == gname]
        if len(sel) > max_points:
            sel = sel.iloc[np.sort(rng.choice(len(sel), max_points, replace=False))]
        ax.plot(sel["f0_hz"], sel[formant], ".", ms=1.5, alpha=0.4, color="tab:blue", rasterized=True)
        f = np.linspace(0, f0max, 50)
        for n in range(1, max_harmonic + 1):
            ax.plot(f, n * f, color="0.6", lw=0.7)
            if n * f0max * 0.9 < fmax:
                ax.text(f0max * 0.9, n * f0max * 0.9, f"{n}f0", fontsize=7, color="0.4")
        ax.set_xlim(0, f0max)
        ax.set_ylim(0, fmax)
        ax.set_title(gname, fontsize=9)
        ax.set_xlabel("f0 (Hz)")
        if i == 0:
            ax.set_ylabel(f"{formant.removesuffix('_hz').upper()} (Hz)")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def frame_figure(sequence, k: int, *, labels: np.ndarray | None = None,
                 contours: pd.DataFrame | None = None, measures: pd.DataFrame | None = None,
                 show: Sequence[str] = ("lip_aperture_mm", "jaw_opening_mm", "larynx_height_mm"),
                 size_in: float = 4.0) -> Figure:
    """One frame with its label overlay, contours and measure values (e.g. for a slider).

    Parameters
    ----------
    sequence : Sequence
        The image sequence (canonical view; ``pixel_spacing_mm`` converts contour mm to pixels).
    k : int
        Frame index (0-based).
    labels : ndarray of uint8, shape (n_frames, ny, nx), optional
        Label maps (e.g. ``Segmentation.labels`` or the batch's ``labels.nii.gz``).
    contours : DataFrame, optional
        Long contour table (``frame, structure, point, x_mm, y_mm``; the batch's ``contours.csv``).
    measures : DataFrame, optional
        Per-frame measures (``frame`` column); the ``show`` columns of frame ``k`` are printed.
    show : sequence of str
        Measure columns written into the title block.
    size_in : float
        Figure width in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .labels import LABEL_COLORS, LABELS
    from .plotting import label_overlay

    frames = sequence.frames
    k = int(np.clip(k, 0, len(frames) - 1))
    ny, nx = frames.shape[1:]
    fig = Figure(figsize=(size_in, size_in * ny / nx + 0.5), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(label_overlay(frames[k], None if labels is None else labels[k], alpha=0.3),
              interpolation="nearest")
    if contours is not None and len(contours):
        row_mm, col_mm = sequence.pixel_spacing_mm or (1.0, 1.0)
        def norm(name: object) -> str:
            return str(name).lower().replace("_", " ")

        names = {norm(LABELS[v]): np.asarray(c, float)[:3] / 255.0 for v, c in LABEL_COLORS.items()
                 if v in LABELS}
        sel = contours[contours["frame"] == k]
        for i, (name, c) in enumerate(sel.groupby("structure", sort=False)):
            c = c.sort_values("point") if "point" in c else c
            color = names.get(norm(name), f"C{i % 10}")
            ax.plot(c["x_mm"] / col_mm, c["y_mm"] / row_mm, "-", lw=1.2, color=color, label=str(name))
        if len(sel):
            ax.legend(fontsize=6, loc="lower right", framealpha=0.6)
    ax.set_axis_off()
    title = f"frame {k}  t = {sequence.times[k]:.3f} s"
    if measures is not None and "frame" in measures:
        row = measures[measures["frame"] == k]
        if len(row):
            vals = [f"{c.removesuffix('_mm').replace('_', ' ')} {row.iloc[0][c]:.1f} mm"
                    for c in show if c in row]
            title += "\n" + ", ".join(vals)
    ax.set_title(title, fontsize=8)
    return fig


def frame_browser(sequence, *, labels: np.ndarray | None = None, contours: pd.DataFrame | None = None,
                  measures: pd.DataFrame | None = None, size_in: float = 4.0, dpi: int = 90):
    """Interactive frame browser for Jupyter: a slider over frames showing :func:`frame_figure`.

    Parameters
    ----------
    sequence : Sequence
        The image sequence.
    labels, contours, measures
        As in :func:`frame_figure`.
    size_in : float
        Figure width in inches.
    dpi : int
        Rendering resolution of the PNG shown in the widget.

    Returns
    -------
    ipywidgets.VBox
        A slider (frame index) above an image; display it as the last expression of a cell. Without
        a widget frontend (e.g. a static HTML export) only the first frame's image is seen -- show a
        montage (:func:`vtract.plotting.qc_figure`) beside it as a static fallback.
    """
    import io

    import ipywidgets as widgets

    def render(k: int) -> bytes:
        buf = io.BytesIO()
        frame_figure(sequence, k, labels=labels, contours=contours, measures=measures,
                     size_in=size_in).savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()

    slider = widgets.IntSlider(value=0, min=0, max=sequence.n_frames - 1, step=1, description="frame",
                               continuous_update=False)
    image = widgets.Image(value=render(0), format="png")
    slider.observe(lambda change: setattr(image, "value", render(change["new"])), names="value")
    return widgets.VBox([slider, image])


def save_figure(fig: Figure, path_stem: str | os.PathLike, formats: Sequence[str] = ("pdf", "png", "svg"),
                *, dpi: int = 300) -> dict[str, Path]:
    """Export a figure for publication in several formats (atomic writes, reproducible files).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path_stem : path
        Output path without suffix (a suffix, if given, is replaced), e.g. ``figures/larynx``; parent
        folders are created.
    formats : sequence of str
        Matplotlib formats, default PDF (vector), PNG (raster) and SVG (vector, editable text).
    dpi : int
        Resolution of raster output (dots per inch).

    Returns
    -------
    dict of str -> Path
        The written file per format.
    """
    stem = Path(path_stem)
    if stem.suffix.lstrip(".").lower() in {"pdf", "png", "svg", "eps", "jpg", "tif", "tiff"}:
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    # No creation dates / software stamps, so re-running a notebook gives byte-identical vector files.
    meta = {"pdf": {"CreationDate": None, "Producer": None}, "svg": {"Date": None},
            "png": {"Software": None}}
    written = {}
    for fmt in formats:
        fmt = fmt.lower().lstrip(".")
        path = stem.with_name(f"{stem.name}.{fmt}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=meta.get(fmt), bbox_inches="tight")
        written[fmt] = path
    return written
