"""``vtract train-segmenter``: train the learned segmenter on synthetic data (needs the train extra)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("train-segmenter")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the data and the weights.")
@click.option("--minutes", type=float, default=60.0, show_default=True, help="Wall-time cap (minutes).")
@click.option("--iterations", type=int, default=None,
              help="Optimisation steps (fixes the run length, for reproducible runs).")
@click.option("--threads", type=int, default=1, show_default=True,
              help="Torch threads (on a shared machine 1 is faster than 2).")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Data-generating worker processes (0 = in the main loop).")
@click.option("--reuse", type=int, default=1, show_default=True,
              help="Random crops taken from each generated sample.")
@click.option("--init", "init", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="checkpoint.pt of an earlier run to fine-tune from (its weights; a fresh schedule).")
def train_segmenter(out: Path, seed: int, minutes: float, iterations: int | None, threads: int,
                    workers: int, reuse: int, init: Path | None) -> None:
    """Train the learned segmenter on synthetic frames and export OUT/model.onnx."""
    import importlib.util

    from ..errors import VtractError
    from ..segmentation.train import train

    missing = [m for m in ("torch", "monai", "onnx") if importlib.util.find_spec(m) is None]
    if missing:  # torch/monai/onnx are the optional train extra
        raise VtractError(f"training needs {', '.join(missing)} (the train extra); "
                          'install it with: pip install "vtract[train]"')
    s = train(out, seed=seed, minutes=minutes, iterations=iterations, threads=threads, workers=workers,
              reuse=reuse, init=init, log=click.echo)
    click.echo(f"{s['iterations']} iterations in {s['minutes']} min -> {s['onnx']}")
