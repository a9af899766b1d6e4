"""``vtract demo``: the main job on the built-in demo data."""

from __future__ import annotations

import click


@click.command()
@click.option("--out", "-o", "out_dir", default="vtract-demo", show_default=True,
              type=click.Path(path_type=str), help="Output folder.")
@click.option("--quick", is_flag=True, help="Use the small quick demo set (seconds; for tests).")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Dask worker processes (default: one per core; 0 = in-process).")
@click.option("--no-video", is_flag=True, help="Skip the articulation videos.")
@click.option("--no-report", is_flag=True, help="Skip the HTML report (OUT/report/index.html).")
@click.option("--force", is_flag=True, help="Recompute every session.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def demo(ctx: click.Context, out_dir: str, quick: bool, workers: int | None, no_video: bool,
         no_report: bool, force: bool, quiet: bool) -> int:
    """Build the demo set, process every session, write figures, videos and an HTML report.

    The demo set (a synthetic rtMRI + audio phantom of singers and wind players) is built on first use
    into $VTRACT_DATA_DIR (default ~/.cache/vtract). Then prints where to look.
    """
    from ..batch import run_demo

    res = run_demo(out_dir, "quick" if quick else "full", workers=workers,
                   quiet=quiet or bool((ctx.obj or {}).get("quiet")), force=force,
                   videos=not no_video, report=not no_report)
    click.echo(res.report())
    if res.report_path is not None:
        click.echo(f"  report (open in a browser): {res.report_path}")
    ctx.exit(res.batch.exit_code)
    return res.batch.exit_code
