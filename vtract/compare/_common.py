"""Helpers shared by the comparison modules: clock columns and column selection."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

#: per-frame columns that are clocks or indices, never summarised as measures
_CLOCK_COLUMNS = {"frame", "time_s", "audio_time_s", "point"}

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
