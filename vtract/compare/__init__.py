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
- :func:`forest_plot`, :func:`formant_tuning_plot` make publication figures (export them with
  :func:`vtract.plotting.save_figure`, re-exported here: PDF/PNG/SVG); :func:`frame_figure` /
  :func:`frame_browser` show single frames with labels and contours (an ipywidgets slider in Jupyter).

One module per concept: ``_summaries`` (per-session summaries), ``_statistics`` (effect sizes and
group differences), ``_agreement`` (agreement with ground truth), ``_timing`` (event timing) and
``_figures``; the public names are re-exported here.

Examples
--------
>>> import pandas as pd, vtract.compare as vc                                   # doctest: +SKIP
>>> per_session = vc.session_summary(pd.read_parquet("out/measures.parquet"),
...                                  pd.read_parquet("out/acoustics.parquet"))  # doctest: +SKIP
>>> vc.compare_groups(per_session, ["larynx_height_mm", "jaw_opening_mm"], group="style",
...                   pairs=[("classical", "belting")])                         # doctest: +SKIP
"""

from ..plotting import save_figure
from ._agreement import ground_truth, label_agreement, measure_agreement
from ._figures import forest_plot, formant_tuning_plot, frame_browser, frame_figure
from ._statistics import DIFFERENCE_COLUMNS, compare_groups, group_differences, hedges_g
from ._summaries import TUNED_CENTS, audio_summary, register_summary, session_summary
from ._timing import articulation_timing, constriction_events, event_lags

__all__ = ["session_summary", "audio_summary", "register_summary", "TUNED_CENTS", "group_differences",
           "compare_groups", "hedges_g", "label_agreement", "measure_agreement", "ground_truth",
           "constriction_events", "event_lags", "articulation_timing", "forest_plot", "formant_tuning_plot",
           "frame_figure", "frame_browser", "save_figure", "DIFFERENCE_COLUMNS"]
