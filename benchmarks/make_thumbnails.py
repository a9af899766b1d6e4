"""Execute the notebooks on the demo data, time them, and save each one's key figure as a thumbnail.

Usage (from the repository root)::

    python benchmarks/make_thumbnails.py                  # quick demo set (what the tests run)
    python benchmarks/make_thumbnails.py --variant full   # the full demo set (timings only: --no-thumbnails)

Each notebook marks its key figure with the cell tag ``thumbnail``; the first PNG that cell displays is
scaled to ``--width`` pixels and written to ``notebooks/thumbnails/<notebook stem>.png`` (for the
README). The batch runs once first (the notebooks then find every session finished), and the wall time
of the batch and of each notebook goes to ``benchmarks/results/notebook_timings_<variant>.{csv,md}``;
the group-difference tables notebooks 04 and 05 write (vtract's estimates beside the same comparison
on the phantom's ground truth) are copied to
``benchmarks/results/notebook_group_differences_{singing,wind}_<variant>.csv``.
``VTRACT_DATA_DIR`` is respected (the demo set is built there on first use).
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import nbclient
import nbformat
import pandas as pd
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
NB_DIR = REPO / "notebooks"
THUMBS = NB_DIR / "thumbnails"
RESULTS = REPO / "benchmarks" / "results"


def key_figure(nb) -> bytes | None:
    """PNG bytes of the first image shown by the cell tagged ``thumbnail``.

    Notebooks without the tag (e.g. other developers' extra notebooks) give their first image; None
    when the notebook shows no image at all.
    """
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "thumbnail" in c.metadata.get("tags", [])]
    for cell in tagged or code:
        for out in cell.outputs:
            png = out.get("data", {}).get("image/png")
            if png:
                return base64.b64decode(png)
    return None


def thumbnail(png: bytes, path: Path, width: int) -> None:
    """Scale a PNG to ``width`` pixels wide (aspect kept) and save it optimised."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    h = max(1, round(img.height * width / img.width))
    img.resize((width, h), Image.LANCZOS).save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", default="quick", choices=["quick", "full"])
    ap.add_argument("--out", type=Path, default=None,
                    help="VTRACT_NOTEBOOK_OUT for the run (default: a temporary folder)")
    ap.add_argument("--width", type=int, default=360, help="thumbnail width in pixels")
    ap.add_argument("--no-thumbnails", action="store_true", help="only time the notebooks")
    ap.add_argument("--timeout", type=int, default=600, help="per-cell timeout in s")
    ap.add_argument("notebooks", nargs="*", help="notebook names (default: all in notebooks/)")
    args = ap.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="vtract_nb_"))
    os.environ.update(VTRACT_DEMO_VARIANT=args.variant, VTRACT_NOTEBOOK_OUT=str(out))
    sys.path.insert(0, str(REPO))
    import vtract

    rows = []
    t0 = time.perf_counter()
    man = vtract.datasets.load_demo(args.variant)
    rows.append({"step": "build demo set", "seconds": time.perf_counter() - t0})
    t0 = time.perf_counter()
    res = vtract.run_batch(man, out / f"batch-{args.variant}", quiet=True, workers=0)
    rows.append({"step": f"batch ({len(res.processed)} sessions run, {len(res.skipped)} skipped)",
                 "seconds": time.perf_counter() - t0})
    paths = [NB_DIR / n for n in args.notebooks] or sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
    THUMBS.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        t0 = time.perf_counter()
        nbclient.NotebookClient(nb, kernel_name="python3", timeout=args.timeout,
                                resources={"metadata": {"path": str(NB_DIR)}}).execute()
        dt = time.perf_counter() - t0
        rows.append({"step": path.name, "seconds": dt})
        print(f"{path.name}: {dt:.1f} s", flush=True)
        if not args.no_thumbnails:
            png = key_figure(nb)
            if png is None:
                print(f"  (no image in {path.name})")
            else:
                thumbnail(png, THUMBS / f"{path.stem}.png", args.width)
    # the group-difference tables the comparison notebooks print (vtract vs the phantom's truth)
    for kind in ("singing", "wind"):
        src = out / f"group_differences_{kind}.csv"
        if src.exists():
            pd.read_csv(src).to_csv(RESULTS / f"notebook_group_differences_{kind}_{args.variant}.csv",
                                    index=False, float_format="%.4g")
    table = pd.DataFrame(rows)
    table["seconds"] = table["seconds"].round(1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"notebook_timings_{args.variant}"
    table.to_csv(stem.with_suffix(".csv"), index=False)
    total = table.loc[table.step.str.endswith(".ipynb"), "seconds"].sum()
    lines = [f"# Notebook execution times ({args.variant} demo set)", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
             f"`python benchmarks/make_thumbnails.py --variant {args.variant}` (nbclient, one kernel per "
             "notebook, executed one after another; the batch runs first, in-process).", "",
             "| step | wall time (s) |", "|---|---|"]
    lines += [f"| {r.step} | {r.seconds:.1f} |" for r in table.itertuples()]
    lines += ["", f"All notebooks: {total:.1f} s."]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
