"""The vtract exception family.

Every error vtract raises on purpose derives from :class:`VtractError`; messages name the file or
parameter, what was expected, what was found and, where there is one, the fix.
"""

from __future__ import annotations

__all__ = [
    "VtractError",
    "FileFormatError",
    "MissingMetadataError",
    "DataValueError",
    "ManifestError",
    "SegmentationError",
    "SyncError",
    "VtractWarning",
]


class VtractError(Exception):
    """Base class of every error vtract raises deliberately."""


class FileFormatError(VtractError, OSError):
    """A file is missing, unreadable, truncated or not of a supported format/shape."""


class MissingMetadataError(VtractError, ValueError):
    """Required metadata (frame rate, pixel spacing, audio channel...) is absent."""


class DataValueError(VtractError, ValueError):
    """Data values are unusable (NaN/inf, wrong dimensionality, empty...)."""


class ManifestError(VtractError, ValueError):
    """A study manifest is invalid; the message names the file, session and key."""


class SegmentationError(VtractError, RuntimeError):
    """Segmentation could not produce a usable result."""


class SyncError(VtractError, RuntimeError):
    """Audio and frames could not be synchronised."""


class VtractWarning(UserWarning):
    """Warnings emitted by vtract (e.g. a header value that was repaired)."""
