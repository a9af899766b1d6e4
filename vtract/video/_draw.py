"""Drawing primitives on RGB uint8 canvases: antialiased label contours, text, legends.

Nothing here calls matplotlib per frame. Text is rasterised once with Pillow (DejaVu Sans shipped
with matplotlib) into RGBA arrays that are alpha-blended onto frames; a :class:`TextAtlas` caches
glyphs so changing strings (the time readout) cost a few array copies.

Contours are drawn from a smooth *field* (a label mask interpolated to the output resolution, see
:mod:`vtract.video._compose`): the 0.5 iso-line of the field is the contour, and
``(field - 0.5) / |grad field|`` approximates the signed distance to it in output pixels. Thresholding
that distance gives an antialiased line of any width and a soft fill in a handful of vectorised
array operations, which is why this is hand-written rather than ``find_contours`` + per-segment
``skimage.draw.line_aa`` calls (hundreds of Python-level calls per frame, and 1-pixel lines only).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np

__all__ = ["contour_alpha", "blend_color", "paste_rgba", "render_text", "legend_rgba",
           "TextAtlas", "parse_color"]


def parse_color(value) -> tuple[int, int, int]:
    """Return an RGB 0-255 triple from ``(r, g, b)`` (0-255 ints or 0-1 floats) or a colour name/hex.

    Parameters
    ----------
    value : tuple or str
        e.g. ``(255, 0, 0)``, ``(1.0, 0.0, 0.0)``, ``"red"``, ``"#ff0000"``.
    """
    from ..errors import DataValueError

    if isinstance(value, str):
        from matplotlib.colors import to_rgb

        try:
            rgb = to_rgb(value)
        except ValueError as exc:
            raise DataValueError(f"unknown colour {value!r}; use a name, '#rrggbb' or (r, g, b)") from exc
        return tuple(int(round(c * 255)) for c in rgb)  # type: ignore[return-value]
    arr = np.asarray(value, dtype=float).ravel()
    if arr.size != 3 or not np.all(np.isfinite(arr)) or arr.min() < 0:
        raise DataValueError(f"colour {value!r} must be (r, g, b) with values 0-255 or 0-1")
    if arr.max() <= 1.0 and np.issubdtype(np.asarray(value).dtype, np.floating):
        arr = arr * 255
    return tuple(int(round(c)) for c in np.clip(arr, 0, 255))  # type: ignore[return-value]


def contour_alpha(field: np.ndarray, grad_y: np.ndarray, grad_x: np.ndarray, *,
                  line_width: float = 2.5, fill_opacity: float = 0.0) -> np.ndarray:
    """Opacity of a contour line (and optional fill) drawn at the 0.5 level of a smooth field.

    Parameters
    ----------
    field : ndarray, shape (h, w)
        Smooth label field in output pixels (about 1 inside the structure, 0 outside).
    grad_y, grad_x : ndarray, shape (h, w)
        Its derivatives per output pixel.
    line_width : float
        Line width in output pixels.
    fill_opacity : float
        Opacity (0-1) of the fill inside the contour.

    Returns
    -------
    ndarray, shape (h, w), float32
        Opacity in [0, 1].
    """
    grad = np.hypot(grad_y, grad_x)
    np.maximum(grad, 1e-4, out=grad)
    dist = (field - 0.5) / grad  # signed distance to the iso-line, >0 inside (output pixels)
    alpha = np.clip(line_width / 2 + 0.5 - np.abs(dist), 0.0, 1.0)
    if fill_opacity > 0:
        fill = np.clip(dist + 0.5, 0.0, 1.0) * fill_opacity
        alpha = alpha + (1.0 - alpha) * fill
    return alpha.astype(np.float32, copy=False)


def blend_color(canvas: np.ndarray, alpha: np.ndarray, color: tuple[int, int, int]) -> None:
    """Blend a flat colour into an RGB uint8 canvas in place.

    Parameters
    ----------
    canvas : ndarray, shape (h, w, 3), uint8
        Region to paint (a view into the frame).
    alpha : ndarray, shape (h, w)
        Opacity in [0, 1].
    color : tuple of int
        RGB 0-255.
    """
    # Only the pixels the contour touches are converted and blended (a few % of the box).
    touched = alpha > (0.5 / 255)
    a = alpha[touched][:, None]
    px = canvas[touched].astype(np.float32)
    px += a * (np.asarray(color, np.float32) - px)
    canvas[touched] = np.rint(px)


def paste_rgba(canvas: np.ndarray, rgba: np.ndarray, y: int, x: int) -> None:
    """Alpha-blend an RGBA uint8 image onto an RGB uint8 canvas at row ``y``, column ``x`` (clipped)."""
    h, w = rgba.shape[:2]
    ch, cw = canvas.shape[:2]
    y0, x0 = max(y, 0), max(x, 0)
    y1, x1 = min(y + h, ch), min(x + w, cw)
    if y1 <= y0 or x1 <= x0:
        return
    src = rgba[y0 - y:y1 - y, x0 - x:x1 - x]
    dst = canvas[y0:y1, x0:x1]
    a = src[..., 3:4].astype(np.float32) / 255.0
    out = dst.astype(np.float32)
    out += a * (src[..., :3].astype(np.float32) - out)
    dst[...] = np.rint(out)


@lru_cache(maxsize=16)
def _font(px: int):
    from matplotlib import font_manager
    from PIL import ImageFont

    path = font_manager.findfont("DejaVu Sans")
    return ImageFont.truetype(path, size=max(int(px), 6))


def render_text(text: str, font_px: int, color: tuple[int, int, int] = (255, 255, 255), *,
                background: tuple[int, int, int, int] | None = None, pad: int = 0) -> np.ndarray:
    """Rasterise one line of text once into an RGBA uint8 array.

    Parameters
    ----------
    text : str
        The text.
    font_px : int
        Font size in pixels.
    color : tuple of int
        Text colour, RGB 0-255.
    background : tuple of int or None
        RGBA background box colour, or ``None`` for transparent.
    pad : int
        Padding around the text in pixels.

    Returns
    -------
    ndarray, shape (h, w, 4), uint8
    """
    from PIL import Image, ImageDraw

    font = _font(font_px)
    left, top, right, bottom = font.getbbox(text or " ")
    ascent, descent = font.getmetrics()
    w = int(np.ceil(max(right, font.getlength(text or " ")))) + 2 * pad
    h = ascent + descent + 2 * pad
    img = Image.new("RGBA", (max(w, 1), max(h, 1)), background or (0, 0, 0, 0))
    ImageDraw.Draw(img).text((pad, pad), text, font=font, fill=(*color, 255))
    return np.asarray(img, dtype=np.uint8).copy()


def legend_rgba(items: Iterable[tuple[str, tuple[int, int, int]]], font_px: int) -> np.ndarray:
    """Pre-render a legend box: a coloured line swatch and a name per row.

    Parameters
    ----------
    items : iterable of (str, tuple)
        Structure name and its RGB colour.
    font_px : int
        Font size in pixels.

    Returns
    -------
    ndarray, shape (h, w, 4), uint8
        Legend on a semi-transparent dark box.
    """
    rows = [(render_text(name, font_px), color) for name, color in items]
    if not rows:
        return np.zeros((0, 0, 4), np.uint8)
    pad = max(font_px // 3, 3)
    sw = int(font_px * 1.6)
    row_h = max(r.shape[0] for r, _ in rows)
    width = pad * 3 + sw + max(r.shape[1] for r, _ in rows)
    height = pad * 2 + row_h * len(rows)
    box = np.zeros((height, width, 4), np.uint8)
    box[..., 3] = 150
    lw = max(int(round(font_px / 5)), 2)
    for i, (txt, color) in enumerate(rows):
        y = pad + i * row_h
        yc = y + row_h // 2
        box[yc - lw // 2:yc - lw // 2 + lw, pad:pad + sw, :3] = color
        box[yc - lw // 2:yc - lw // 2 + lw, pad:pad + sw, 3] = 255
        paste_rgba_rgba(box, txt, y, 2 * pad + sw)
    return box


def paste_rgba_rgba(dst: np.ndarray, src: np.ndarray, y: int, x: int) -> None:
    """Composite RGBA ``src`` over RGBA ``dst`` in place ("over" operator), clipped to ``dst``."""
    h = min(src.shape[0], dst.shape[0] - y)
    w = min(src.shape[1], dst.shape[1] - x)
    if h <= 0 or w <= 0:
        return
    s = src[:h, :w].astype(np.float32) / 255.0
    d = dst[y:y + h, x:x + w].astype(np.float32) / 255.0
    a_s, a_d = s[..., 3:4], d[..., 3:4]
    a_o = a_s + a_d * (1 - a_s)
    rgb = (s[..., :3] * a_s + d[..., :3] * a_d * (1 - a_s)) / np.maximum(a_o, 1e-6)
    dst[y:y + h, x:x + w] = np.rint(np.concatenate([rgb, a_o], axis=-1) * 255)


class TextAtlas:
    """Glyph cache for text that changes every frame (e.g. ``"t = 1.234 s"``).

    Each character is rasterised once; a string is the horizontal concatenation of its glyphs
    (advance widths from the font, no kerning), ready for :func:`paste_rgba`.

    Parameters
    ----------
    font_px : int
        Font size in pixels.
    color : tuple of int
        Text colour, RGB 0-255.
    """

    def __init__(self, font_px: int, color: tuple[int, int, int] = (255, 255, 255)) -> None:
        self.font_px = int(font_px)
        self.color = color
        self._glyphs: dict[str, np.ndarray] = {}

    def _glyph(self, ch: str) -> np.ndarray:
        g = self._glyphs.get(ch)
        if g is None:
            from PIL import Image, ImageDraw

            font = _font(self.font_px)
            ascent, descent = font.getmetrics()
            w = max(int(round(font.getlength(ch))), 1)
            img = Image.new("RGBA", (w, ascent + descent), (0, 0, 0, 0))
            ImageDraw.Draw(img).text((0, 0), ch, font=font, fill=(*self.color, 255))
            g = np.asarray(img, dtype=np.uint8).copy()
            self._glyphs[ch] = g
        return g

    def render(self, text: str, *, background: tuple[int, int, int, int] | None = (0, 0, 0, 150),
               pad: int = 3) -> np.ndarray:
        """Return ``text`` as an RGBA uint8 array on an optional background box."""
        glyphs = [self._glyph(c) for c in text] or [self._glyph(" ")]
        line = np.concatenate(glyphs, axis=1)
        h, w = line.shape[:2]
        out = np.zeros((h + 2 * pad, w + 2 * pad, 4), np.uint8)
        if background is not None:
            out[...] = background
        paste_rgba_rgba(out, line, pad, pad)
        return out
