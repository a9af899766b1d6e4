"""Frame compositing: smooth upscaling of MRI frames and label fields, with contours drawn on top.

Upscaling uses separable linear operators built once per clip. ``scipy.ndimage.zoom`` (cubic
B-spline, ``order=3``) is linear, so zooming the identity matrix along one axis yields the matrix
``R`` (n_out x n_in) with ``zoom(v) == R @ v``; a frame is then upscaled as ``R_y @ frame @ R_x.T``
with ``R`` stored sparse (weights below 1e-4 dropped), two sparse products instead of a per-frame
spline evaluation (~0.5 ms instead of ~10 ms at 720 px; the result equals ``zoom`` to ~1e-4 of
the intensity range). The same trick gives the (slightly blurred) label fields and their
derivatives from which :func:`vtract.video._draw.contour_alpha` draws antialiased contours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import ndimage

from ..errors import DataValueError
from ..labels import AIRWAY, HARD_PALATE, LABEL_COLORS, TONGUE, VELUM, label_name
from ._draw import blend_color, contour_alpha, legend_rgba, paste_rgba

__all__ = ["interpolation_matrix", "sparse_interpolation_matrix", "intensity_window", "panel_size",
           "PanelRenderer", "DEFAULT_SHOW"]

#: structures drawn by default, in drawing order (airway underneath, tongue on top).
DEFAULT_SHOW: tuple[int, ...] = (AIRWAY, HARD_PALATE, VELUM, TONGUE)
_FILL_OPACITY = {AIRWAY: 0.18}


def interpolation_matrix(n_in: int, n_out: int, *, order: int = 3, sigma: float = 0.0) -> np.ndarray:
    """Matrix of ``scipy.ndimage.zoom`` along one axis (optionally after a Gaussian blur).

    Parameters
    ----------
    n_in, n_out : int
        Input and output lengths in pixels.
    order : int
        Spline order (3 = cubic).
    sigma : float
        Standard deviation (input pixels) of a Gaussian applied before zooming; 0 for none.

    Returns
    -------
    ndarray, shape (n_out, n_in), float32
        ``R`` such that ``R @ v`` equals ``zoom(v, n_out / n_in, order=order, grid_mode=True)``.

    Examples
    --------
    >>> R = interpolation_matrix(4, 8)
    >>> R.shape
    (8, 4)
    """
    eye = np.eye(n_in)
    if sigma > 0:
        eye = ndimage.gaussian_filter1d(eye, sigma, axis=0, mode="nearest")
    r = ndimage.zoom(eye, (n_out / n_in, 1.0), order=order, mode="nearest", grid_mode=True)
    if r.shape[0] != n_out:  # zoom rounds the output length
        r = r[:n_out] if r.shape[0] > n_out else np.pad(r, ((0, n_out - r.shape[0]), (0, 0)), "edge")
    return np.ascontiguousarray(r, dtype=np.float32)


def sparse_interpolation_matrix(n_in: int, n_out: int, *, order: int = 3, sigma: float = 0.0,
                                tol: float = 1e-4):
    """:func:`interpolation_matrix` with negligible weights dropped, as a CSR sparse matrix.

    The cubic B-spline's prefilter gives every output pixel a weight on every input pixel, but the
    weights decay by about 0.27 per input pixel, so dropping those below ``tol`` keeps ~14 per row
    (rows are renormalised to their original sum). Upscaling then costs ~20x less than the dense
    product, with a maximum deviation from ``scipy.ndimage.zoom`` of about ``tol`` times the
    intensity range.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n_out, n_in), float32
    """
    from scipy import sparse

    r = interpolation_matrix(n_in, n_out, order=order, sigma=sigma).astype(np.float64)
    total = r.sum(axis=1, keepdims=True)
    r[np.abs(r) < tol] = 0.0
    r *= total / r.sum(axis=1, keepdims=True)
    return sparse.csr_matrix(r.astype(np.float32))


def intensity_window(frames: np.ndarray, percentiles: tuple[float, float] = (0.5, 99.5)
                     ) -> tuple[float, float]:
    """Display window (low, high) in image intensity units, from percentiles of the whole clip.

    One window for the clip keeps brightness constant over time (no per-frame flicker).
    """
    sample = frames[:: max(1, frames.shape[0] // 50)]
    lo, hi = np.percentile(sample, percentiles)
    if not hi > lo:
        hi = lo + 1.0
    return float(lo), float(hi)


def panel_size(shape: tuple[int, int], pixel_spacing_mm: tuple[float, float] | None, height: int
               ) -> tuple[int, int]:
    """Output (height, width) in pixels of an MRI panel, keeping the physical aspect ratio.

    Both are even (H.264 with yuv420p needs even dimensions).
    """
    ny, nx = shape
    row_mm, col_mm = pixel_spacing_mm if pixel_spacing_mm else (1.0, 1.0)
    h = int(height) // 2 * 2
    w = int(round(h * (nx * col_mm) / (ny * row_mm) / 2)) * 2
    if h < 16 or w < 16:
        raise DataValueError(f"size {height} px is too small for a {ny}x{nx} frame; use >= 16")
    return h, w


def _normalise_show(show, colors) -> list[tuple[int, tuple[int, int, int]]]:
    from ..labels import label_value
    from ._draw import parse_color

    palette: dict[int, tuple[int, int, int]] = dict(LABEL_COLORS)
    for key, col in (colors or {}).items():
        value = label_value(key) if isinstance(key, str) else int(key)
        palette[value] = parse_color(col)
    out = []
    for item in show:
        value = label_value(item) if isinstance(item, str) else int(item)
        if value not in palette:
            raise DataValueError(f"no colour for label {value}; pass colors={{{value}: (r, g, b)}}")
        out.append((value, palette[value]))
    return out


class PanelRenderer:
    """Render MRI frames, upscaled, with coloured label contours and a legend.

    Parameters
    ----------
    frames : ndarray, shape (n_frames, ny, nx)
        MRI intensities in the canonical view.
    labels : ndarray, shape (n_frames, ny, nx), uint8, or None
        Label maps (values of :mod:`vtract.labels`); ``None`` draws the MRI only.
    height : int
        Panel height in output pixels.
    pixel_spacing_mm : tuple of float or None
        Pixel spacing (row_mm, col_mm) for the aspect ratio (square pixels when ``None``).
    show : sequence of int or str
        Structures to draw, in drawing order (label values or names).
    colors : mapping or None
        Label value (or name) -> colour, overriding :data:`vtract.labels.LABEL_COLORS`.
    line_width : float or None
        Contour width in output pixels (default ``height / 240``, at least 1.5).
    legend : bool
        Draw the legend (structure names in their colours) in the top-right corner.
    window : tuple of float or None
        Intensity display window (low, high); default from :func:`intensity_window`.
    smooth_sigma : float
        Gaussian smoothing (input pixels) of label masks before contouring, to hide the pixel staircase.
    """

    def __init__(self, frames: np.ndarray, labels: np.ndarray | None, *, height: int,
                 pixel_spacing_mm: tuple[float, float] | None = None,
                 show: Sequence[int | str] = DEFAULT_SHOW,
                 colors: Mapping | None = None, line_width: float | None = None,
                 legend: bool = True, window: tuple[float, float] | None = None,
                 smooth_sigma: float = 0.5) -> None:
        frames = np.asarray(frames)
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != frames.shape:
                raise DataValueError(f"labels shape {labels.shape} does not match the frames "
                                     f"{frames.shape}; pass the label maps of this sequence")
            labels = labels.astype(np.uint8, copy=False)
        self.frames = frames
        self.labels = labels
        self.n_frames, ny, nx = frames.shape
        self.height, self.width = panel_size((ny, nx), pixel_spacing_mm, height)
        lo, hi = window if window is not None else intensity_window(frames)
        self._lo, self._gain = lo, 255.0 / (hi - lo)
        self._ry = sparse_interpolation_matrix(ny, self.height)
        self._rx = sparse_interpolation_matrix(nx, self.width)
        self._ly = interpolation_matrix(ny, self.height, sigma=smooth_sigma)
        self._lx = interpolation_matrix(nx, self.width, sigma=smooth_sigma)
        self._dly = np.gradient(self._ly, axis=0).astype(np.float32)
        self._dlx = np.gradient(self._lx, axis=0).astype(np.float32)
        self._sy, self._sx = self.height / ny, self.width / nx
        self._margin = 3  # input pixels around a structure's bounding box (blur + spline support)
        self.structures = _normalise_show(show, colors) if labels is not None else []
        self.line_width = float(line_width) if line_width else max(1.5, self.height / 240)
        self.legend = (legend_rgba([(label_name(v).replace("_", " "), c) for v, c in self.structures],
                                   font_px=max(11, self.height // 32))
                       if legend and self.structures else None)

    def gray(self, position: float) -> np.ndarray:
        """Upscaled display intensities (0-255, float32, shape (height, width)) at a frame position."""
        k0, w = self._split(position)
        f = self.frames[k0] if w == 0 else (1 - w) * self.frames[k0] + w * self.frames[k0 + 1]
        f = ((f - self._lo) * self._gain).astype(np.float32, copy=False)
        g = np.ascontiguousarray((self._rx @ (self._ry @ f).T).T)
        return np.clip(g, 0.0, 255.0, out=g)

    def _split(self, position: float) -> tuple[int, float]:
        k0 = int(np.floor(position))
        k0 = min(max(k0, 0), self.n_frames - 1)
        w = float(position) - k0
        if k0 >= self.n_frames - 1 or w < 1e-6:
            return k0, 0.0
        return k0, w

    def render_into(self, out: np.ndarray, position: float) -> None:
        """Draw the panel for a (possibly fractional) frame position into ``out`` (h, w, 3) uint8."""
        g = self.gray(position)
        out[...] = g.astype(np.uint8)[..., None]
        if self.labels is not None and self.structures:
            k0, w = self._split(position)
            for value, color in self.structures:
                self._draw_structure(out, k0, w, value, color)
        if self.legend is not None:
            m = max(4, self.height // 80)
            paste_rgba(out, self.legend, m, self.width - self.legend.shape[1] - m)

    def _draw_structure(self, out: np.ndarray, k0: int, w: float, value: int,
                        color: tuple[int, int, int]) -> None:
        m0 = self.labels[k0] == value
        if w > 0:
            m1 = self.labels[k0 + 1] == value
            mask = (1 - w) * m0 + w * m1  # linear blend: the contour morphs between the frames
            anym = m0 | m1
        else:
            mask, anym = m0, m0
        rows = np.flatnonzero(anym.any(axis=1))
        if rows.size == 0:
            return
        cols = np.flatnonzero(anym.any(axis=0))
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        sub = np.asarray(mask[r0:r1, c0:c1], dtype=np.float32)
        m = self._margin
        y0 = max(int(np.floor((r0 - m) * self._sy)), 0)
        y1 = min(int(np.ceil((r1 + m) * self._sy)), self.height)
        x0 = max(int(np.floor((c0 - m) * self._sx)), 0)
        x1 = min(int(np.ceil((c1 + m) * self._sx)), self.width)
        ly = self._ly[y0:y1, r0:r1]
        dly = self._dly[y0:y1, r0:r1]
        lx = self._lx[x0:x1, c0:c1]
        dlx = self._dlx[x0:x1, c0:c1]
        t = sub @ lx.T
        field = ly @ t
        gy = dly @ t
        gx = ly @ (sub @ dlx.T)
        alpha = contour_alpha(field, gy, gx, line_width=self.line_width,
                              fill_opacity=_FILL_OPACITY.get(value, 0.0))
        blend_color(out[y0:y1, x0:x1], alpha, color)
