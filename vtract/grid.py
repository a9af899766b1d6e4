"""The voxel grid a sequence was read from, and the mapping to and from the canonical view.

vtract works on frames in the *canonical view* (``DESIGN.md``): a 2D array ``[row, col]`` with row 0 at the
top of the head and column 0 at the face. A :class:`Grid` remembers the on-disk voxel grid of the input
(spatial shape, affine and the axis permutation/flips that took it to the canonical view) so that per-frame
outputs (label maps) can be written back on exactly the input's grid (same shape and affine).

Orientation handling uses nibabel's orientation tools (``io_orientation``, ``ornt_transform``,
``apply_orientation``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from nibabel import orientations as nio

__all__ = ["Grid", "CANONICAL_AXCODES"]

#: Axis codes (nibabel convention: the direction each index *increases towards*) of the canonical
#: in-memory layout ``(slice, row, col)``: rows run superior→inferior, columns anterior→posterior.
CANONICAL_AXCODES = ("R", "I", "P")


@dataclass(frozen=True)
class Grid:
    """A 3D spatial voxel grid (one axis of size 1) plus its orientation relative to the canonical view.

    Parameters
    ----------
    shape : tuple of int, length 3
        Spatial shape of the on-disk array (one entry must be 1: the slice axis).
    affine : ndarray, shape (4, 4)
        Voxel-to-world (RAS+, mm) affine of the on-disk array.
    ornt : ndarray, shape (3, 2)
        nibabel orientation transform from on-disk axes to the canonical ``(slice, row, col)`` axes.
    """

    shape: tuple[int, int, int]
    affine: np.ndarray
    ornt: np.ndarray

    @classmethod
    def from_affine(cls, shape: tuple[int, int, int], affine: np.ndarray) -> Grid:
        """Build a grid from an on-disk shape and affine using nibabel's orientation tools.

        Parameters
        ----------
        shape : tuple of int
            On-disk spatial shape ``(X, Y, Z)`` with one axis of size 1 (the slice axis).
        affine : ndarray, shape (4, 4)
            Voxel-to-world (RAS+, mm) affine.

        Returns
        -------
        Grid
            The grid, with the permutation/flips into the canonical view.

        Raises
        ------
        ValueError
            If the slice (size-1) axis is not the left-right axis, i.e. the image is not sagittal.
        """
        shape = tuple(int(s) for s in shape)
        if len(shape) != 3 or 1 not in shape:
            raise ValueError(f"expected a 3D spatial shape with one axis of size 1, got {shape}")
        affine = np.asarray(affine, dtype=float)
        src = nio.io_orientation(affine)
        # Which world axis does the singleton axis point along?  0 = L/R for a midsagittal slice.
        slice_axis = shape.index(1)
        if int(src[slice_axis, 0]) != 0:
            names = ("left-right", "anterior-posterior", "superior-inferior")
            raise ValueError(
                "the slice axis (size 1) runs along the "
                f"{names[int(src[slice_axis, 0])]} direction, so this is not a sagittal image "
                f"(axis codes {''.join(nio.ornt2axcodes(src))})"
            )
        ornt = nio.ornt_transform(src, nio.axcodes2ornt(CANONICAL_AXCODES))
        return cls(shape=shape, affine=affine, ornt=ornt)

    @classmethod
    def canonical(cls, ny: int, nx: int, pixel_spacing_mm: tuple[float, float] | None,
                  slice_thickness_mm: float | None = None) -> Grid:
        """Grid for data that already is in the canonical view (videos, arrays, DICOM).

        The affine maps rows to the inferior and columns to the posterior direction in RAS+ world
        coordinates, with the given spacing (1 mm when unknown).

        Parameters
        ----------
        ny, nx : int
            Frame size (rows, columns) in pixels.
        pixel_spacing_mm : tuple of float or None
            ``(row_mm, col_mm)``; 1 mm when None.
        slice_thickness_mm : float, optional
            Slice thickness (mm); the column spacing when None.

        Returns
        -------
        Grid
            A grid whose canonical view is the data as given.
        """
        dy, dx = pixel_spacing_mm if pixel_spacing_mm is not None else (1.0, 1.0)
        dz = slice_thickness_mm if slice_thickness_mm else dx
        affine = np.array(
            [[dz, 0.0, 0.0, 0.0],
             [0.0, 0.0, -dx, 0.0],
             [0.0, -dy, 0.0, 0.0],
             [0.0, 0.0, 0.0, 1.0]]
        )
        return cls(shape=(1, int(ny), int(nx)), affine=affine,
                   ornt=nio.ornt_transform(nio.io_orientation(affine),
                                           nio.axcodes2ornt(CANONICAL_AXCODES)))

    @property
    def canonical_shape(self) -> tuple[int, int]:
        """``(ny, nx)`` of frames in the canonical view."""
        shp = nio.apply_orientation(np.empty(self.shape, dtype=np.uint8), self.ornt).shape
        return int(shp[1]), int(shp[2])

    def voxel_sizes_mm(self) -> tuple[float, float]:
        """``(row_mm, col_mm)``: pixel spacing of the canonical frames, from the affine.

        Returns
        -------
        tuple of float
            ``(row_mm, col_mm)``.
        """
        zooms = np.sqrt((self.affine[:3, :3] ** 2).sum(axis=0))
        # canonical axis i comes from on-disk axis j where ornt[j, 0] == i
        per_canon = {int(self.ornt[j, 0]): zooms[j] for j in range(3)}
        return float(per_canon[1]), float(per_canon[2])

    def to_canonical(self, data: np.ndarray) -> np.ndarray:
        """Map an on-disk array ``(X, Y, Z, T)`` to canonical frames ``(T, ny, nx)``.

        Parameters
        ----------
        data : ndarray, shape (X, Y, Z) or (X, Y, Z, T)
            On-disk array.

        Returns
        -------
        ndarray, shape (T, ny, nx)
            Frames in the canonical view.
        """
        if data.ndim == 3:
            data = data[..., np.newaxis]
        out = nio.apply_orientation(data, self.ornt)  # (1, ny, nx, T)
        return np.ascontiguousarray(np.moveaxis(out[0], -1, 0))

    def from_canonical(self, frames: np.ndarray) -> np.ndarray:
        """Map canonical frames ``(T, ny, nx)`` back to the on-disk layout ``(X, Y, Z, T)``.

        Parameters
        ----------
        frames : ndarray, shape (T, ny, nx)
            Frames in the canonical view.

        Returns
        -------
        ndarray, shape (X, Y, Z, T)
            The on-disk layout of this grid.
        """
        arr = np.moveaxis(np.asarray(frames), 0, -1)[np.newaxis]  # (1, ny, nx, T)
        inv = nio.ornt_transform(nio.axcodes2ornt(CANONICAL_AXCODES),
                                 nio.axcodes2ornt(nio.ornt2axcodes(
                                     nio.io_orientation(self.affine))))
        # apply the inverse permutation/flip; then the axis order matches the source
        return np.ascontiguousarray(nio.apply_orientation(arr, inv))
