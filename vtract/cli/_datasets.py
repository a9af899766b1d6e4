"""``vtract make-demo``: build the synthetic demo set (phantom rtMRI + audio + ground truth)."""

from __future__ import annotations

import click


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=str))
@click.option("--quick", is_flag=True, help="Build the small quick set (5 short sessions).")
@click.option("--seed", type=int, default=0, show_default=True, help="Base random seed.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: up to 2).")
@click.pass_context
def make_demo(ctx: click.Context, directory: str, quick: bool, seed: int, workers: int | None) -> None:
    """Build the demo data set into DIRECTORY (deterministic for a given seed).

    Writes one folder per session (frames.nii.gz, labels.nii.gz, audio.wav, clean.wav, measures.csv,
    params.csv, acoustics.csv) and DIRECTORY/manifest.yaml.
    """
    import time

    from ..datasets import make_demo as _make

    quiet = bool(ctx.find_root().obj and ctx.find_root().obj.get("quiet"))
    t0 = time.perf_counter()

    def report(summary: dict) -> None:
        if not quiet:
            click.echo(f"  {summary['session_id']}: {summary['n_frames']} frames, "
                       f"{summary['bytes'] / 1e6:.1f} MB")

    out = _make(directory, "quick" if quick else "full", seed, workers=workers, progress=report)
    if not quiet:
        click.echo(f"demo set written to {out} in {time.perf_counter() - t0:.1f} s; "
                   f"manifest: {out / 'manifest.yaml'}")
