"""The learned segmenter's fixed grid in mm, and the intensity normalisation of its input.

The network sees every frame on one grid of ``NET_SPACING_MM`` square pixels, whatever the matrix and
pixel size of the input, and with one intensity scale. The *same* functions prepare the synthetic
training samples (:mod:`vtract.segmentation.train`) and the frames at inference
(:mod:`vtract.segmentation._net`), so training sees exactly the inference preprocessing.

Geometry (pixel edges aligned, ``DESIGN.md`` canonical view): an input of ``H`` rows at ``dy`` mm covers
``[0, H * dy)`` mm; net pixel ``i`` covers ``[i * s, (i + 1) * s)`` mm, so its centre lies at input pixel
coordinate ``(i + 0.5) * s / dy - 0.5``. The net grid has ``ceil(H * dy / s)`` rows, padded at the bottom
and right (with the normalised air level 0) to a multiple of ``NET_MULTIPLE`` for the U-Net's pooling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

__all__ = ["NET_CLASSES", "NET_SPACING_MM", "NET_MULTIPLE", "NET_CANVAS_PX", "NetGrid",
           "normalize_intensity", "labels_to_net", "head_origin"]

#: Pixel size of the network's grid (mm). 2.4 mm resolves the airway of the 2.9 mm USC-TIMIT protocol
#: and of finer protocols (boundaries are placed sub-pixel from the interpolated probabilities) while
#: keeping the network cheap enough to train on 2 CPU cores.
NET_SPACING_MM = 2.4
#: Label values (:mod:`vtract.labels`) of the network's output channels, in order: background, airway,
#: tongue, hard palate, velum, lips, epiglottis, pharyngeal wall, teeth (the upper incisors; the lower
#: incisors count as airway: :data:`vtract.labels.AIRWAY_INCLUDES`).
NET_CLASSES: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 7, 8, 10)
#: Net-grid sizes are padded to a multiple of this (2**4 for a 4-level U-Net).
NET_MULTIPLE = 16
#: Inference canvas (net pixels, 128 x 2.4 = 307 mm, more than any rtMRI field of view of the head
#: and neck), centred on the head: every input is seen on the same extent.
NET_CANVAS_PX = 128


def normalize_intensity(frames: np.ndarray) -> np.ndarray:
    """Put frames on one intensity scale: air ~0, median soft tissue 1.

    Each frame is normalised on its own: ``lo`` is its 1st percentile (air / noise floor), and the
    scale is the median of the pixels brighter than ``lo + 0.2 * (p99.5 - lo)`` (the tissue). The
    median of the tissue hardly moves when the field of view is padded with air or cropped, unlike a
    high percentile of all pixels. Pixels exactly 0 (zero padding; magnitude noise is never exactly
    0) are left out of the percentiles when at least 10 % of the frame is non-zero, so padding a
    frame with zeros does not change its scale.

    Parameters
    ----------
    frames : ndarray, shape (..., ny, nx)
        Raw intensities (any scale).

    Returns
    -------
    ndarray float32, same shape
    """
    x = np.asarray(frames, np.float32)
    flat = x.reshape(-1, x.shape[-2] * x.shape[-1])
    out = np.empty_like(flat)
    for i, f in enumerate(flat):
        nz = f[f != 0]
        ref = nz if nz.size >= 0.1 * f.size else f
        lo, top = np.percentile(ref, [1.0, 99.5])
        tissue = ref[ref > lo + 0.2 * (top - lo)]
        hi = float(np.median(tissue)) if tissue.size else float(top)
        out[i] = (f - lo) / max(hi - lo, 1e-6)
    return out.reshape(x.shape)


@dataclass(frozen=True)
class NetGrid:
    """Mapping between an input grid ``(ny, nx)`` at ``spacing_mm`` and the network's grid.

    Parameters
    ----------
    shape : tuple of int
        Input frame shape ``(ny, nx)``.
    spacing_mm : tuple of float
        Input pixel size ``(row_mm, col_mm)``.
    net_spacing_mm : float
        Network pixel size (mm).
    origin_mm : tuple of float
        Position (mm) of the net grid's top-left edge relative to the input's top-left edge;
        :func:`head_origin` ties it to the head so that shifting or padding the input leaves the
        net's view of the head unchanged. ``(0, 0)`` (training) starts both grids together.
    canvas_px : int, optional
        Fixed net-grid size (inference: :data:`NET_CANVAS_PX`, with the head at its centre), so
        the network's input has the same extent whatever the input's field of view (a deep U-Net's
        output depends on where its zero-padded border lies). Without it the grid just covers the
        field of view. Input pixels outside the canvas are labelled background.
    """

    shape: tuple[int, int]
    spacing_mm: tuple[float, float]
    net_spacing_mm: float = NET_SPACING_MM
    origin_mm: tuple[float, float] = (0.0, 0.0)
    canvas_px: int | None = None

    @property
    def content_shape(self) -> tuple[int, int]:
        """Net-grid rows and columns: the canvas, or those covering the input's field of view."""
        if self.canvas_px is not None:
            return self.canvas_px, self.canvas_px
        s = self.net_spacing_mm
        return (int(np.ceil((self.shape[0] * self.spacing_mm[0] - self.origin_mm[0]) / s - 1e-6)),
                int(np.ceil((self.shape[1] * self.spacing_mm[1] - self.origin_mm[1]) / s - 1e-6)))

    @property
    def net_shape(self) -> tuple[int, int]:
        """Padded net-grid shape (multiples of :data:`NET_MULTIPLE`)."""
        return tuple(int(np.ceil(n / NET_MULTIPLE) * NET_MULTIPLE)  # type: ignore[return-value]
                     for n in self.content_shape)

    def _net_coords(self) -> tuple[np.ndarray, np.ndarray]:
        """Input pixel coordinates (rows, cols) of the net pixel centres (content part)."""
        s = self.net_spacing_mm
        hn, wn = self.content_shape
        r = (self.origin_mm[0] + (np.arange(hn) + 0.5) * s) / self.spacing_mm[0] - 0.5
        c = (self.origin_mm[1] + (np.arange(wn) + 0.5) * s) / self.spacing_mm[1] - 0.5
        return r, c

    def to_net(self, frames: np.ndarray) -> np.ndarray:
        """Resample normalised frames onto the net grid (bilinear, anti-aliased when shrinking).

        Parameters
        ----------
        frames : ndarray, shape (..., ny, nx)

        Returns
        -------
        ndarray float32, shape (..., Hn, Wn)
            0 (the normalised air level) outside the input's field of view.
        """
        x = np.asarray(frames, np.float32)
        lead = x.shape[:-2]
        x = x.reshape(-1, *x.shape[-2:])
        zoom = (self.net_spacing_mm / self.spacing_mm[0], self.net_spacing_mm / self.spacing_mm[1])
        sig = [0.42 * np.sqrt(max(z * z - 1.0, 0.0)) for z in zoom]  # Gaussian PSF of the wider pixel
        if max(sig) > 0:
            x = ndi.gaussian_filter(x, [0.0, *sig], mode="nearest")
        r, c = self._net_coords()
        hn, wn = self.net_shape
        out = np.zeros((x.shape[0], hn, wn), np.float32)
        out[:, : len(r), : len(c)] = (_interp_matrix(r, x.shape[1], outside_zero=True) @ x
                                      @ _interp_matrix(c, x.shape[2], outside_zero=True).T)
        return out.reshape(*lead, hn, wn)

    def from_net(self, maps: np.ndarray) -> np.ndarray:
        """Resample per-class maps (probabilities) from the net grid back to the input grid.

        Parameters
        ----------
        maps : ndarray, shape (..., Hn, Wn)

        Returns
        -------
        ndarray float32, shape (..., ny, nx)
            Bilinear interpolation at the input pixel centres, so a label boundary taken at
            probability 0.5 lands sub-pixel on the input grid.
        """
        m = np.asarray(maps, np.float32)
        lead = m.shape[:-2]
        m = m.reshape(-1, *m.shape[-2:])
        s = self.net_spacing_mm
        r = ((np.arange(self.shape[0]) + 0.5) * self.spacing_mm[0] - self.origin_mm[0]) / s - 0.5
        c = ((np.arange(self.shape[1]) + 0.5) * self.spacing_mm[1] - self.origin_mm[1]) / s - 0.5
        hn, wn = self.content_shape
        out = (_interp_matrix(r, hn, outside_zero=True) @ m[:, :hn, :wn]
               @ _interp_matrix(c, wn, outside_zero=True).T)
        return out.astype(np.float32).reshape(*lead, *self.shape)


def head_origin(frames: np.ndarray, spacing_mm: tuple[float, float],
                net_spacing_mm: float = NET_SPACING_MM) -> tuple[float, float]:
    """Net-grid origin tied to the head: the head's centre falls at a fixed net-grid phase.

    The centre is the centroid of the mean frame, smoothed (Gaussian, sigma 4 mm) and weighted by
    its excess over 40 % of its 99th percentile (a soft threshold: background noise gets no
    weight, and no mask topology can make the centre jump; exact zeros, i.e. padding, are left out
    of the percentile). The origin is that centre minus a
    whole number of ``NET_MULTIPLE`` net pixels (the U-Net's pooling period), half the canvas
    (:data:`NET_CANVAS_PX`), so the head sits at the canvas centre. Shifting the input, or
    padding it with air, moves the centre with the head, so the network sees the head on nearly
    the same grid (same pooling phase, sub-pixel phase within a fraction of a mm on synthetic
    heads).

    Parameters
    ----------
    frames : ndarray, shape (n, ny, nx)
        Raw frames (any intensity scale).
    spacing_mm : tuple of float
        ``(row_mm, col_mm)``.
    net_spacing_mm : float
        Net pixel size (mm).

    Returns
    -------
    tuple of float
        ``origin_mm`` for :class:`NetGrid`.
    """
    mean = np.asarray(frames, np.float32).mean(axis=0)
    xs = ndi.gaussian_filter(mean, [4.0 / spacing_mm[0], 4.0 / spacing_mm[1]], mode="constant")
    inside = mean != 0  # zero padding does not count (as in normalize_intensity)
    ref = xs[inside] if inside.sum() >= 0.1 * inside.size else xs
    w = np.clip(xs - 0.4 * np.percentile(ref, 99), 0.0, None)
    if w.sum() <= 0:
        return 0.0, 0.0
    period = NET_MULTIPLE * net_spacing_mm
    out = []
    for axis, d in ((0, spacing_mm[0]), (1, spacing_mm[1])):
        prof = w.sum(axis=1 - axis)
        c = float((prof * (np.arange(len(prof)) + 0.5)).sum() / prof.sum()) * d
        out.append(c - period * round(NET_CANVAS_PX / 2 / NET_MULTIPLE))
    return out[0], out[1]


def _interp_matrix(coords: np.ndarray, n: int, outside_zero: bool = False) -> np.ndarray:
    """Linear-interpolation weights ``(len(coords), n)`` at fractional indices (edges clamped).

    With ``outside_zero`` a coordinate more than half a pixel outside ``[0, n - 1]`` gets no
    weight (zero padding) instead of the edge value.

    Resampling a frame on a separable grid is then two small matrix products for all frames and
    channels at once (equal to ``scipy.ndimage.map_coordinates(order=1, mode="nearest")``, and an
    order of magnitude faster for a batch).
    """
    cc = np.clip(np.asarray(coords, float), 0.0, n - 1)
    i0 = np.floor(cc).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    w = (cc - i0).astype(np.float32)
    mat = np.zeros((len(cc), n), np.float32)
    rows = np.arange(len(cc))
    np.add.at(mat, (rows, i0), 1.0 - w)
    np.add.at(mat, (rows, i1), w)
    if outside_zero:
        c = np.asarray(coords, float)
        mat[(c < -0.5) | (c > n - 0.5)] = 0.0
    return mat


def labels_to_net(labels: np.ndarray, labels_spacing_mm: float, grid: NetGrid,
                  classes: tuple[int, ...]) -> np.ndarray:
    """Soft training targets: the fraction of each net pixel covered by each class.

    Parameters
    ----------
    labels : ndarray uint8, shape (Hh, Wh)
        Fine label map covering the same field of view as the input grid (pixel edges aligned).
    labels_spacing_mm : float
        Fine pixel size (mm).
    grid : NetGrid
        The input frame's net grid.
    classes : tuple of int
        Label values of the network's output channels, in order (values not listed count as
        background, channel 0).

    Returns
    -------
    ndarray float32, shape (len(classes), Hn, Wn)
        Per-class area fractions summing to 1 in every pixel (padding is background).
    """
    lab = np.asarray(labels)
    lut = np.zeros(256, np.int64)
    for ch, v in enumerate(classes):
        lut[v] = ch
    idx = lut[lab]
    s = grid.net_spacing_mm
    hn, wn = grid.content_shape
    # each fine pixel's centre -> the net pixel containing it; fractions by counting
    rows = np.minimum(((np.arange(lab.shape[0]) + 0.5) * labels_spacing_mm / s).astype(int), hn - 1)
    cols = np.minimum(((np.arange(lab.shape[1]) + 0.5) * labels_spacing_mm / s).astype(int), wn - 1)
    cell = rows[:, None] * wn + cols[None, :]
    nc = len(classes)
    counts = np.bincount((cell * nc + idx).ravel(), minlength=hn * wn * nc).reshape(hn, wn, nc)
    tot = np.maximum(counts.sum(-1, keepdims=True), 1)
    frac = (counts / tot).astype(np.float32)
    out = np.zeros((nc, *grid.net_shape), np.float32)
    out[0] = 1.0
    out[:, :hn, :wn] = np.moveaxis(frac, -1, 0)
    empty = counts.sum(-1) == 0
    out[0, :hn, :wn][empty] = 1.0
    return out
