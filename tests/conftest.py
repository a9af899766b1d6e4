"""Shared fixtures: the real-data folder and the quick demo set (built once per test session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REAL_DIR = REPO.parent / "shared" / "data" / "real"


def pytest_collection_modifyitems(config, items):
    """Every test that reads the real-data folder (the ``real_dir`` fixture) is marked ``real``."""
    unmarked = [item.nodeid for item in items if "real_dir" in getattr(item, "fixturenames", ())
                and item.get_closest_marker("real") is None]
    if unmarked:
        raise pytest.UsageError("tests using real_dir need @pytest.mark.real: " + ", ".join(unmarked))


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """``../shared/data/real`` beside the repository; skips when absent (a user's machine)."""
    if not REAL_DIR.is_dir():
        pytest.skip(f"real data folder {REAL_DIR} is absent (it ships only beside the dev repo)")
    return REAL_DIR


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory) -> Path:
    """A private VTRACT_DATA_DIR for the whole test session (the developer's cache is never touched).

    Set ``VTRACT_TEST_DATA_DIR`` to reuse a folder across runs.
    """
    d = os.environ.get("VTRACT_TEST_DATA_DIR")
    path = Path(d) if d else tmp_path_factory.mktemp("vtract_data")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def demo_quick_manifest(demo_data_dir):
    """The quick demo set's manifest (built on first use into ``demo_data_dir``)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("VTRACT_DATA_DIR", str(demo_data_dir))
    from vtract import datasets

    man = datasets.load_demo("quick")
    yield man
    mp.undo()
