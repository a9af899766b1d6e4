"""GitHub markdown tables for the benchmark reports (hand-written: ``tabulate`` is not a dependency)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def markdown_table(df: pd.DataFrame, fmt: str = ".3g", index: bool = False) -> str:
    """Render ``df`` as a markdown table, floats with ``fmt``; ``index=True`` keeps the index as columns."""
    if index:
        df = df.reset_index()
    cells = [[f"{v:{fmt}}" if isinstance(v, float | np.floating) else str(v) for v in row]
             for row in df.itertuples(index=False)]
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    sep = "|" + "---|" * len(df.columns)
    return "\n".join([head, sep, *("| " + " | ".join(r) + " |" for r in cells)])
