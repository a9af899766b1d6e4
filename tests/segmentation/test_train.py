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
