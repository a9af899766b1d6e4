"""Import structure: no cycles between the layers, and a broken vtract module fails loudly."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _modules_after(stmt: str) -> set[str]:
    code = f"import sys; {stmt}; print(' '.join(m for m in sys.modules if m.startswith('vtract')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("stmt, absent", [
    ("import vtract.segmentation", {"vtract.qc", "vtract.plotting"}),    # flags live in segmentation
    ("import vtract.manifest", {"vtract.datasets", "vtract.phantom"}),   # a manifest never builds data
    ("import vtract.clock, vtract.synced", {"vtract.sync", "vtract.acoustics"}),
    ("import vtract.results", {"vtract.batch", "vtract.video"}),
])
def test_lower_layers_do_not_import_higher_ones(stmt, absent):
    assert not (_modules_after(stmt) & absent)


def test_a_broken_command_module_is_an_error_not_a_missing_command(monkeypatch):
    from click.testing import CliRunner

    from vtract import cli

    monkeypatch.setitem(cli.COMMANDS, "broken", "vtract.cli._does_not_exist:broken")
    assert "broken" in cli.cli.list_commands(None)  # listed: its module is not probed and hidden
    with pytest.raises(ModuleNotFoundError, match="vtract.cli._does_not_exist"):
        CliRunner().invoke(cli.cli, ["broken"], catch_exceptions=False)
