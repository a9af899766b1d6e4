"""HTML report speed: the full demo study written from scratch, re-run unchanged, one session changed.

Regenerates ``benchmarks/results/report_speed.md`` and ``report_speed.csv``::

    vtract demo --out vtract-demo                  # once (the full demo run folder)
    python benchmarks/bench_report.py vtract-demo  # target: from scratch < 10 s on 2 cores

Each row runs ``vtract.report.write_report`` in a fresh Python process (imports included), on a
private copy of the run folder's report state. ``cpu_s`` sums the CPU time of the process and its page
workers: on a loaded shared machine it is the robust number (wall time / cores is what an idle
machine would give at best).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _markdown import markdown_table  # noqa: E402

_CHILD = """
import json, resource, sys, time
t = time.perf_counter()
from vtract.report import write_report
write_report(sys.argv[1], workers=None if sys.argv[2] == "auto" else int(sys.argv[2]))
wall = time.perf_counter() - t
ru, rc = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime + rc.ru_utime + rc.ru_stime}))
"""


def _run(run_dir: Path, workers: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(run_dir), workers], check=True,
                         capture_output=True, text=True, env=env)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    state = json.loads((run_dir / "report" / "manifest.json").read_text())
    res["pages_rebuilt"] = len(state["last_run"]["rebuilt"])
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", help="a `vtract demo` (full) output folder")
    ap.add_argument("--repeat", type=int, default=2, help="runs per row (the fastest is kept)")
    args = ap.parse_args()
    src = Path(args.run_dir).resolve()
    sessions = pd.read_csv(src / "sessions.csv")
    frames = int(sessions["n_frames"].sum())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        # the report only reads the run folder: link the inputs, copy the one session we change
        run.mkdir()
        for p in src.iterdir():
            if p.name != "report":
                (run / p.name).symlink_to(p)
        changed = str(sessions["session_id"].iloc[0])
        (run / changed).unlink()
        shutil.copytree(src / changed, run / changed, copy_function=shutil.copy2)
        for workers in ("auto", "0"):
            for rep in range(args.repeat):
                shutil.rmtree(run / "report", ignore_errors=True)
                rows.append({"case": "from scratch", "workers": "2 processes" if workers == "auto"
                             else "in-process", "run": rep, **_run(run, workers)})
        rows.append({"case": "re-run, nothing changed", "workers": "-", "run": 0, **_run(run, "auto")})
        p = run / changed / "acoustics.csv"
        p.write_text(p.read_text())  # same content, new modification time: the page is rebuilt
        rows.append({"case": "re-run, one session changed", "workers": "-", "run": 0,
                     **_run(run, "auto")})
    df = pd.DataFrame(rows)
    df.to_csv(HERE / "results" / "report_speed.csv", index=False)
    best = df.sort_values("wall_s").groupby(["case", "workers"], sort=False).head(1)
    best = best.sort_index()[["case", "workers", "pages_rebuilt", "wall_s", "cpu_s"]]
    load = os.getloadavg()
    text = [
        "# HTML report speed (`python benchmarks/bench_report.py RUN_DIR`)", "",
        f"- Run folder: full demo study, {len(sessions)} sessions, {frames} MRI frames; "
        f"generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average at the end {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} (1/5/15 min; "
        "2 = both cores busy). The cores are shared with other jobs, so wall times are noisy; "
        "`cpu_s` (process + page workers) is the robust number.",
        "- Each row is a fresh Python process (imports included); fastest of "
        f"{args.repeat} runs for the from-scratch rows (all runs in the CSV).",
        "- From scratch: 20 session pages (key frames, spectrogram with tracks, measures figure, "
        "acoustic summaries incl. MRI-noise suppression and singer's formant) built by 2 forked "
        "workers while the main process draws the study's group comparisons (`vtract.compare`).",
        "- Re-run: a session page is rebuilt only when a file of its session folder changed.",
        "- Target: from scratch < 10 s on 2 cores.", "",
        markdown_table(best, fmt=".3g"), ""]
    (HERE / "results" / "report_speed.md").write_text("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main()
