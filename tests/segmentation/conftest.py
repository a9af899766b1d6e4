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

