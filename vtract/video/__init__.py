"""Articulation videos for voice and wind-instrument teachers.

MRI frames upscaled with coloured, labelled contours of the articulators; a strip with the
spectrogram, f0 and formant tracks, measure traces and a moving cursor; the sound in sync; slow
motion with pitch-preserving lengthening; side-by-side comparisons; PNG montages for handouts.

| function | output |
|---|---|
| :func:`render_video` | one session as MP4 (H.264 yuv420p + AAC, ``+faststart``) |
| :func:`render_comparison` | two sessions side by side, aligned on an event |
| :func:`render_still` | PNG montage of key frames |

Frames are composited with numpy (no matplotlib per frame) and piped to FFmpeg from imageio-ffmpeg.
"""

from ._compare import render_comparison
from ._render import render_video
from ._still import render_still

__all__ = ["render_video", "render_comparison", "render_still"]
