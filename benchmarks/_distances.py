"""Point-to-polyline distance shared by the segmentation benchmarks."""

from __future__ import annotations

import numpy as np


def point_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Distance from each point to a polyline (pixels in, pixels out)."""
    if len(line) == 1:
        return np.hypot(*(points - line[0]).T)
    a, b = line[:-1], line[1:]
    ab = b - a
    t = np.einsum("pkd,kd->pk", points[:, None, :] - a[None], ab) / np.maximum(
        np.einsum("kd,kd->k", ab, ab), 1e-12)
    proj = a[None] + np.clip(t, 0, 1)[..., None] * ab[None]
    return np.hypot(*(points[:, None, :] - proj).transpose(2, 0, 1)).min(axis=1)
