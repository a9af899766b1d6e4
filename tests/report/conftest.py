"""The quick demo run with its report, built once per test session (shared by the report tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def demo_run(demo_quick_manifest, tmp_path_factory) -> Path:
    """``vtract demo --quick`` output (batch, figures, one video per session, report/), in-process."""
    from vtract.batch import run_demo

    out = tmp_path_factory.mktemp("report_demo") / "run"
    res = run_demo(out, "quick", workers=0, quiet=True)
    assert res.batch.exit_code == 0, res.report()
    assert res.report_path == out / "report" / "index.html"
    return out


@pytest.fixture
def demo_copy(demo_run, tmp_path) -> Path:
    """A private copy of the demo run (for tests that change files)."""
    dst = tmp_path / "run"
    shutil.copytree(demo_run, dst, copy_function=shutil.copy2)
    return dst
