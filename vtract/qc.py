"""Quality control of a segmentation: per-frame flags, a session summary and an overlay montage.

A convenience namespace: the flags belong to the segmentation (:mod:`vtract.segmentation._flags`)
and the montage to :mod:`vtract.plotting`; both are re-exported here.
"""

from __future__ import annotations

from .plotting import overlay_montage
from .segmentation._flags import frame_flags, summary

__all__ = ["frame_flags", "summary", "overlay_montage"]
