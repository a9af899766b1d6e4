"""Acoustic analysis with Parselmouth, MRI-noise suppression, singing and wind-instrument measures.

Public functions
----------------
analyze_audio
    Frame-wise f0, formants and bandwidths, intensity, HNR, CPP and spectral tilt.
suppress_mri_noise
    Remove frame-periodic gradient noise ("hybrid": synchronous-average subtraction plus a gentle
    spectral pass; "periodic", "spectral", "comb").
find_gradient_noise
    Period, drift, waveform and start/end of frame-periodic gradient noise (given the period).
find_scan_noise
    The scan in a recording without knowing its TR: TR search, span, ends, drift, other bursts.
segment_notes, vibrato, singers_formant, formant_tuning
    Singing-voice measures.
wind_events, wind_spectrum
    Wind-instrument note onsets, articulation (tonguing) events, spectral centroid and harmonics.
synth_vowel, add_gradient_noise
    Synthetic test signals with known truth.
scanner_recording, scanner_noise
    Realistic in-scanner audio with known truth (rotating read-outs, jitter, drift, dummy
    scans, localiser, late audio, hum, clock drift, microphone band).
"""

from ._features import FEATURE_COLUMNS, analyze_audio
from ._gradient import GradientNoise, estimate_period, find_gradient_noise, periodicity_score
from ._noise import suppress_mri_noise
from ._scan import ScanNoise, find_scan_noise
from ._scanner_sim import scanner_noise, scanner_recording
from ._settings import VOICE_PRESETS, AnalysisSettings, settings_for_voice
from ._singing import formant_tuning, note_name, segment_notes, singers_formant, vibrato
from ._synth import add_gradient_noise, gradient_noise, synth_vowel
from ._wind import wind_events, wind_spectrum

__all__ = [
    "FEATURE_COLUMNS",
    "AnalysisSettings",
    "GradientNoise",
    "ScanNoise",
    "VOICE_PRESETS",
    "add_gradient_noise",
    "analyze_audio",
    "estimate_period",
    "formant_tuning",
    "note_name",
    "scanner_noise",
    "scanner_recording",
    "segment_notes",
    "singers_formant",
    "suppress_mri_noise",
    "vibrato",
    "wind_events",
    "wind_spectrum",
    "find_gradient_noise",
    "find_scan_noise",
    "gradient_noise",
    "periodicity_score",
    "settings_for_voice",
    "synth_vowel",
]
