"""The learned segmenter: ONNX inference, post-processing from labels, and the :class:`Segmentation`.

Method:

1. **Input**: each frame normalised on its own (:func:`normalize_intensity`) and resampled to the
   network's mm grid (:class:`NetGrid`), the same functions the training used on synthetic samples;
   the grid is a fixed 307 mm canvas anchored to the head (:func:`head_origin`: the tissue
   centroid at its centre, at a fixed phase of the U-Net's pooling period), so shifting or padding
   the input does not change what the network sees.
2. **Network** (:mod:`vtract.segmentation.train`; weights ``vtract/data/segmenter/model.onnx``, model card
   ``MODEL.md``): a small 2D U-Net trained on domain-randomised synthetic frames only, run with
   onnxruntime (no torch needed). Its class probabilities are resampled back to the input grid
   (bilinear), so label boundaries sit sub-pixel on any matrix and pixel size.
3. **Temporal smoothing**: probabilities averaged over frames ``t-1, t, t+1`` with weights 1/4, 1/2,
   1/4 (``temporal=0`` switches it off). A dropout frame (blank, or darker than half the session's
   median, the rule of :func:`vtract.qc.frame_flags`) carries no image: it is segmented as its nearest
   earlier valid frame, and flagged.
4. **Labels**: per-pixel most probable class; then tongue, hard palate and velum are each kept as
   their largest connected component (stray islands go to background); the airway keeps its
   largest component plus the pieces a closure splits off (>= ``AIR_PIECE_MM2``, within
   ``AIR_GAP_MM`` of it or bordering the tongue and a wall of ``TRACT_WALLS``). A frame with no airway or
   no tongue pixel gets the largest component of the pixels where that class is at least half as
   probable as its maximum in the frame, so no frame is left without them.
5. **Geometry** (:mod:`._labelgeom`): midline, walls, velopharyngeal port and upper-lip front from
   the labels by :func:`vtract.measures.geometry_from_labels` (the path the measures use too); the
   hard palate's oral surface from the sequence's mean palate probability.
6. **QC**: confidence = mean winning probability over the airway and its 1-pixel rim (how sure the
   network is about the boundary) times the share of the tract that is open; flags from
   :func:`vtract.qc.frame_flags`.

Frames are processed in chunks, so memory beyond the label output does not grow with the sequence.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage as ndi

from .. import labels as L
from ..errors import SegmentationError
from ..measures._from_labels import FrameGeometryCache, frame_geometries, labels_digest
from ..sequence import Sequence
from ._labelgeom import palate_surface, walls_from_labels
from ._netgrid import NET_CANVAS_PX, NetGrid, head_origin, normalize_intensity
from ._result import Segmentation

__all__ = ["segment_net", "default_model_path", "NetModel", "load_model"]

_LOCK = threading.Lock()
#: Airway pieces split off by a closure are kept when at least this large (mm^2) ...
AIR_PIECE_MM2 = 10.0
#: ... and within this distance of the largest piece (mm): a closure is a few mm of tissue ...
AIR_GAP_MM = 10.0
#: ... or, however far, when they border the tongue and one of these walls: a section of the tract
#: (a long dorsum-velum contact can cut the pharynx off by 20 mm or more; a tongue-tip closure cuts
#: off the front cavity, bounded by the tongue, the incisors and the lips), not a stray island
#: (nasal cavity, sinus and outside air border no tongue). The walls are the tract's outer wall, the
#: same structures as the phantom's (:data:`vtract.phantom._geometry.OUTER_NAMES`).
TRACT_WALLS = (L.HARD_PALATE, L.VELUM, L.PHARYNGEAL_WALL, L.LIPS, L.TEETH)


def default_model_path() -> Path:
    """Path of the shipped model (``vtract/data/segmenter/model.onnx``)."""
    return Path(str(resources.files("vtract") / "data" / "segmenter" / "model.onnx"))


class NetModel:
    """An onnxruntime session of the segmenter plus the metadata stored in the ONNX file.

    Parameters
    ----------
    path : str or Path
        ``.onnx`` file written by :func:`vtract.segmentation.train.export_onnx`.
    threads : int
        onnxruntime intra-op threads (0 = onnxruntime's default, all cores; 1 for a single core).
    """

    def __init__(self, path: str | Path, threads: int = 0):
        import onnxruntime as ort

        self.path = Path(path)
        if not self.path.is_file():
            raise SegmentationError(f"segmenter model {self.path} not found; reinstall vtract or pass "
                                    "model= the path of a model.onnx written by "
                                    "`vtract train-segmenter`")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(self.path), sess_options=opts,
                                            providers=["CPUExecutionProvider"])
        meta = self.session.get_modelmeta().custom_metadata_map
        try:
            self.classes = tuple(int(v) for v in json.loads(meta["vtract_classes"]))
            self.spacing_mm = float(meta["vtract_net_spacing_mm"])
            self.context = int(meta.get("vtract_context", "1"))
        except KeyError as exc:
            raise SegmentationError(f"{self.path} lacks the vtract metadata {exc}; export it with "
                                    "vtract.segmentation.train.export_onnx") from None
        self.input_name = self.session.get_inputs()[0].name

    def predict(self, x: np.ndarray, batch: int = 16) -> np.ndarray:
        """Class probabilities on the net grid.

        Parameters
        ----------
        x : ndarray float32, shape (n, context, Hn, Wn)
            Normalised frames on the net grid.
        batch : int
            Frames per onnxruntime call.

        Returns
        -------
        ndarray float32, shape (n, n_classes, Hn, Wn)
        """
        out = []
        for i in range(0, len(x), batch):
            out.append(self.session.run(None, {self.input_name: np.ascontiguousarray(
                x[i:i + batch], np.float32)})[0])
        return np.concatenate(out) if out else np.zeros((0, len(self.classes), *x.shape[2:]), np.float32)


@lru_cache(maxsize=4)
def _cached(path: str, threads: int) -> NetModel:
    return NetModel(path, threads)


def load_model(path: str | Path | None = None, *, threads: int = 0) -> NetModel:
    """Load (once per process) the segmenter model.

    Parameters
    ----------
    path : str or Path, optional
        ONNX file; default the shipped model.
    threads : int
        onnxruntime intra-op threads (0 = default).

    Returns
    -------
    NetModel
    """
    with _LOCK:
        return _cached(str(path or default_model_path()), int(threads))


def _largest(mask: np.ndarray) -> np.ndarray:
    lab, n = ndi.label(mask)
    if n <= 1:
        return mask
    return lab == (np.argmax(np.bincount(lab.ravel())[1:]) + 1)


def _borders(comp: np.ndarray, n: int, lab: np.ndarray, values: tuple[int, ...]) -> np.ndarray:
    """Which of the ``n`` labelled pieces ``comp`` touch a pixel of ``lab`` in ``values`` (bool, n+1)."""
    ring = ndi.binary_dilation(np.isin(lab, values))
    return np.bincount(comp[ring].ravel(), minlength=n + 1) > 0


def _post_labels(prob: np.ndarray, classes: tuple[int, ...], spacing_mm: tuple[float, float]) -> np.ndarray:
    """Labels of one frame from its probabilities ``(C, ny, nx)`` (see the module docstring, step 4)."""
    win = np.argmax(prob, axis=0)
    lab = np.asarray(classes, np.uint8)[win]
    px_area = spacing_mm[0] * spacing_mm[1]
    for v in (L.AIRWAY, L.TONGUE, L.HARD_PALATE, L.VELUM):
        if v not in classes:
            continue
        m = lab == v
        if not m.any() and v in (L.AIRWAY, L.TONGUE):
            p = prob[classes.index(v)]
            m = (p >= 0.5 * float(p.max())) & (p > 0)
            if not m.any():
                continue
        keep = _largest(m)
        if v == L.AIRWAY:
            # a closure (lips, tongue tip or dorsum against the palate, velum against the wall)
            # splits the airway: pieces of >= AIR_PIECE_MM2 within AIR_GAP_MM of the largest stay, and
            # sections of the tract farther off (bordering the tongue and a wall)
            comp, nc = ndi.label(m & ~keep)
            if nc:
                near = ndi.distance_transform_edt(~keep, sampling=spacing_mm) <= AIR_GAP_MM
                sizes = np.bincount(comp.ravel(), minlength=nc + 1) * px_area
                touch = np.bincount(comp[near].ravel(), minlength=nc + 1) > 0
                section = (_borders(comp, nc, lab, (L.TONGUE,))
                           & _borders(comp, nc, lab, TRACT_WALLS))
                ok = (sizes >= AIR_PIECE_MM2) & (touch | section)
                ok[0] = False
                keep = keep | ok[comp]
        lab[m & ~keep] = L.BACKGROUND
        lab[keep] = v
    return lab


def _smooth(prob: np.ndarray, prev: np.ndarray | None, nxt: np.ndarray | None) -> np.ndarray:
    """Temporal [1/4, 1/2, 1/4] average (edge frames reuse themselves)."""
    a = prev if prev is not None else prob
    b = nxt if nxt is not None else prob
    return 0.25 * a + 0.5 * prob + 0.25 * b


def segment_net(sequence: Sequence, *, model: str | Path | None = None, n_points: int = 64,
                temporal: int = 1, chunk_size: int = 64, threads: int = 0,
                max_wall_mm: float = 30.0) -> Segmentation:
    """Segment every frame with the learned segmenter.

    Parameters
    ----------
    sequence : Sequence
        Frames in the canonical view. The pixel spacing is needed (the network works in mm).
    model : str or Path, optional
        ONNX model; default the shipped one.
    n_points : int
        Grid lines along the tract midline; the walls have these and the tract's two ends
        (glottis, lips), ``n_points + 2`` points, the grid :func:`vtract.measure` uses.
    temporal : {0, 1}
        1: average probabilities over ``t-1, t, t+1`` (weights 1/4, 1/2, 1/4); 0: frames alone.
    chunk_size : int
        Frames processed at a time (bounds the working memory).
    threads : int
        onnxruntime threads (0 = default, 1 = single core).
    max_wall_mm : float
        Longest search along a grid line for a wall (mm).

    Returns
    -------
    Segmentation

    Raises
    ------
    SegmentationError
        When the sequence has no pixel spacing or the model cannot be loaded.
    """
    if sequence.pixel_spacing_mm is None:
        raise SegmentationError(
            f"{sequence.source or 'the sequence'} has no pixel spacing: the learned segmenter works "
            "in mm; give the spacing (e.g. --pixel-spacing / pixel_spacing_mm in the manifest) or "
            "use method='classic'")
    net = load_model(model, threads=threads)
    frames = sequence.frames
    if frames.size == 0 or float(np.ptp(frames[:: max(1, len(frames) // 50)])) <= 0:
        raise SegmentationError(f"no head found in {sequence.source or 'the sequence'}: the frames "
                                "are blank (constant intensity)")
    n, ny, nx = frames.shape
    spacing = (float(sequence.pixel_spacing_mm[0]), float(sequence.pixel_spacing_mm[1]))
    px_mm = float(np.mean(spacing))
    sub = frames[:: max(1, n // 50)]  # at most ~50 frames locate the head
    grid = NetGrid((ny, nx), spacing, net.spacing_mm,
                   origin_mm=head_origin(sub, spacing, net.spacing_mm), canvas_px=NET_CANVAS_PX)
    classes = net.classes
    ctx = net.context
    ci = {v: classes.index(v) for v in classes}

    # dropout frames (blank, or darker than half the session's median: see vtract.qc.frame_flags)
    # carry no image: they take the nearest earlier (else later) valid frame's input, and QC flags them
    fmean = frames.mean(axis=(1, 2), dtype=np.float64)
    valid = (fmean >= 0.5 * float(np.median(fmean))) & (np.ptp(frames.reshape(n, -1), axis=1) > 0)
    src = np.where(valid, np.arange(n), -1)
    src = np.maximum.accumulate(src)
    first_valid = int(np.argmax(valid)) if valid.any() else 0
    src[src < 0] = first_valid

    def probs(k0: int, k1: int) -> np.ndarray:
        idx = src[np.arange(k0, k1)]
        if ctx == 1:
            x = normalize_intensity(frames[idx])[:, None]
        else:
            h = ctx // 2
            nb = src[np.clip(idx[:, None] + np.arange(-h, h + 1)[None, :], 0, n - 1)]
            x = normalize_intensity(frames[nb])
        p = net.predict(grid.to_net(x))
        return grid.from_net(p)

    labels = np.zeros((n, ny, nx), np.uint8)
    p_pal_sum = np.zeros((ny, nx), np.float64)
    conf_net = np.zeros(n, np.float32)
    m = n_points + 2  # the grid lines and the tract's two ends (glottis, lips)
    fields = {"midline": np.full((n, m, 2), np.nan, np.float32),
              "upper": np.full((n, m, 2), np.nan, np.float32),
              "lower": np.full((n, m, 2), np.nan, np.float32),
              "width": np.full((n, m), np.nan, np.float32),
              "landmarks": np.zeros((n, 6), np.int16), "port": np.full(n, np.nan, np.float32),
              "lip_front": np.full(n, np.nan, np.float32), "closed": np.ones(n, np.float32)}
    prev_p: np.ndarray | None = None
    per_frame: list = []  # per-frame label geometry, kept for vtract.measure (no second pass)
    for c0 in range(0, n, chunk_size):
        c1 = min(n, c0 + chunk_size)
        big = probs(c0, min(n, c1 + 1))  # one frame of look-ahead for the temporal smoothing
        chunk_p = []
        for j in range(c1 - c0):
            p = big[j]
            if temporal:
                before = big[j - 1] if j > 0 else prev_p
                after = big[j + 1] if j + 1 < len(big) else None
                p = _smooth(p, before, after)
            chunk_p.append(p)
        prev_p = big[c1 - c0 - 1]
        for j, p in enumerate(chunk_p):
            k = c0 + j
            labels[k] = _post_labels(p, classes, spacing)
            if L.HARD_PALATE in ci:
                p_pal_sum += p[ci[L.HARD_PALATE]]
            air = labels[k] == L.AIRWAY
            rim = ndi.binary_dilation(air) if air.any() else air
            conf_net[k] = float(p.max(axis=0)[rim].mean()) if rim.any() else 0.0
        per = frame_geometries(labels[c0:c1], spacing, frames[src[c0:c1]], n_points=n_points,
                               max_wall_mm=max_wall_mm)
        w = walls_from_labels(labels[c0:c1], frames[src[c0:c1]], spacing, n_points=n_points,
                              max_wall_mm=max_wall_mm, per_frame=per)
        per_frame += per
        for key, arr in w.items():
            fields[key][c0:c1] = arr
        del big, chunk_p
    palate = palate_surface(p_pal_sum / max(n, 1)) if L.HARD_PALATE in ci else np.zeros((0, 2))
    # entries of dropout frames came from a neighbour's image: the measures recompute those
    cache = FrameGeometryCache(labels_digest(labels), spacing, n_points, float(max_wall_mm),
                               tuple(per_frame), src == np.arange(n))
    return _assemble(sequence, labels, fields, palate, conf_net, px_mm, cache=cache,
                     settings=dict(method="net", model=str(net.path), net_spacing_mm=net.spacing_mm,
                                   classes=list(classes), context=ctx, n_points=n_points,
                                   temporal=temporal, chunk_size=chunk_size,
                                   max_wall_mm=max_wall_mm, pixel_mm_used=px_mm))


def _assemble(sequence: Sequence, labels: np.ndarray, f: dict[str, np.ndarray], palate: np.ndarray,
              conf_net: np.ndarray, px_mm: float, settings: dict[str, Any],
              cache: FrameGeometryCache | None = None) -> Segmentation:
    from ..qc import frame_flags

    ok = np.all(np.isfinite(f["midline"]), axis=(1, 2))
    if not ok.any():
        raise SegmentationError(f"the learned segmenter found no vocal tract in any frame of "
                                f"{sequence.source or 'the sequence'}; is it a midsagittal rtMRI "
                                "sequence in the canonical view (face left, head up)?")
    # a frame without a traceable tract keeps the nearest earlier (else later) frame's walls, flagged
    idx = np.where(ok, np.arange(len(ok)), -1)
    idx = np.maximum.accumulate(idx)
    idx[idx < 0] = int(np.argmax(ok))
    for key in ("midline", "upper", "lower", "landmarks"):
        f[key] = f[key][idx]
    areas = (labels == L.AIRWAY).sum(axis=(1, 2)).astype(np.float32)
    frame_mean = sequence.frames.mean(axis=(1, 2), dtype=np.float64)
    # frame_flags' confidence is contrast / 0.4: pass the network's certainty on that scale
    flags, confidence = frame_flags(areas, f["midline"], np.where(ok, f["closed"], 1.0), 0.4 * conf_net,
                                    px_mm, frame_mean=frame_mean)
    return Segmentation(labels=labels, sequence=sequence, midline=f["midline"], upper=f["upper"],
                        lower=f["lower"], width_px=f["width"], landmarks=f["landmarks"],
                        palate_px=np.asarray(palate, np.float32), velum_port_px=f["port"],
                        upper_lip_front_px=f["lip_front"], confidence=confidence,
                        flags=pd.DataFrame(flags), settings=settings, geometry_cache=cache)
