"""Options shared by several subcommands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

__all__ = ["sequence_options", "sequence_overrides", "parse_spacing"]


def parse_spacing(value: str | None) -> tuple[float, float] | None:
    """Parse ``"2.9"`` or ``"2.9,2.9"`` (row_mm,col_mm) into a tuple."""
    if value in (None, ""):
        return None
    parts = [p for p in str(value).replace("x", ",").split(",") if p.strip()]
    try:
        nums = [float(p) for p in parts]
    except ValueError as exc:
        raise click.BadParameter(f"expected 'MM' or 'ROW_MM,COL_MM', got {value!r}") from exc
    if len(nums) == 1:
        nums = nums * 2
    if len(nums) != 2 or min(nums) <= 0:
        raise click.BadParameter(f"expected one or two positive numbers, got {value!r}")
    return nums[0], nums[1]


def sequence_options(func: Callable) -> Callable:
    """Add ``--fps``, ``--pixel-spacing`` and ``--allow-truncated`` to a command."""
    func = click.option("--allow-truncated", "allow_truncated", is_flag=True,
                        help="Accept a video that holds fewer frames than its header lists "
                        "(an incomplete copy) and use the frames that are there.")(func)
    func = click.option("--pixel-spacing", "pixel_spacing", default=None,
                        help="Pixel spacing in mm: 'MM' or 'ROW_MM,COL_MM' (videos carry none).")(func)
    func = click.option("--fps", type=float, default=None,
                        help="Frame rate in frames/s (overrides the file's own).")(func)
    return func


def sequence_overrides(fps: float | None, pixel_spacing: str | None,
                       allow_truncated: bool = False) -> dict[str, Any]:
    """Keyword overrides for :func:`vtract.read_sequence` from the shared options.

    Parameters
    ----------
    fps : float or None
        ``--fps`` (frames/s).
    pixel_spacing : str or None
        ``--pixel-spacing`` (``"MM"`` or ``"ROW_MM,COL_MM"``).
    allow_truncated : bool
        ``--allow-truncated``.

    Returns
    -------
    dict
        ``fps``, ``pixel_spacing_mm`` (None when not given) and, when set, ``allow_truncated``.
    """
    out: dict[str, Any] = {"fps": fps, "pixel_spacing_mm": parse_spacing(pixel_spacing)}
    if allow_truncated:
        out["allow_truncated"] = True
    return out
