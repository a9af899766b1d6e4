"""Analysis settings: voice-type presets and the Praat commands they correspond to.

The presets follow Praat's manual (pitch floor/ceiling for the expected range, maximum formant
5000 Hz for adult male voices and 5500 Hz for female and child voices) and common practice in
singing-voice research (wider pitch ceilings for sopranos, lower floors for basses).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ..errors import DataValueError

__all__ = ["AnalysisSettings", "VOICE_PRESETS", "settings_for_voice"]


@dataclass(frozen=True)
class AnalysisSettings:
    """Settings of :func:`vtract.analyze_audio` (all times in s, frequencies in Hz).

    Parameters
    ----------
    voice : str
        Name of the preset the settings were derived from.
    pitch_floor_hz, pitch_ceiling_hz : float
        Pitch search range (Praat "pitch floor" / "pitch ceiling").
    pitch_method : {"ac", "cc"}
        Praat "To Pitch (ac)..." (autocorrelation, intonation) or "To Pitch (cc)..."
        (cross-correlation, voice analysis).
    max_formant_hz : float
        Burg "Formant ceiling" (Praat: "Maximum formant").
    n_formants : float
        Burg "Max. number of formants" (may be a half integer, as in Praat).
    time_step_s : float
        Spacing of the output analysis frames.
    formant_window_s : float
        Burg window length (Praat's "effective" length; the Gaussian is twice as long).
    pre_emphasis_hz : float
        Pre-emphasis "from" frequency for Burg and the cepstrogram.
    silence_threshold, voicing_threshold, octave_cost, octave_jump_cost, voiced_unvoiced_cost : float
        Praat pitch path-finder settings.
    very_accurate : bool
        Praat's "Very accurate" (6 instead of 3 periods per window).
    max_candidates : int
        Praat's "Max. number of candidates".
    cpp_pitch_floor_hz, cpp_pitch_ceiling_hz : float
        Quefrency range of the cepstral peak (1/ceiling .. 1/floor).
    cpp_max_frequency_hz : float
        Highest frequency kept in the power cepstrogram.
    tilt_low_band_hz, tilt_high_band_hz : tuple of float
        Bands of the spectral tilt (level of the low band minus level of the high band, dB).
    chunk_s : float
        Length of the chunks long recordings are analysed in (s).
    formant_ceiling_search : (float, float, float) or None
        ``(lowest, highest, step)`` Burg ceilings (Hz) tried per chunk; the one at which F1-F3
        are sharpest (smallest summed relative bandwidth over the voiced frames) is used and
        reported per frame in ``formant_ceiling_hz``. None: ``max_formant_hz`` as given. The
        voice presets search ``max_formant_hz * (0.82 .. 1.1)`` (vocal tracts about 10-20 %
        shorter or longer than the preset assumes); an explicit ``max_formant_hz`` turns it off.
    hnr_method : {"cc", "pitch"}
        ``"cc"``: Praat ``To Harmonicity (cc)...`` (a separate analysis, the reference);
        ``"pitch"``: ``10 log10(r / (1 - r))`` from the strength ``r`` of the selected candidate
        of the pitch analysis already run (Praat's harmonicity definition; about half the
        analysis time saved, values within a few dB of ``"cc"`` for voiced frames, NaN when
        unvoiced).
    """

    voice: str = "speech"
    pitch_floor_hz: float = 75.0
    pitch_ceiling_hz: float = 600.0
    pitch_method: str = "ac"
    max_formant_hz: float = 5500.0
    n_formants: float = 5.0
    time_step_s: float = 0.01
    formant_window_s: float = 0.025
    pre_emphasis_hz: float = 50.0
    silence_threshold: float = 0.03
    voicing_threshold: float = 0.45
    octave_cost: float = 0.01
    octave_jump_cost: float = 0.35
    voiced_unvoiced_cost: float = 0.14
    very_accurate: bool = False
    max_candidates: int = 15
    cpp_pitch_floor_hz: float = 60.0
    cpp_pitch_ceiling_hz: float = 330.0
    cpp_max_frequency_hz: float = 5000.0
    tilt_low_band_hz: tuple[float, float] = (50.0, 1000.0)
    tilt_high_band_hz: tuple[float, float] = (1000.0, 5000.0)
    chunk_s: float = 60.0
    hnr_method: str = "cc"
    formant_ceiling_search: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        if self.pitch_method not in ("ac", "cc"):
            raise DataValueError(f"pitch_method must be 'ac' or 'cc', got {self.pitch_method!r}")
        if not 0 < self.pitch_floor_hz < self.pitch_ceiling_hz:
            raise DataValueError(
                f"need 0 < pitch_floor_hz < pitch_ceiling_hz, got {self.pitch_floor_hz} and "
                f"{self.pitch_ceiling_hz}")
        if not self.time_step_s > 0:
            raise DataValueError(f"time_step_s must be > 0, got {self.time_step_s}")
        if not self.max_formant_hz > 0 or not self.n_formants >= 1:
            raise DataValueError("max_formant_hz must be > 0 and n_formants >= 1")
        if self.hnr_method not in ("cc", "pitch"):
            raise DataValueError(f"hnr_method must be 'cc' or 'pitch', got {self.hnr_method!r}")
        if not self.chunk_s >= 1.0:
            raise DataValueError(f"chunk_s must be >= 1 s, got {self.chunk_s}")

    def replace(self, **changes: Any) -> AnalysisSettings:
        """Return a copy with some settings changed (unknown names raise DataValueError)."""
        known = {f.name for f in fields(self)}
        bad = sorted(set(changes) - known)
        if bad:
            raise DataValueError(f"unknown analysis setting(s) {bad}; known: {sorted(known)}")
        return replace(self, **changes)

    def praat_commands(self) -> list[str]:
        """Return the Praat commands (script syntax) that reproduce the Praat part of the analysis."""
        yn = "yes" if self.very_accurate else "no"
        pitch_cmd = "To Pitch (ac)" if self.pitch_method == "ac" else "To Pitch (cc)"
        dt = self.time_step_s
        return [
            f"selectObject: sound\n{pitch_cmd}... {dt:g} {self.pitch_floor_hz:g} "
            f"{self.max_candidates} {yn} {self.silence_threshold:g} {self.voicing_threshold:g} "
            f"{self.octave_cost:g} {self.octave_jump_cost:g} {self.voiced_unvoiced_cost:g} "
            f"{self.pitch_ceiling_hz:g}",
            f"selectObject: sound\nTo Formant (burg)... {dt:g} {self.n_formants:g} "
            f"{self.max_formant_hz:g} {self.formant_window_s:g} {self.pre_emphasis_hz:g}",
            f"selectObject: sound\nTo Intensity... {self.pitch_floor_hz:g} {dt:g} no",
            f"selectObject: sound\nTo Harmonicity (cc)... {dt:g} {self.pitch_floor_hz:g} 0.1 1.0",
            f"selectObject: sound\nTo PowerCepstrogram... {self.cpp_pitch_floor_hz:g} {dt:g} "
            f"{self.cpp_max_frequency_hz:g} {self.pre_emphasis_hz:g}",
            f"selectObject: sound\nTo Spectrogram... 0.025 {self.tilt_high_band_hz[1]:g} {dt:g} "
            "20 Gaussian",
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the settings plus the Praat commands and derived-measure notes."""
        d = asdict(self)
        d["praat_version"] = _praat_version()
        d["praat_commands"] = self.praat_commands()
        d["notes"] = {
            "time_s": "analysis-frame centres on the audio clock; every Praat track is linearly "
                      "interpolated onto the grid (k + 0.5) * time_step_s (NaN if a neighbour is "
                      "undefined)",
            "intensity_db": "Praat Intensity without mean subtraction (dB re 2e-5 for samples in Pa)",
            "hnr_db": "Praat Harmonicity (cc) (hnr_method='cc'; Praat's -200 dB becomes NaN) or "
                      "10*log10(r/(1-r)) of the selected pitch candidate's strength r "
                      "(hnr_method='pitch')",
            "cpp_db": "cepstral peak prominence per PowerCepstrogram frame: peak of the dB "
                      "cepstrum between 1/cpp_pitch_ceiling_hz and 1/cpp_pitch_floor_hz "
                      "(parabolic interpolation) minus a least-squares straight trend line "
                      "fitted over 0.001 s .. the highest quefrency (Hillenbrand's CPP; no "
                      "smoothing)",
            "spectral_tilt_db": "level of tilt_low_band_hz minus level of tilt_high_band_hz from "
                                "the Praat Spectrogram (alpha-ratio style; larger = steeper)",
        }
        return d


def _praat_version() -> str:
    try:
        import parselmouth

        return str(parselmouth.PRAAT_VERSION)
    except Exception:  # pragma: no cover - parselmouth is a hard dependency
        return "unknown"


#: voice name -> preset overrides of :class:`AnalysisSettings`
VOICE_PRESETS: dict[str, dict[str, Any]] = {
    "speech": dict(pitch_floor_hz=75.0, pitch_ceiling_hz=600.0, max_formant_hz=5500.0),
    "speech_male": dict(pitch_floor_hz=60.0, pitch_ceiling_hz=300.0, max_formant_hz=5000.0),
    "speech_female": dict(pitch_floor_hz=100.0, pitch_ceiling_hz=500.0, max_formant_hz=5500.0),
    "singing": dict(pitch_floor_hz=60.0, pitch_ceiling_hz=1200.0, max_formant_hz=5500.0),
    "soprano": dict(pitch_floor_hz=180.0, pitch_ceiling_hz=1400.0, max_formant_hz=6000.0,
                    cpp_pitch_floor_hz=150.0, cpp_pitch_ceiling_hz=1200.0),
    "mezzo": dict(pitch_floor_hz=150.0, pitch_ceiling_hz=1100.0, max_formant_hz=5800.0,
                  cpp_pitch_floor_hz=120.0, cpp_pitch_ceiling_hz=1000.0),
    "alto": dict(pitch_floor_hz=130.0, pitch_ceiling_hz=1000.0, max_formant_hz=5500.0,
                 cpp_pitch_floor_hz=110.0, cpp_pitch_ceiling_hz=900.0),
    "tenor": dict(pitch_floor_hz=100.0, pitch_ceiling_hz=700.0, max_formant_hz=5000.0,
                  cpp_pitch_floor_hz=80.0, cpp_pitch_ceiling_hz=600.0),
    "baritone": dict(pitch_floor_hz=80.0, pitch_ceiling_hz=500.0, max_formant_hz=5000.0),
    "bass": dict(pitch_floor_hz=60.0, pitch_ceiling_hz=400.0, max_formant_hz=4500.0),
    # wind: a higher octave cost than Praat's 0.01 keeps steady high tones (flute) from
    # dropping an octave when residual scanner noise adds subharmonic energy (phantom benchmark)
    "wind": dict(pitch_floor_hz=50.0, pitch_ceiling_hz=2000.0, max_formant_hz=5500.0,
                 cpp_pitch_floor_hz=50.0, cpp_pitch_ceiling_hz=1500.0, octave_cost=0.05),
}


def settings_for_voice(voice: str = "speech", **overrides: Any) -> AnalysisSettings:
    """Return settings for a voice type, with keyword overrides (``None`` values are ignored).

    Parameters
    ----------
    voice : str
        One of :data:`VOICE_PRESETS` (speech, speech_male, speech_female, singing, soprano,
        mezzo, alto, tenor, baritone, bass, wind).
    **overrides
        Any :class:`AnalysisSettings` field.

    Returns
    -------
    AnalysisSettings
    """
    key = str(voice).lower()
    if key not in VOICE_PRESETS:
        raise DataValueError(f"unknown voice {voice!r}; choose one of {sorted(VOICE_PRESETS)}")
    kw = dict(VOICE_PRESETS[key])
    if key != "wind" and overrides.get("max_formant_hz") is None \
            and "formant_ceiling_search" not in overrides:
        c = float(kw.get("max_formant_hz", AnalysisSettings.max_formant_hz))
        kw["formant_ceiling_search"] = (round(0.82 * c, -1), round(1.1 * c, -1),
                                        round(0.04 * c, -1))
    kw.update({k: v for k, v in overrides.items() if v is not None})
    base = AnalysisSettings(voice=key)
    return base.replace(**kw)
