"""Execute every notebook in notebooks/ on the quick demo set and check what they print.

The batch runs once per test session (``batch_dir``) into the folder the notebooks use
(``$VTRACT_NOTEBOOK_OUT/batch-quick``), so each notebook's ``vtract.run_batch`` call finds the sessions
finished and skips them. The comparison notebooks write their group-difference tables to
``$VTRACT_NOTEBOOK_OUT``; the tests compare them with the differences the phantom was built with.
"""

from __future__ import annotations

import ast
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

REPO = Path(__file__).resolve().parents[1]
NB_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT_S = 240
TIMINGS: dict[str, float] = {}


def _code_cells(path: Path):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code"]


# --------------------------------------------------------------------------------------------------
# static checks (fast, no kernel)
# --------------------------------------------------------------------------------------------------
def test_the_suite_is_complete():
    names = {p.name for p in NOTEBOOKS}
    for required in ("01_quickstart.ipynb", "02_segmentation_qc.ipynb", "03_acoustics_and_sync.ipynb",
                     "04_singing_styles.ipynb", "05_wind_players.ipynb", "06_your_own_data.ipynb"):
        assert required in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs_and_without_library_code(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [], f"{path.name}: a code cell has outputs; clear them before committing"
        assert cell.execution_count is None, f"{path.name}: execution counts must be cleared"
        # library code belongs in vtract/: no function or class definitions in cells
        src = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        tree = ast.parse(src)
        defs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
        assert not defs, f"{path.name}: cell defines {[d.name for d in defs]}; move it into vtract/"
        assert "def " not in src and "class " not in src
    # narrative: a title, and markdown between the code (at least one markdown cell per three code cells)
    md = [c for c in nb.cells if c.cell_type == "markdown"]
    assert md and md[0].source.startswith("# ")
    if path.name[:2] in {"01", "02", "03", "04", "05", "06"}:
        assert len(md) * 3 >= len(_code_cells(path))


def test_notebooks_read_the_variant_from_the_environment():
    for path in NOTEBOOKS:
        if path.name[:2] in {"01", "02", "03", "04", "05", "06"}:
            first = next(c for c in _code_cells(path) if "import" in c.source)
            assert 'os.environ.get("VTRACT_DEMO_VARIANT", "full")' in first.source, path.name


# --------------------------------------------------------------------------------------------------
# execution
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def notebook_out(demo_quick_manifest, demo_data_dir, tmp_path_factory):
    """Environment of the notebook kernels, and the batch run they share (computed once)."""
    import vtract

    out = tmp_path_factory.mktemp("notebook_out")
    mp = pytest.MonkeyPatch()
    mp.setenv("VTRACT_DEMO_VARIANT", "quick")
    mp.setenv("VTRACT_DATA_DIR", str(demo_data_dir))
    mp.setenv("VTRACT_NOTEBOOK_OUT", str(out))
    mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    t0 = time.perf_counter()
    # the same call the notebooks make, so they find every session finished
    res = vtract.run_batch(demo_quick_manifest, out / "batch-quick", quiet=True, workers=0)
    TIMINGS["batch"] = time.perf_counter() - t0
    assert not res.failed, (out / "batch-quick" / "failures.csv").read_text()
    yield out
    mp.undo()
    if TIMINGS:
        (Path(os.environ.get("VTRACT_NOTEBOOK_TIMINGS", str(out / "timings.json")))
         .write_text(json.dumps(TIMINGS, indent=1)))


_EXECUTED: dict[str, nbformat.NotebookNode] = {}


def _execute(path: Path, out: Path):
    if path.name not in _EXECUTED:
        nb = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT_S,
                                         resources={"metadata": {"path": str(NB_DIR)}})
        t0 = time.perf_counter()
        client.execute()
        TIMINGS[path.stem] = time.perf_counter() - t0
        _EXECUTED[path.name] = nb
    return _EXECUTED[path.name]


def _stdout(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, notebook_out):
    nb = _execute(path, notebook_out)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    # every notebook shows something: a figure or a table
    kinds = {k for c in nb.cells if c.cell_type == "code" for o in c.outputs for k in o.get("data", {})}
    assert kinds & {"image/png", "text/html", "image/svg+xml"}, f"{path.name} displays nothing"


def _phantom_truth() -> dict[tuple[str, str, str], float]:
    """(measure, group a, group b) -> the difference a - b the phantom was built with.

    From the phantom's documented style tables (``vtract.phantom._styles``): offsets of the larynx and
    jaw targets per singing style, vibrato extent per style, lip aperture per wind instrument.
    """
    from vtract.phantom import _styles as st

    so, vib, wind = st.STYLE_OFFSETS, st.VIBRATO, st.WIND
    return {
        ("larynx_height_mm", "classical", "belting"): so["classical"]["larynx_mm"] - so["belting"]["larynx_mm"],
        ("jaw_opening_mm", "classical", "belting"): so["classical"]["jaw_mm"] - so["belting"]["jaw_mm"],
        ("vibrato_extent_cents", "classical", "belting"): vib["classical"][1] - vib["belting"][1],
        ("lip_aperture_mm", "flute", "trumpet"): (wind["flute"]["pose"]["lip_aperture_mm"]
                                                  - wind["trumpet"]["pose"]["lip_aperture_mm"]),
    }


@pytest.mark.slow
def test_singing_styles_print_the_built_in_differences(notebook_out):
    path = NB_DIR / "04_singing_styles.ipynb"
    nb = _execute(path, notebook_out)
    text = _stdout(nb)
    assert "classical - belting" in text and "larynx_height_mm" in text
    table = pd.read_csv(notebook_out / "group_differences_singing.csv")
    _check_against_truth(table, [("larynx_height_mm", "classical", "belting"),
                                            ("jaw_opening_mm", "classical", "belting"),
                                            ("vibrato_extent_cents", "classical", "belting")])
    figs = sorted(p.suffix for p in (notebook_out / "figures").glob("singing_*"))
    assert {".pdf", ".png", ".svg"} <= set(figs)


@pytest.mark.slow
def test_wind_players_print_the_built_in_differences(notebook_out):
    path = NB_DIR / "05_wind_players.ipynb"
    nb = _execute(path, notebook_out)
    assert "flute - trumpet" in _stdout(nb)
    table = pd.read_csv(notebook_out / "group_differences_wind.csv")
    _check_against_truth(table, [("lip_aperture_mm", "flute", "trumpet")], size=False)


@pytest.mark.slow
def test_wind_players_lip_aperture_difference_within_a_factor_2(notebook_out):
    csv = notebook_out / "group_differences_wind.csv"
    if not csv.is_file():
        _execute(NB_DIR / "05_wind_players.ipynb", notebook_out)
    _check_against_truth(pd.read_csv(csv), [("lip_aperture_mm", "flute", "trumpet")])


def _check_against_truth(table: pd.DataFrame, rows: list[tuple[str, str, str]], *,
                         size: bool = True) -> None:
    """Direction as built into the phantom, size (``size``) within a factor 2 of the truth of the same
    sessions.

    ``truth_difference`` is the same comparison run by the notebook on the phantom's ground-truth
    measures / clean-audio f0 of the same sessions (on the quick set each group is one session of a
    different subject, so the true difference includes anatomy as well as the built-in offset).
    """
    built = _phantom_truth()
    for measure, a, b in rows:
        sel = table[(table.measure == measure) & (table.group_a == a) & (table.group_b == b)]
        assert len(sel) == 1, f"no {measure} row for {a} - {b} in the printed table"
        est, tru = float(sel.iloc[0]["difference"]), float(sel.iloc[0]["truth_difference"])
        ref = built[(measure, a, b)]
        msg = (f"{measure} {a} - {b}: vtract {est:.2f}, ground truth of these sessions {tru:.2f}, "
               f"built-in offset {ref:.2f}")
        assert np.sign(tru) == np.sign(ref), "phantom: " + msg
        assert np.sign(est) == np.sign(ref), msg
        if size:
            assert 0.5 * abs(tru) <= abs(est) <= 2.0 * abs(tru), msg
