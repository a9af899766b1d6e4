"""pyproject.toml and environment.yml must list the same dependencies."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name(s), where they differ
PYPI_TO_CONDA = {"simpleitk": ["simpleitk"], "soundfile": ["pysoundfile"], "torch": ["pytorch"],
                 "dask": ["dask", "distributed"]}


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower()


def test_environment_matches_pyproject():
    proj = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pypi = [*proj["dependencies"], *proj["optional-dependencies"]["test"]]
    expected = set()
    for req in pypi:
        expected.update(PYPI_TO_CONDA.get(_name(req), [_name(req)]))
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda == expected, (f"only in environment.yml: {sorted(conda - expected)}; "
                               f"only in pyproject.toml: {sorted(expected - conda)}")


def test_readme_quick_start_matches_ci():
    readme = (REPO / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    lines = [ln for ln in block.splitlines()[1:] if ln.strip() and not ln.startswith("#")]
    assert len(lines) == 2, lines
    assert "vtract demo" in lines[0]
    assert lines[1] in (REPO / ".ci" / "run").read_text()
