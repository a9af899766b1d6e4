"""``vtract run``: process a whole study manifest (parallel, resumable, failure-isolated)."""

from __future__ import annotations

import logging

import click


def _load_settings(path: str | None) -> dict:
    if not path:
        return {}
    import yaml

    from ..errors import ManifestError

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ManifestError(f"{path}: cannot read settings file ({exc})") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict | None) for v in data.values()):
        raise ManifestError(f"{path}: settings must map step names to keyword dicts, e.g. "
                            "'acoustics: {suppress_noise: false}'")
    return {k: v or {} for k, v in data.items()}


@click.command()
@click.argument("manifest", type=click.Path(path_type=str))
@click.option("--out", "-o", "out_dir", required=True, type=click.Path(path_type=str),
              help="Run folder: one sub-folder per session plus the combined tables.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Worker processes of the local Dask cluster (default: one per core); "
                   "0 = no Dask, run in this process.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Use an existing Dask cluster: its address (tcp://host:8786) or scheduler file "
                   "(*.json). Inputs and --out must be on a file system shared with the workers.")
@click.option("--steps", default="segment,measure,acoustics,sync", show_default=True,
              help="Comma-separated steps among framestats,segment,measure,acoustics,sync,video "
                   "(reading and the QC figure always run).")
@click.option("--settings", "settings_file", default=None, type=click.Path(path_type=str),
              help="YAML file of per-step keyword settings, e.g. 'acoustics: {suppress_noise: false}'.")
@click.option("--force", is_flag=True, help="Recompute sessions even when their outputs are current.")
@click.option("--no-report", is_flag=True, help="Skip the HTML report (OUT/report/index.html).")
@click.option("--quiet", is_flag=True, help="No progress bar; one log line per session (for logs).")
@click.pass_context
def run(ctx: click.Context, manifest: str, out_dir: str, workers: int | None, scheduler: str | None,
        steps: str, settings_file: str | None, force: bool, no_report: bool, quiet: bool) -> int:
    """Run every session of MANIFEST through the pipeline, in parallel on Dask.

    Outputs go to OUT/<session_id>/ (written atomically; session.json last). Re-running skips
    finished sessions whose inputs and settings are unchanged; failed sessions are listed in
    OUT/failures.csv and make the exit status 1. Combined tables: OUT/measures.parquet,
    OUT/acoustics.parquet, OUT/synced.parquet, OUT/sessions.csv; HTML report: OUT/report/index.html.
    """
    from ..batch import run_batch

    quiet = quiet or bool((ctx.obj or {}).get("quiet"))
    if quiet and not (ctx.obj or {}).get("quiet"):
        logging.getLogger("vtract.batch").setLevel(logging.INFO)
    result = run_batch(manifest, out_dir, workers=workers, scheduler=scheduler, steps=steps,
                       force=force, quiet=quiet, settings=_load_settings(settings_file))
    click.echo(f"vtract run: {result.summary()}")
    click.echo(f"  per-session outputs: {result.out_dir}/<session_id>/")
    for name in ("measures.parquet", "acoustics.parquet", "synced.parquet", "sessions.csv"):
        if name in result.tables:
            click.echo(f"  {name:18s} {result.tables[name]}")
    for sid, errors in result.partial.items():
        for step, message in errors.items():
            click.echo(f"  {sid}: {step} failed, session kept without its outputs: {message}", err=True)
    if result.failed:
        click.echo(f"  {len(result.failed)} failed session(s), see {result.out_dir / 'failures.csv'}: "
                   f"{', '.join(result.failed)}", err=True)
    if not no_report:
        from ..report import write_report

        try:
            click.echo(f"  report (open in a browser): {write_report(result.out_dir)}")
        except Exception as exc:  # the batch's results stand even when the report cannot be drawn
            if (ctx.obj or {}).get("debug"):
                raise
            click.echo(f"  report not written ({type(exc).__name__}: {exc}); retry with "
                       f"`vtract --debug report {result.out_dir}`", err=True)
    ctx.exit(result.exit_code)
    return result.exit_code
