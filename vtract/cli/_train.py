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
@click.option("--lr", type=float, default=2e-3, show_default=True,
              help="Peak learning rate (cosine decay to 2 % over the run).")
@click.option("--average-from", type=click.FloatRange(0.0, 1.0, max_open=True), default=None,
              help="Average the weights over the run after this fraction of it (e.g. 0.5).")
@click.option("--average", "average", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Instead of training, write OUT as the uniform weight mean of these checkpoint.pt "
                   "files (repeat the option; runs fine-tuned from one checkpoint).")
def train_segmenter(out: Path, seed: int, minutes: float, iterations: int | None, threads: int,
                    workers: int, reuse: int, init: Path | None, lr: float, average_from: float | None,
                    average: tuple[Path, ...]) -> None:
    """Train the learned segmenter on synthetic frames and export OUT/model.onnx."""
    import importlib.util

    from ..errors import VtractError
    from ..segmentation.train import average_checkpoints, train

    missing = [m for m in ("torch", "monai", "onnx") if importlib.util.find_spec(m) is None]
    if missing:  # torch/monai/onnx are the optional train extra
        raise VtractError(f"training needs {', '.join(missing)} (the train extra); "
                          'install it with: pip install "vtract[train]"')
    if average:
        if len(average) < 2:
            raise VtractError("--average needs at least two checkpoint.pt files")
        average_checkpoints(list(average), out, seed=seed, workers=workers, reuse=max(reuse, 1),
                            log=click.echo)
        return
    s = train(out, seed=seed, minutes=minutes, iterations=iterations, threads=threads, workers=workers,
              reuse=reuse, init=init, lr=lr, average_from=average_from, log=click.echo)
    click.echo(f"{s['iterations']} iterations in {s['minutes']} min -> {s['onnx']}")
