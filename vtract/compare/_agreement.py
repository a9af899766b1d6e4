"""Agreement of estimates with ground truth: label overlap (Dice), measure errors, ground-truth tables."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataValueError
from ._common import _CLOCK_COLUMNS


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
    from .. import labels as L

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
