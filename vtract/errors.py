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
    "with_file",
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


def with_file(exc: VtractError, path: object) -> VtractError:
    """Return ``exc`` naming ``path`` first (a new exception of the same type when it did not).

    Parameters
    ----------
    exc : VtractError
        An error raised while working on the data of one file.
    path : path-like or None
        That file (``Sequence.source``); None leaves ``exc`` as it is.

    Returns
    -------
    VtractError
        ``exc`` itself when its message already names ``path``, else a copy of the same type
        whose message is ``"<path>: <message>"``.
    """
    if not path or str(path) in str(exc):
        return exc
    try:
        return type(exc)(f"{path}: {exc}")
    except TypeError:  # a subclass with another constructor: keep the original
        return exc

