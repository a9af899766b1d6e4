"""Train the learned segmenter on synthetic frames only, and export it to ONNX.

Run ``python -m vtract.segmentation.train OUT --seed 0 --minutes 30`` (or ``vtract train-segmenter OUT``).
Needs the ``train`` extra (PyTorch, MONAI, onnx). Nothing here is imported when segmenting.

* **Data**: on-the-fly samples from :func:`vtract.synth.sample` (domain-randomised synthetic anatomy and
  appearance; no real image is ever used). Each sample is normalised (:func:`normalize_intensity`) and
  resampled to the network's mm grid (:class:`NetGrid`) with the same functions used at inference; its
  fine label map becomes per-pixel class fractions on that grid (soft targets). A random crop of
  ``crop`` x ``crop`` net pixels that contains the airway (padded with air where the field of view is
  smaller) makes equal-sized batches.
* **Network**: MONAI's residual 2D U-Net, 4 down-samplings, channels 16-32-64-128-128, one output
  channel per class of :data:`NET_CLASSES`; fully convolutional, so any net-grid size that is a multiple
  of 16 works at inference.
* **Loss**: soft cross-entropy + soft Dice (MONAI ``DiceLoss``) against the soft targets; AdamW with a
  cosine learning-rate decay over the run.
* **Weight averaging** (optional): ``--average-from 0.5`` keeps a running mean of the weights over
  the last half of the run (``torch.optim.swa_utils``; Izmailov et al. 2018) and exports the mean;
  ``--average CK1 CK2 ...`` writes the uniform mean of finished runs' checkpoints (a "model soup",
  Wortsman et al. 2022). In both cases the BatchNorm statistics are re-estimated on synthetic batches.
* **Reproducible**: the generator and the weights are seeded from ``--seed``; data are generated in one
  worker process in a fixed order. ``--iterations`` fixes the run length; ``--minutes`` only caps the wall
  time (the model card records the iterations actually run, so a time-boxed run is repeated with
  ``--iterations``).
* **Outputs** in ``OUT``: ``loss.csv`` (iteration, time, loss, learning rate, validation Dice per
  structure on a fixed synthetic set), ``checkpoint.pt`` (every ``--checkpoint-minutes``), ``model.onnx``
  (opset 17, dynamic batch/height/width, softmax included), ``train.json`` (settings and summary).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ._netgrid import NET_CLASSES, NET_SPACING_MM, NetGrid, labels_to_net, normalize_intensity

__all__ = ["build_model", "make_batch_sample", "train", "average_checkpoints", "export_onnx", "main"]

#: Channels of the U-Net levels.
CHANNELS = (16, 32, 64, 128, 128)


def build_model(in_channels: int = 1, n_classes: int = len(NET_CLASSES)):
    """Return the (untrained) segmentation network, a MONAI residual U-Net.

    Parameters
    ----------
    in_channels : int
        Frames given as channels (1, or 3 for t-1, t, t+1).
    n_classes : int
        Output channels (logits).

    Returns
    -------
    torch.nn.Module
    """
    from monai.networks.nets import UNet

    return UNet(spatial_dims=2, in_channels=in_channels, out_channels=n_classes, channels=CHANNELS,
                strides=(2, 2, 2, 2), num_res_units=1, norm="batch")


def _default_source() -> Callable[..., Any]:
    from ..synth import sample

    return sample


def make_batch_sample(s: Any, rng: np.random.Generator, crop: int) -> tuple[np.ndarray, np.ndarray]:
    """Turn one synthetic sample into a fixed-size training pair on the net grid.

    Parameters
    ----------
    s : SynthSample
        With ``image`` (n_ctx, H, W), ``spacing_mm``, ``labels`` (fine grid) and ``labels_spacing_mm``.
    rng : numpy.random.Generator
        For the crop position.
    crop : int
        Output size in net pixels.

    Returns
    -------
    x : ndarray float32, shape (n_ctx, crop, crop)
    y : ndarray float32, shape (len(NET_CLASSES), crop, crop)
        Soft targets (class fractions).
    """
    img = np.asarray(s.image, np.float32)
    if img.ndim == 2:
        img = img[None]
    grid = NetGrid(img.shape[-2:], (float(s.spacing_mm), float(s.spacing_mm)))
    x = grid.to_net(normalize_intensity(img))
    y = labels_to_net(s.labels, float(s.labels_spacing_mm), grid, NET_CLASSES)
    hn, wn = grid.content_shape
    air = y[NET_CLASSES.index(1), :hn, :wn] > 0.5
    out_x = np.zeros((x.shape[0], crop, crop), np.float32)
    out_y = np.zeros((y.shape[0], crop, crop), np.float32)
    out_y[0] = 1.0
    origin = []
    for axis, n in ((0, hn), (1, wn)):
        if n <= crop:  # place the whole field of view at a random offset in the crop
            origin.append(-int(rng.integers(0, crop - n + 1)))
            continue
        idx = np.nonzero(air.any(axis=1 - axis))[0]
        lo_o, hi_o = 0, n - crop
        if idx.size:  # keep the airway inside the crop where it fits
            lo_o = max(0, min(int(idx.max()) + 1 - crop, n - crop))
            hi_o = max(lo_o, min(int(idx.min()), n - crop))
        origin.append(int(rng.integers(lo_o, hi_o + 1)))
    r0, c0 = origin
    sr0, sc0 = max(r0, 0), max(c0, 0)
    sr1, sc1 = min(r0 + crop, hn), min(c0 + crop, wn)
    out_x[:, sr0 - r0: sr1 - r0, sc0 - c0: sc1 - c0] = x[:, sr0:sr1, sc0:sc1]
    out_y[:, sr0 - r0: sr1 - r0, sc0 - c0: sc1 - c0] = y[:, sr0:sr1, sc0:sc1]
    return out_x, out_y


def _stream(seed: int, context: int, crop: int, source: Callable[..., Any], reuse: int = 1,
            pool: int = 8) -> Iterator:
    """Training pairs: ``pool`` samples at a time, ``reuse`` random crops of each, shuffled."""
    rng = np.random.default_rng(seed)
    while True:
        items = []
        for _ in range(pool):
            s = source(rng, context=context)
            items += [make_batch_sample(s, rng, crop) for _ in range(reuse)]
        for i in rng.permutation(len(items)):
            yield items[i]


def _dataset(seed: int, context: int, crop: int, source: Callable[..., Any], reuse: int = 1):
    import torch

    class _Synth(torch.utils.data.IterableDataset):
        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            wid = 0 if info is None else info.id  # each worker its own seeded stream
            for x, y in _stream(seed * 1000 + wid, context, crop, source, reuse):
                yield torch.from_numpy(x), torch.from_numpy(y)

    return _Synth()


def _dice_per_class(prob, target) -> np.ndarray:
    import torch

    hard = torch.nn.functional.one_hot(prob.argmax(1), prob.shape[1]).permute(0, 3, 1, 2).float()
    tgt = torch.nn.functional.one_hot(target.argmax(1), prob.shape[1]).permute(0, 3, 1, 2).float()
    inter = (hard * tgt).sum((0, 2, 3))
    den = hard.sum((0, 2, 3)) + tgt.sum((0, 2, 3))
    return (2 * inter / den.clamp_min(1)).numpy()


def _validation_set(seed: int, context: int, crop: int, n_val: int, source: Callable[..., Any]):
    """Return the fixed synthetic validation batch of a run with ``seed`` (inputs, soft targets)."""
    import torch

    vrng = np.random.default_rng(seed + 10_000)
    val = [make_batch_sample(source(vrng, context=context), vrng, crop) for _ in range(n_val)]
    return (torch.from_numpy(np.stack([v[0] for v in val])),
            torch.from_numpy(np.stack([v[1] for v in val])))


def _write_run(model, out: Path, *, context: int, vx, vy, source: Callable[..., Any],
               checkpoint: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    """Finish a run folder: validate, save ``checkpoint.pt``, export ``model.onnx``, write ``train.json``.

    ``checkpoint`` and ``summary`` hold what is particular to the run; the network's settings, the
    synthetic validation Dice, the ONNX file and the generator version are added here.
    """
    import torch

    model.eval()
    with torch.no_grad():
        val_dice = _dice_per_class(torch.softmax(model(vx), 1), vy)[1:]
    torch.save({"model": model.state_dict(), "context": context, **checkpoint}, out / "checkpoint.pt")
    onnx_path = export_onnx(model, out / "model.onnx", context=context)
    summary = {**summary, "net_spacing_mm": NET_SPACING_MM, "classes": list(NET_CLASSES),
               "channels": list(CHANNELS),
               "val_dice_synthetic": {str(c): float(d) for c, d in zip(NET_CLASSES[1:], val_dice)},
               "onnx": str(onnx_path), "onnx_bytes": onnx_path.stat().st_size,
               "source": f"{source.__module__}.{getattr(source, '__name__', 'source')}"}
    try:
        from ..synth import GENERATOR_VERSION

        summary["generator_version"] = GENERATOR_VERSION
    except ImportError:
        pass
    (out / "train.json").write_text(json.dumps(summary, indent=2))
    return summary


def train(out_dir: str | Path, *, seed: int = 0, minutes: float = 60.0, iterations: int | None = None,
          batch_size: int = 16, crop: int = 96, context: int = 1, lr: float = 2e-3,
          threads: int = 1, workers: int = 1, n_val: int = 48, val_every: int = 50,
          checkpoint_minutes: float = 5.0, reuse: int = 1, init: str | Path | None = None,
          average_from: float | None = None, average_every: int = 10, bn_batches: int = 64,
          source: Callable[..., Any] | None = None,
          log: Callable[[str], None] | None = print) -> dict[str, Any]:
    """Train the segmenter on synthetic samples and export ``model.onnx``.

    Parameters
    ----------
    out_dir : str or Path
        Output folder (created).
    seed : int
        Seed of the data generator and of the weights.
    minutes : float
        Wall-time cap of the optimisation (minutes).
    iterations : int, optional
        Number of optimisation steps (the run length that makes a run reproducible); by default
        the run lasts ``minutes``.
    batch_size, crop : int
        Samples per step and their size in net pixels (``NET_SPACING_MM`` each).
    context : int
        Frames per sample (1; 3 for t-1, t, t+1 as channels).
    lr : float
        Peak AdamW learning rate (cosine decay to 2 % over the run).
    threads, workers : int
        Torch intra-op threads; data-generating worker processes (0 = generate in the main loop).
    n_val, val_every : int
        Size of the fixed synthetic validation set; steps between validations.
    checkpoint_minutes : float
        Minutes between checkpoints.
    reuse : int
        Random crops taken from each generated sample (> 1 when generating is the bottleneck).
    init : str or Path, optional
        ``checkpoint.pt`` to start from (fine-tuning) instead of random weights.
    average_from : float, optional
        Fraction of the run (0-1) after which a running mean of the weights is kept (every
        ``average_every`` steps); the mean, with BatchNorm statistics re-estimated on ``bn_batches``
        synthetic batches, is what ``checkpoint.pt`` and ``model.onnx`` then hold. Default: no averaging.
    average_every, bn_batches : int
        Steps between weight-averaging updates; synthetic batches for the BatchNorm re-estimation.
    source : callable, optional
        ``source(rng, context=...) -> SynthSample``; default :func:`vtract.synth.sample`.
    log : callable or None
        Progress printer.

    Returns
    -------
    dict
        Summary (iterations, minutes, final loss, validation Dice per class, paths).
    """
    import torch
    from monai.losses import DiceLoss

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    source = source or _default_source()
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    model = build_model(context)
    if init is not None:
        model.load_state_dict(torch.load(str(init), map_location="cpu")["model"])
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    if average_from is not None and not 0.0 <= average_from < 1.0:
        raise ValueError(f"average_from must lie in [0, 1), got {average_from}")
    averaged = None
    n_averaged = 0
    dice = DiceLoss(softmax=True, include_background=False, batch=True)
    loader = torch.utils.data.DataLoader(_dataset(seed, context, crop, source, reuse),
                                         batch_size=batch_size, num_workers=workers,
                                         persistent_workers=workers > 0)
    vx, vy = _validation_set(seed, context, crop, n_val, source)
    fields = ["iteration", "minutes", "loss", "lr"] + [f"val_dice_{c}" for c in NET_CLASSES[1:]]
    rows: list[dict[str, Any]] = []
    t0 = time.time()
    last_ck = t0
    it = 0
    loss_ema = float("nan")
    val_dice = np.full(len(NET_CLASSES) - 1, np.nan)
    with open(out / "loss.csv", "w", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=fields)
        wr.writeheader()
        for xb, yb in loader:
            elapsed = (time.time() - t0) / 60.0
            frac = it / iterations if iterations else elapsed / minutes
            if frac >= 1.0 or (iterations and elapsed >= minutes):
                break
            cur_lr = lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0))))
            for g in opt.param_groups:
                g["lr"] = cur_lr
            model.train()
            logits = model(xb)
            ce = -(yb * torch.log_softmax(logits, 1)).sum(1).mean()
            loss = ce + dice(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            it += 1
            if average_from is not None and frac >= average_from and it % average_every == 0:
                if averaged is None:
                    averaged = torch.optim.swa_utils.AveragedModel(model)
                else:
                    averaged.update_parameters(model)
                n_averaged += 1
            lv = float(loss.detach())
            loss_ema = lv if math.isnan(loss_ema) else 0.9 * loss_ema + 0.1 * lv
            row: dict[str, Any] = {"iteration": it, "minutes": round(elapsed, 3), "loss": round(lv, 5),
                                   "lr": cur_lr}
            if it % val_every == 0:
                model.eval()
                with torch.no_grad():
                    val_dice = _dice_per_class(torch.softmax(model(vx), 1), vy)[1:]
                for c, d in zip(NET_CLASSES[1:], val_dice):
                    row[f"val_dice_{c}"] = round(float(d), 4)
                if log:
                    log(f"it {it} {elapsed:.1f} min loss {loss_ema:.4f} val Dice airway "
                        f"{val_dice[0]:.3f} tongue {val_dice[1]:.3f} palate {val_dice[2]:.3f} "
                        f"velum {val_dice[3]:.3f}")
            rows.append(row)
            wr.writerow(row)
            fh.flush()
            if time.time() - last_ck > checkpoint_minutes * 60:
                torch.save({"model": model.state_dict(), "iteration": it, "context": context},
                           out / "checkpoint.pt")
                last_ck = time.time()
        if averaged is not None:
            # the BatchNorm statistics of a weight mean are not the mean of the statistics: re-estimate
            # them on further synthetic batches from the same stream
            torch.optim.swa_utils.update_bn(itertools.islice(loader, bn_batches), averaged)
            model = averaged.module
    minutes_run = (time.time() - t0) / 60.0
    summary = _write_run(
        model, out, context=context, vx=vx, vy=vy, source=source, checkpoint={"iteration": it},
        summary={"seed": seed, "iterations": it, "minutes": round(minutes_run, 2),
                 "batch_size": batch_size, "crop": crop, "context": context, "lr": lr,
                 "reuse": reuse, "workers": workers, "init": str(init) if init else None,
                 "average_from": average_from, "average_every": average_every,
                 "n_averaged": n_averaged, "bn_batches": bn_batches if averaged is not None else 0,
                 "final_loss_ema": loss_ema, "first_loss": rows[0]["loss"] if rows else None})
    if log:
        log(f"done: {it} iterations in {minutes_run:.1f} min -> {summary['onnx']}")
    return summary


def average_checkpoints(checkpoints: list[str | Path], out_dir: str | Path, *, seed: int = 0,
                        bn_batches: int = 64, batch_size: int = 16, crop: int = 96, reuse: int = 2,
                        workers: int = 1, n_val: int = 48, source: Callable[..., Any] | None = None,
                        log: Callable[[str], None] | None = print) -> dict[str, Any]:
    """Write the uniform weight mean of finished runs (a "model soup") as a new run folder.

    Meant for runs fine-tuned from one common checkpoint (they share a loss basin, so their mean is
    a working network; Wortsman et al. 2022). The BatchNorm statistics are re-estimated on synthetic
    batches, as after :func:`train`'s own weight averaging.

    Parameters
    ----------
    checkpoints : list of str or Path
        ``checkpoint.pt`` files of runs with the same architecture and ``context``.
    out_dir : str or Path
        Output folder (created): ``checkpoint.pt``, ``model.onnx``, ``train.json``.
    seed : int
        Seed of the synthetic batches (BatchNorm statistics) and of the validation set.
    bn_batches, batch_size, crop, reuse, workers : int
        Synthetic batches for the BatchNorm re-estimation and how they are drawn (as in :func:`train`).
    n_val : int
        Size of the fixed synthetic validation set (the same set :func:`train` uses for ``seed``).
    source : callable, optional
        ``source(rng, context=...) -> SynthSample``; default :func:`vtract.synth.sample`.
    log : callable or None
        Progress printer.

    Returns
    -------
    dict
        Summary (inputs, validation Dice per class, paths).
    """
    import torch

    if len(checkpoints) < 2:
        raise ValueError("average_checkpoints needs at least two checkpoints")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    source = source or _default_source()
    cks = [torch.load(str(c), map_location="cpu") for c in checkpoints]
    context = int(cks[0].get("context", 1))
    if any(int(c.get("context", 1)) != context for c in cks):
        raise ValueError("checkpoints differ in context (frames per sample); they cannot be averaged")
    state = {}
    for key, ref in cks[0]["model"].items():
        if key.endswith("num_batches_tracked") or not torch.is_floating_point(ref):
            state[key] = ref
        else:
            state[key] = torch.stack([c["model"][key].float() for c in cks]).mean(0).to(ref.dtype)
    torch.manual_seed(seed)
    model = build_model(context)
    model.load_state_dict(state)
    loader = torch.utils.data.DataLoader(_dataset(seed, context, crop, source, reuse),
                                         batch_size=batch_size, num_workers=workers)
    torch.optim.swa_utils.update_bn(itertools.islice(loader, bn_batches), model)
    vx, vy = _validation_set(seed, context, crop, n_val, source)
    inputs = [str(c) for c in checkpoints]
    summary = _write_run(
        model, out, context=context, vx=vx, vy=vy, source=source,
        checkpoint={"iteration": 0, "averaged": inputs},
        summary={"averaged": inputs, "seed": seed, "bn_batches": bn_batches, "batch_size": batch_size,
                 "crop": crop, "context": context, "reuse": reuse})
    if log:
        log(f"averaged {len(checkpoints)} checkpoints -> {summary['onnx']}; synthetic val Dice "
            + " ".join(f"{c}:{d:.3f}" for c, d in summary["val_dice_synthetic"].items()))
    return summary


def export_onnx(model, path: str | Path, *, context: int = 1) -> Path:
    """Export the network with a softmax head to ONNX (opset 17, dynamic batch/height/width).

    Parameters
    ----------
    model : torch.nn.Module
        The trained U-Net (logits out).
    path : str or Path
        Output ``.onnx`` file.
    context : int
        Input channels (frames per sample).

    Returns
    -------
    Path
    """
    import onnx
    import torch

    class _WithSoftmax(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            return torch.softmax(self.net(x), 1)

    path = Path(path)
    model.eval()
    wrapped = _WithSoftmax(model).eval()
    dummy = torch.zeros(1, context, 96, 96)
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated but handles dynamic H/W
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(wrapped, (dummy,), str(path), input_names=["image"], output_names=["prob"],
                          dynamic_axes={"image": {0: "n", 2: "h", 3: "w"},
                                        "prob": {0: "n", 2: "h", 3: "w"}},
                          opset_version=17, dynamo=False)
    m = onnx.load(str(path))
    meta = {"vtract_classes": json.dumps(list(NET_CLASSES)), "vtract_net_spacing_mm": str(NET_SPACING_MM),
            "vtract_context": str(context)}
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.save(m, str(path))
    return path


def export_checkpoint(checkpoint: str | Path, path: str | Path) -> Path:
    """Export a saved ``checkpoint.pt`` to ONNX (to evaluate a run while it trains)."""
    import torch

    ck = torch.load(str(checkpoint), map_location="cpu")
    model = build_model(int(ck.get("context", 1)))
    model.load_state_dict(ck["model"])
    return export_onnx(model, path, context=int(ck.get("context", 1)))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``python -m vtract.segmentation.train``).

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``); ``--help`` lists them.

    Returns
    -------
    int
        Exit status (0 on success).
    """
    ap = argparse.ArgumentParser(prog="python -m vtract.segmentation.train",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("out", help="output folder")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--minutes", type=float, default=60.0, help="wall-time cap (minutes)")
    ap.add_argument("--iterations", type=int, default=None, help="optimisation steps (reproducible)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--context", type=int, default=1, choices=(1, 3))
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: on a shared machine OpenMP spin-waits make 2 slower)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--reuse", type=int, default=1, help="random crops per generated sample")
    ap.add_argument("--init", default=None, help="checkpoint.pt to fine-tune from")
    ap.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (cosine decay to 2%%)")
    ap.add_argument("--average-from", type=float, default=None, metavar="FRAC",
                    help="average the weights over the run after this fraction of it (e.g. 0.5)")
    ap.add_argument("--average", action="append", metavar="CHECKPOINT", default=None,
                    help="only write OUT as the uniform weight mean of these checkpoint.pt files "
                         "(repeat the option, at least twice)")
    ap.add_argument("--export-checkpoint", metavar="ONNX", default=None,
                    help="only export OUT/checkpoint.pt to this ONNX file and exit")
    a = ap.parse_args(argv)
    if a.export_checkpoint:
        export_checkpoint(Path(a.out) / "checkpoint.pt", a.export_checkpoint)
        return 0
    if a.average:
        if len(a.average) < 2:
            ap.error("--average needs at least two checkpoint.pt files")
        average_checkpoints(a.average, a.out, seed=a.seed, batch_size=a.batch_size, crop=a.crop,
                            reuse=max(a.reuse, 1), workers=a.workers)
        return 0
    train(a.out, seed=a.seed, minutes=a.minutes, iterations=a.iterations, batch_size=a.batch_size,
          crop=a.crop, context=a.context, threads=a.threads, workers=a.workers, reuse=a.reuse,
          init=a.init, lr=a.lr, average_from=a.average_from)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
