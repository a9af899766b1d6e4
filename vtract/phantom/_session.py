"""Build one phantom session: frames, labels, audio and ground truth, written to a folder.

Files written to ``<out_dir>/<session_id>/`` (the layout is stable; manifests point at it):

==================  =========================================================================================
file                content
==================  =========================================================================================
``frames.nii.gz``   MRI-like frames, float32 NIfTI 2D+t (pixdim = spacing in mm, 1/fps in s)
``labels.nii.gz``   uint8 label maps on the frame grid (:mod:`vtract.labels`)
``audio.wav``       in-scanner recording: clean sound + MRI gradient noise, 20 kHz, 16-bit
``clean.wav``       the same without MRI noise (same gain, so ``audio = clean + noise``)
``measures.csv``    per-frame ground-truth measures (contract columns, frame centre ``time_s``)
``params.csv``      per-frame model parameters (articulation, head motion) at the frame centres
``acoustics.csv``   clean-audio ground truth every 10 ms on the audio clock: ``time_s``, ``f0_hz``,
                    ``f1_hz``..``f4_hz`` (peaks of the tube transfer function that filtered the voice,
                    computed every 20 ms and interpolated; NaN when silent, during a full closure,
                    with the velopharyngeal port open, and for wind instruments), ``voiced``
``notes.json``      the score's notes: ``[onset_s, offset_s, f0_hz]`` on the session (image) clock
``*.json``          sidecars of the CSV tables (vtract version, the session's full specification)
==================  =========================================================================================

Time bases: frame ``k`` spans ``[k / fps, (k + 1) / fps)`` on the image clock (``t0_s = 0``); audio sample
``n`` is at audio time ``n / 20000``; frame 0 starts at audio time ``audio_offset_s`` (positive: the recording
started first; negative: it started after the first frame).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..measures import MEASURE_COLUMNS
from ..tube import formants_from_area, formants_from_transfer
from . import _audio as A
from ._anatomy import get_subject
from ._articulation import PARAMS, trajectory
from ._geometry import build_geometry
from ._measures import frame_measures, velum_opening
from ._render import RenderSettings, degrade, rasterise, tissue_texture
from ._styles import INSTRUMENTS, SINGING_STYLES, add_vibrato, make_score

__all__ = ["SessionSpec", "build_session", "simulate_session", "SESSION_FILES"]

SESSION_FILES = {"sequence": "frames.nii.gz", "audio": "audio.wav", "labels": "labels.nii.gz",
                 "measures": "measures.csv", "params": "params.csv", "acoustics": "acoustics.csv",
                 "clean_audio": "clean.wav"}

_MOVERS = ("jaw_mm", "lip_aperture_mm", "lip_protrusion_mm", "dorsum_x_mm", "dorsum_y_mm", "tip_x_mm",
           "tip_y_mm", "root_mm", "larynx_mm")


@dataclass(frozen=True)
class SessionSpec:
    """Everything that defines one phantom session (with the seed, it fixes every byte written).

    Parameters
    ----------
    session_id : str
        e.g. ``sub01_classical_01``.
    subject : str
        Built-in subject id (``sub01`` ... ``sub04``).
    style : str
        ``classical``, ``belting``, ``pop``, ``trumpet``, ``clarinet`` or ``flute``.
    matrix, spacing_mm, fps : int, float, float
        Imaging grid and frame rate.
    duration_s : float
        Acquisition length (s).
    audio_offset_s : float
        Audio time at which frame 0 starts (s).
    offset_in_manifest : bool
        Whether the manifest states the offset (else synchronisation must estimate it).
    snr : float
        Muscle signal / noise sigma.
    streaks : float
        Radial-streak blend weight (0 = none).
    head_motion : bool
        Whether small head movements happen.
    noise_db : float
        MRI noise level relative to the clean sound's RMS (dB).
    seed : int
        Session seed.
    """

    session_id: str
    subject: str
    style: str
    matrix: int = 84
    spacing_mm: float = 2.4
    fps: float = 83.28
    duration_s: float = 4.0
    audio_offset_s: float = 0.25
    offset_in_manifest: bool = True
    snr: float = 14.0
    streaks: float = 0.0
    head_motion: bool = False
    noise_db: float = 6.0
    seed: int = 0

    @property
    def kind(self) -> str:
        """``singing`` or ``wind``."""
        return "singing" if self.style in SINGING_STYLES else "wind"

    @property
    def group(self) -> dict[str, str]:
        """Manifest group keys."""
        key = "style" if self.kind == "singing" else "instrument"
        return {"kind": self.kind, key: self.style}


def _head_track(t: np.ndarray, spec: SessionSpec, rng: np.random.Generator) -> np.ndarray:
    """Rigid head motion (dx_mm, dy_mm, rot_deg) per time: 1-2 smooth shifts of 0.5-2 mm, <= 1.5 deg."""
    out = np.zeros((t.size, 3))
    if not spec.head_motion:
        return out
    for _ in range(int(rng.integers(1, 3))):
        tc = rng.uniform(0.15, 0.85) * spec.duration_s
        amp = np.array([rng.uniform(-2, 2), rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)])
        step = 0.5 * (1 + np.tanh((t - tc) / 0.08))
        out += step[:, None] * amp[None]
    return out


def simulate_session(spec: SessionSpec) -> dict:
    """Simulate a session in memory.

    Parameters
    ----------
    spec : SessionSpec
        The session definition.

    Returns
    -------
    dict
        ``frames`` (n, ny, nx) float32, ``labels`` (n, ny, nx) uint8, ``measures``/``params``/``acoustics``
        DataFrames, ``audio`` and ``clean`` (float64 samples at 20 kHz), ``tr_s``.
    """
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, _stable_hash(spec.session_id)]))
    subject = get_subject(spec.subject)
    instrument = spec.style if spec.style in INSTRUMENTS else None
    fs = A.SAMPLE_RATE_HZ
    n_frames = int(round(spec.duration_s * spec.fps))
    t_acq = n_frames / spec.fps
    audio_start = -spec.audio_offset_s  # session time of the first audio sample
    audio_len = t_acq + max(spec.audio_offset_s, 0.0) + 0.3
    t_start = min(audio_start, 0.0) - 0.3

    def belt_f1(pose: dict) -> float:
        g = build_geometry(subject, pose, instrument=None)
        return float(formants_from_area(*A.area_function(g), n_formants=1, radiation=True)[0])

    score = make_score(spec.style, subject, max(t_acq, audio_start + audio_len) + 0.2, rng,
                       t_start=t_start, belt_f1=belt_f1)
    dt = 0.002
    tt, traj = trajectory(score.targets, (audio_start + audio_len) - t_start + 1.2, dt=dt)
    tt = tt + t_start
    traj["f0_hz"] = add_vibrato(tt, traj["f0_hz"], traj["amp"], score.vibrato, rng)
    head = _head_track(tt, spec, rng)
    vel = np.max(np.abs(np.stack([np.gradient(traj[p], dt) for p in _MOVERS])), axis=0)
    vel = np.maximum(vel, 20.0 * np.abs(np.gradient(traj["velum"], dt)))

    def at(t: np.ndarray) -> dict:
        return {p: np.interp(t, tt, traj[p]) for p in PARAMS}

    # --- images -------------------------------------------------------------------------------------
    tf = (np.arange(n_frames) + 0.5) / spec.fps
    pf = at(tf)
    hf = np.stack([np.interp(tf, tt, head[:, j]) for j in range(3)], axis=1)
    tex = tissue_texture(spec.matrix, spec.spacing_mm, rng)
    clean = np.empty((n_frames, spec.matrix, spec.matrix), np.float32)
    labels = np.empty((n_frames, spec.matrix, spec.matrix), np.uint8)
    rows = []
    for k in range(n_frames):
        pose = {p: float(pf[p][k]) for p in PARAMS}
        g = build_geometry(subject, pose, instrument=instrument, head=tuple(hf[k]))
        clean[k], labels[k], area = rasterise(g, spec.matrix, spec.spacing_mm, texture=tex)
        rows.append(frame_measures(g, area))
    settings = RenderSettings(matrix=spec.matrix, spacing_mm=spec.spacing_mm, fps=spec.fps,
                              snr=spec.snr, streaks=spec.streaks,
                              coil_centre_mm=(float(rng.uniform(45, 75)), float(rng.uniform(100, 135))),
                              coil_width_mm=float(rng.uniform(50, 70)))
    frames = degrade(clean, settings, np.interp(tf, tt, vel), rng, signal_scale=subject.tissue_gain)
    measures = pd.DataFrame(rows, columns=MEASURE_COLUMNS[2:])
    measures.insert(0, "time_s", tf)
    measures.insert(0, "frame", np.arange(n_frames))
    params = pd.DataFrame({p: pf[p] for p in PARAMS})
    params["head_dx_mm"], params["head_dy_mm"], params["head_rot_deg"] = hf.T
    params.insert(0, "time_s", tf)
    params.insert(0, "frame", np.arange(n_frames))

    # --- audio --------------------------------------------------------------------------------------
    n_samp = int(round(audio_len * fs))
    ta = np.arange(n_samp) / fs + audio_start  # session time of each sample
    f0 = np.interp(ta, tt, traj["f0_hz"])
    amp = np.clip(np.interp(ta, tt, traj["amp"]), 0.0, None)
    hop = 0.02
    blocks = np.arange(0.0, n_samp / fs + hop, hop)
    formants = np.full((blocks.size, 4), np.nan)
    if instrument is None:
        src = A.glottal_source(f0, amp, rng, jitter=0.005 if spec.style == "classical" else 0.008,
                             aspiration_db=-34.0 if spec.style == "classical" else -26.0)
        areas, nasal = [], []
        for tb in blocks:
            pose = {p: float(v[0]) for p, v in at(np.array([tb + audio_start])).items()}
            g = build_geometry(subject, pose, instrument=None)
            areas.append(A.area_function(g))
            nasal.append(A.nasal_area_function(g, velum_opening(g)))
        freqs, h = A.block_transfer(areas, fs=fs)
        open_port = [b for b, nz in enumerate(nasal) if nz is not None]
        if open_port:
            _, hn = A.block_transfer([nasal[b] for b in open_port], fs=fs)
            h[open_port] += 0.6 * hn
        for b in range(blocks.size):
            # No formants while the tract is occluded (a section below 2 mm^2) or nasally coupled.
            if areas[b][0].min() > 0.02 and nasal[b] is None:
                formants[b] = formants_from_transfer(freqs, h[b], n_formants=4)
        sound = A.filter_source(src, h, blocks, fs=fs, hop_s=hop)
    else:
        onsets = [on + spec.audio_offset_s for on, _, _ in score.notes]
        sound = A.instrument_tone(instrument, f0, amp, onsets, rng, fs=fs)
    voiced_s = amp > 0.3
    ref = np.sqrt(np.mean(sound[voiced_s] ** 2)) if voiced_s.any() else np.sqrt(np.mean(sound ** 2))
    sound = sound * (0.1 / (ref + 1e-12))
    noise, tr_s = A.mri_noise(n_samp, spec.audio_offset_s, n_frames, spec.fps, rng, fs=fs)
    floor = rng.standard_normal(n_samp) * 0.002
    mix = sound + 0.1 * 10 ** (spec.noise_db / 20) * noise + floor
    gain = min(1.0, 0.95 / (np.abs(mix).max() + 1e-12))
    mix, sound = mix * gain, sound * gain

    ta_gt = np.arange(0.0, n_samp / fs, 0.01)
    a_gt = np.interp(ta_gt + audio_start, tt, traj["amp"])
    voiced = a_gt > 0.3
    acoustics = pd.DataFrame({"time_s": ta_gt,
                              "f0_hz": np.where(voiced, np.interp(ta_gt + audio_start, tt,
                                                                  traj["f0_hz"]), np.nan)})
    for j in range(4):
        fj = np.interp(ta_gt, blocks, formants[:, j]) if instrument is None else np.full(ta_gt.size,
                                                                                           np.nan)
        acoustics[f"f{j + 1}_hz"] = np.where(voiced, fj, np.nan)
    acoustics["voiced"] = voiced
    return {"frames": frames, "labels": labels, "measures": measures, "params": params,
            "acoustics": acoustics, "audio": mix, "clean": sound, "tr_s": tr_s,
            "notes": score.notes}


def _stable_hash(text: str) -> int:
    """Deterministic 32-bit hash of a string (Python's ``hash`` is salted per process)."""
    import zlib

    return zlib.crc32(text.encode("utf-8"))


def build_session(spec: SessionSpec, out_dir: str | Path) -> dict:
    """Simulate one session and write its files.

    Parameters
    ----------
    spec : SessionSpec
        The session definition.
    out_dir : path
        Dataset folder; files go to ``out_dir / spec.session_id``.

    Returns
    -------
    dict
        Summary (``session_id``, ``n_frames``, ``tr_s``, ``bytes``, ``cpu_s`` of this process).
    """
    import time

    import soundfile as sf

    from .. import io as vio
    from ..sequence import Sequence

    c0 = time.process_time()
    sim = simulate_session(spec)
    d = Path(out_dir) / spec.session_id
    d.mkdir(parents=True, exist_ok=True)
    # 12-bit-like quantisation (step 1/4096, far below the noise sigma ~0.03): like scanner integer
    # data, and it lets gzip compress the NIfTI about twice as well.
    frames = np.round(sim["frames"] * 4096.0) / 4096.0
    seq = Sequence(frames, fps=spec.fps, pixel_spacing_mm=(spec.spacing_mm, spec.spacing_mm),
                   t0_s=0.0)
    vio.write_sequence(seq, d / SESSION_FILES["sequence"])
    vio.write_labels(sim["labels"], d / SESSION_FILES["labels"], like=seq)
    sf.write(d / SESSION_FILES["audio"], sim["audio"], A.SAMPLE_RATE_HZ, subtype="PCM_16")
    sf.write(d / SESSION_FILES["clean_audio"], sim["clean"], A.SAMPLE_RATE_HZ, subtype="PCM_16")
    settings = {"phantom_spec": asdict(spec), "tr_s": sim["tr_s"]}
    vio.write_table(sim["measures"], d / SESSION_FILES["measures"], settings=settings)
    vio.write_table(sim["params"], d / SESSION_FILES["params"], settings=settings)
    vio.write_table(sim["acoustics"], d / SESSION_FILES["acoustics"], settings=settings)
    (d / "notes.json").write_text(json.dumps({"notes": [list(n) for n in sim["notes"]]}, indent=1))
    size = sum(p.stat().st_size for p in d.iterdir())
    return {"session_id": spec.session_id, "n_frames": int(sim["frames"].shape[0]),
            "tr_s": sim["tr_s"], "bytes": size, "cpu_s": time.process_time() - c0}
