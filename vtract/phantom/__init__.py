"""Synthetic rtMRI + audio phantom of the vocal tract with ground truth.

One concept per module:

==================  =====================================================================================
module              concept
==================  =====================================================================================
``_anatomy``        subjects: size, palate shape, larynx rest height, voice range
``_articulation``   articulatory parameters, vowel/consonant targets, smooth trajectories
``_styles``         singing styles and wind instruments as scores (built-in group differences)
``_geometry``       pose -> polygons of every structure + the semi-polar tract grid
``_measures``       ground truth: the exact geometry through vtract.measures' definitions
``_render``         MRI-like rendering: partial volume, PD intensities, coil, blur, streaks, Rician noise
``_audio``          glottal source, tube filtering, instrument tones, MRI gradient noise
``_session``        one session: simulate and write frames, labels, audio, tables
``_catalog``        which sessions the demo sets contain, and their manifests
``_realism``        image statistics (SNR, sharpness, histograms) to compare phantom and real frames
==================  =====================================================================================

Built-in group differences (sizes documented in :mod:`vtract.phantom._styles`): the larynx is ~13 mm
lower in classical than in belting singing, the jaw ~7 mm more open in belting, the vibrato +-70 cents
in classical against +-12 in belting and +-8 in pop, belting notes are tuned to ``f0 = F1 / 2``, a
narrow epilarynx gives classical voices +5-8 dB more energy at 2-4 kHz, and the flute's lip aperture is
~2.5 mm wider than the trumpet's. ``benchmarks/results/phantom.md`` lists the measured values.

Use :func:`vtract.datasets.load_demo` for the built demo sets.
"""

from ..measures import MEASURE_COLUMNS
from ._anatomy import ANATOMY_REVISION, SUBJECTS, Subject, get_subject
from ._articulation import NEUTRAL, PARAMS, VOWELS
from ._catalog import DEMO_VERSION, manifest_dict, manifest_yaml, session_specs
from ._geometry import FrameGeometry, build_geometry
from ._measures import frame_measures, tract_geometry
from ._render import RenderSettings, degrade, rasterise
from ._session import SESSION_FILES, SessionSpec, build_session, simulate_session
from ._styles import INSTRUMENTS, SINGING_STYLES, STYLE_OFFSETS, VIBRATO, WIND

__all__ = ["ANATOMY_REVISION", "SUBJECTS", "Subject", "get_subject", "NEUTRAL", "PARAMS", "VOWELS",
           "DEMO_VERSION",
           "manifest_dict", "manifest_yaml", "session_specs", "FrameGeometry", "build_geometry",
           "MEASURE_COLUMNS",
           "frame_measures", "tract_geometry", "RenderSettings", "degrade", "rasterise", "SESSION_FILES",
           "SessionSpec",
           "build_session", "simulate_session", "INSTRUMENTS", "SINGING_STYLES", "STYLE_OFFSETS",
           "VIBRATO", "WIND"]
