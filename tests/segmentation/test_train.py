"""Training smoke test: a few iterations on tiny inputs (seconds), loss decreases, ONNX export loads."""

import csv
import json
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("torch", reason="training needs the train extra (torch)")
pytest.importorskip("monai", reason="training needs the train extra (monai)")

from vtract.segmentation._net import NetModel  # noqa: E402
from vtract.segmentation._netgrid import NET_CLASSES, NET_SPACING_MM  # noqa: E402
from vtract.segmentation.train import make_batch_sample, train  # noqa: E402


def tiny_source(rng, *, context=1):
    """A dark disk (airway) under a bright bar (palate) in grey tissue; labels on a 2x finer grid."""
    n, sp = 24, NET_SPACING_MM
    fine = np.zeros((2 * n, 2 * n), np.uint8)
    yy, xx = np.mgrid[: 2 * n, : 2 * n]
    cy, cx, r = rng.uniform(16, 32), rng.uniform(16, 32), rng.uniform(5, 10)
    fine[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = 1
    fine[int(cy - r - 4): int(cy - r), 8:40] = 3
    img = np.where(fine == 1, 0.05, np.where(fine == 3, 1.6, 1.0)).astype(np.float32)
    img = img.reshape(n, 2, n, 2).mean((1, 3)) + rng.normal(0, 0.03, (n, n)).astype(np.float32)
    return SimpleNamespace(image=np.repeat(img[None], context, 0), spacing_mm=sp, labels=fine,
                           labels_spacing_mm=sp / 2, meta={})


def test_batch_sample_shapes_and_soft_targets():
    rng = np.random.default_rng(0)
    x, y = make_batch_sample(tiny_source(rng), rng, crop=32)
    assert x.shape == (1, 32, 32) and y.shape == (len(NET_CLASSES), 32, 32)
    np.testing.assert_allclose(y.sum(0), 1.0, atol=1e-5)
    assert y[NET_CLASSES.index(1)].sum() > 10  # the airway is inside the crop


def test_training_smoke_loss_decreases_and_exports(tmp_path):
    s = train(tmp_path, seed=0, iterations=12, minutes=2.0, batch_size=4, crop=32, workers=0,
              threads=1, n_val=2, val_every=6, lr=3e-3, source=tiny_source, log=None)
    assert s["iterations"] == 12
    with open(tmp_path / "loss.csv") as fh:
        loss = [float(r["loss"]) for r in csv.DictReader(fh)]
    assert len(loss) == 12
    assert np.mean(loss[-3:]) < np.mean(loss[:3])
    m = NetModel(tmp_path / "model.onnx", threads=1)
    assert m.classes == NET_CLASSES and m.spacing_mm == NET_SPACING_MM
    p = m.predict(np.zeros((1, 1, 48, 64), np.float32))
    assert p.shape == (1, len(NET_CLASSES), 48, 64)
    # reproducible from the seed (the first two steps share the learning rate of the longer run)
    s2 = train(tmp_path / "again", seed=0, iterations=2, minutes=2.0, batch_size=4, crop=32, workers=0,
               threads=1, n_val=2, val_every=6, lr=3e-3, source=tiny_source, log=None)
    with open(tmp_path / "again" / "loss.csv") as fh:
        loss2 = [float(r["loss"]) for r in csv.DictReader(fh)]
    np.testing.assert_allclose(loss2, loss[:2], rtol=1e-4)
    assert s2["iterations"] == 2


def test_fine_tuning_starts_from_the_checkpoint(tmp_path):
    kw = dict(seed=0, minutes=2.0, batch_size=4, crop=32, workers=0, threads=1, n_val=2, val_every=6,
              lr=3e-3, source=tiny_source, log=None)
    train(tmp_path / "a", iterations=12, **kw)
    train(tmp_path / "b", iterations=1, init=tmp_path / "a" / "checkpoint.pt", **kw)
    first = {}
    for run in ("a", "b"):
        with open(tmp_path / run / "loss.csv") as fh:
            first[run] = float(next(csv.DictReader(fh))["loss"])
    # the same first batch (same seed), but the fine-tuned weights already fit it better
    assert first["b"] < first["a"]
    with open(tmp_path / "b" / "train.json") as fh:
        assert json.load(fh)["init"] == str(tmp_path / "a" / "checkpoint.pt")


def _kw():
    return dict(seed=0, minutes=2.0, batch_size=4, crop=32, workers=0, threads=1, n_val=2, val_every=6,
                lr=3e-3, source=tiny_source, log=None)


def test_weight_averaging_over_the_end_of_a_run(tmp_path):
    import torch

    s = train(tmp_path / "swa", iterations=12, average_from=0.5, average_every=2, bn_batches=3, **_kw())
    assert s["n_averaged"] == 3 and s["bn_batches"] == 3  # steps 8, 10 and 12 (the second half)
    ck = torch.load(str(tmp_path / "swa" / "checkpoint.pt"), map_location="cpu")
    assert not any(k.startswith("module.") or k == "n_averaged" for k in ck["model"])  # a plain U-Net
    assert NetModel(tmp_path / "swa" / "model.onnx", threads=1).classes == NET_CLASSES
    with pytest.raises(ValueError, match="average_from"):
        train(tmp_path / "bad", iterations=2, average_from=1.0, **_kw())


def test_average_checkpoints_is_the_weight_mean_with_new_batchnorm_statistics(tmp_path):
    import torch

    from vtract.segmentation.train import average_checkpoints

    train(tmp_path / "a", iterations=8, **_kw())
    train(tmp_path / "b", iterations=4, init=tmp_path / "a" / "checkpoint.pt", **_kw())
    cks = [tmp_path / r / "checkpoint.pt" for r in ("a", "b")]
    s = average_checkpoints(cks, tmp_path / "soup", bn_batches=2, batch_size=4, crop=32, reuse=1,
                            workers=0, n_val=2, source=tiny_source, log=None)
    a, b, m = (torch.load(str(p), map_location="cpu")["model"]
               for p in (*cks, tmp_path / "soup" / "checkpoint.pt"))
    conv = next(k for k, v in a.items() if k.endswith("conv.weight") and v.ndim == 4)
    torch.testing.assert_close(m[conv], (a[conv] + b[conv]) / 2)
    stat = next(k for k in a if k.endswith("running_mean"))
    assert not torch.allclose(m[stat], (a[stat] + b[stat]) / 2)  # re-estimated, not averaged
    assert s["averaged"] == [str(c) for c in cks] and set(s["val_dice_synthetic"]) == {
        str(c) for c in NET_CLASSES[1:]}
    assert NetModel(tmp_path / "soup" / "model.onnx", threads=1).classes == NET_CLASSES
    with pytest.raises(ValueError, match="two checkpoints"):
        average_checkpoints(cks[:1], tmp_path / "one", source=tiny_source, log=None)


def test_cli_average_needs_two_checkpoints(tmp_path, capsys):
    from vtract.cli import main

    train(tmp_path / "a", iterations=2, **_kw())
    code = main(["train-segmenter", str(tmp_path / "soup"), "--average", str(tmp_path / "a" / "checkpoint.pt")])
    assert code != 0
    assert "at least two" in capsys.readouterr().err
    assert not (tmp_path / "soup" / "model.onnx").exists()
