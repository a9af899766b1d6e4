"""Fixtures for the segmentation tests: a synthetic tract (the real-data folder is ``real_dir``)."""

from __future__ import annotations

import pytest

from .synthetic import synthetic_sequence


@pytest.fixture(scope="session")
def synthetic():
    """``(sequence, true_airway, segmentation)`` of the synthetic tract (segmented once)."""
    import vtract

    seq, truth = synthetic_sequence()
    return seq, truth, vtract.segment(seq, method="classic")


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The shared real-data folder; skips when absent."""
    if not REAL.is_dir():
        pytest.skip(f"real data folder {REAL} is absent (it ships only beside the dev repo)")
    return REAL
