"""The study page's comparisons: per-group figures and statistics from :mod:`vtract.compare`."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import VtractWarning
from ._figures import group_figure, okabe_ito, save_png
from ._text import MEASURES

__all__ = ["group_keys", "per_session_values", "study_comparisons", "STUDY_VALUES"]

#: per-session values compared between groups (the six page measures, then the sound)
STUDY_VALUES = (*[m.column for m in MEASURES], "f0_hz", "vibrato_extent_cents", "f1_tuned_fraction")

_VALUE_NAMES = {**{m.column: f"{m.name} ({m.unit})" for m in MEASURES},
                "f0_hz": "Median pitch f0 (Hz)", "vibrato_extent_cents": "Vibrato extent (± cents)",
                "f1_tuned_fraction": "F1 tuned to a harmonic (share of voiced time)",
                "singers_formant_prominence_db": "Singer's formant prominence (dB)"}


def value_name(column: str) -> str:
    """Plain-language name of a compared value (with its unit)."""
    from ..plotting import pretty_name

    return _VALUE_NAMES.get(column, pretty_name(column))


def per_session_values(measures: pd.DataFrame | None, acoustics: pd.DataFrame | None) -> pd.DataFrame:
    """One row per finished session from the combined tables (:func:`vtract.compare.session_summary`).

    Parameters
    ----------
    measures, acoustics : DataFrame or None
        The run's ``measures.parquet`` and ``acoustics.parquet``.

    Returns
    -------
    DataFrame
        ``session_id``, metadata and group columns, per-session medians (measures in mm, ``f0_hz``),
        F1 tuning and vibrato summaries; empty without measures.
    """
    from ..compare import session_summary

    if measures is None or not len(measures):
        return pd.DataFrame()
    cols = [c for c in STUDY_VALUES if c in measures]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN measures give NaN medians
        return session_summary(measures, acoustics, columns=cols)


def group_keys(rows: list[dict[str, Any]]) -> list[str]:
    """Group columns to compare: at least two groups among the finished sessions.

    A key that only summarises finer keys is left out: set on every session, every session also has
    another key, and its value is the same within each group of those keys (``kind`` = singing/wind
    over ``style`` and ``instrument``); comparing singers with wind players as wholes mixes tasks.
    Keys set on only some sessions (``style``, ``instrument``) come first, in manifest order.
    """
    ok = [dict(r.get("group") or {}) for r in rows if r.get("status") == "ok"]
    values: dict[str, set] = {}
    for g in ok:
        for k, v in g.items():
            values.setdefault(k, set()).add(str(v))
    found = [k for k, vals in values.items() if len(vals) >= 2]

    def implied(key: str) -> bool:
        if not all(key in g and len(g) > 1 for g in ok):
            return False
        for other in values:
            if other == key:
                continue
            seen: dict[str, str] = {}
            for g in ok:
                if other in g and seen.setdefault(str(g[other]), str(g[key])) != str(g[key]):
                    return False
        return True

    everywhere = {k for k in found if all(k in g for g in ok)}
    return sorted((k for k in found if not implied(k)), key=lambda k: k in everywhere)


def _fmt(v: Any, digits: int = 3) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "" if v is None else str(v)
    if not math.isfinite(x):
        return "–"
    return f"{x:.{digits}g}"


def study_comparisons(per_session: pd.DataFrame, keys: list[str], fig_dir: Path,
                      acoustics: pd.DataFrame | None = None, wind: frozenset[str] = frozenset()
                      ) -> list[dict[str, Any]]:
    """For each group column: a box plot of session medians, a forest plot and a statistics table.

    Parameters
    ----------
    per_session : DataFrame
        One row per finished session (``session_id``, ``subject``, group columns, values).
    keys : list of str
        Group columns to compare.
    fig_dir : Path
        Folder for the PNGs (``report/study``).
    acoustics : DataFrame, optional
        The combined ``acoustics.parquet`` (for the formant-tuning figure of singing groups).
    wind : frozenset of str
        Session ids of wind-instrument sessions (left out of the formant-tuning figure).

    Returns
    -------
    list of dict
        Per key: ``key``, ``groups`` (name and session count), ``figures`` (file name, alt text,
        caption) and ``table`` (rows of formatted strings) plus ``notes`` (warnings of the models).
    """
    from ..compare import compare_groups, forest_plot, formant_tuning_plot

    fig_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for key in keys:
        d = per_session[per_session[key].notna()].copy() if key in per_session else per_session.iloc[:0]
        d[key] = d[key].astype(str)
        groups = d[key].value_counts(sort=False).to_dict()
        values = [v for v in STUDY_VALUES if v in d and d[v].notna().any()]
        item: dict[str, Any] = {"key": key, "groups": groups, "figures": [], "table": [], "notes": []}
        order = sorted(groups)
        with okabe_ito():
            box_cols = [m.column for m in MEASURES if m.column in values]
            if box_cols:
                fig = group_figure(d, key, order)
                name = f"{key}_boxplot.png"
                save_png(fig, fig_dir / name)
                item["figures"].append({
                    "file": name, "caption": f"Articulation by {key}: each dot is one session's median "
                    "(colour and shape: the subject); boxes show the spread within a group. As on the "
                    "session pages, up means up in the head or more open.",
                    "alt": f"Box plots of {', '.join(value_name(c) for c in box_cols)} for the groups "
                           f"{', '.join(order)} of {key}."})
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                table = compare_groups(d, values, key, reference=order[0]) if len(groups) >= 2 \
                    else pd.DataFrame()
            item["notes"] = sorted({str(w.message) for w in caught if issubclass(w.category, VtractWarning)})
            if len(table) and table["hedges_g"].notna().any():
                show = table.assign(measure=table["measure"].map(value_name))
                fig = forest_plot(show, title=f"{key}: effect sizes")
                name = f"{key}_effects.png"
                save_png(fig, fig_dir / name)
                item["figures"].append({
                    "file": name, "caption": "Effect sizes: a dot right of the grey line means the first "
                    "group of the contrast has the larger value; the bar is the 95% confidence interval. "
                    "|g| ≈ 0.2 small, 0.5 medium, 0.8 large. Larynx height and tongue body are distances "
                    "below the palate: there a positive difference means a lower larynx or tongue.",
                    "alt": f"Forest plot of Hedges' g per measure for the contrasts against {order[0]}."})
            sub = None
            if acoustics is not None and key in acoustics and {"f0_hz", "f1_hz"} <= set(acoustics):
                sub = acoustics[acoustics[key].notna() & ~acoustics["session_id"].isin(wind)]
            if sub is not None and sub[key].nunique() >= 2:
                fig = formant_tuning_plot(sub, key, max_points=1500,
                                          title=f"{key}: F1 against pitch (lines: harmonics n·f0)")
                name = f"{key}_tuning.png"
                save_png(fig, fig_dir / name)
                item["figures"].append({
                    "file": name, "caption": "Formant tuning: points on a grey line mean the first "
                    "formant sits on that harmonic of the sung pitch (e.g. F1 = 2·f0, common in belting).",
                    "alt": f"Scatter of F1 against f0 per {key} group with harmonic lines."})
        for _, r in table.iterrows() if len(table) else []:
            item["table"].append({
                "value": value_name(r["measure"]), "contrast": r["contrast"],
                "n": f"{int(r['n_a'])} / {int(r['n_b'])}", "mean_a": _fmt(r["mean_a"]),
                "mean_b": _fmt(r["mean_b"]), "difference": _fmt(r["difference"]),
                "ci": f"{_fmt(r['difference_ci_low'])} to {_fmt(r['difference_ci_high'])}",
                "g": _fmt(r["hedges_g"], 2), "model": r["model"], "p": _fmt(r.get("model_p_adj"), 2)})
        out.append(item)
    return out
