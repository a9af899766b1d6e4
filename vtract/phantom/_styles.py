"""Performance styles: singers' and wind players' articulation as timed targets and f0 tracks.

Singers (classical, belting, pop) and wind players (trumpet, clarinet, flute) differ in what they do
with the vocal tract; :func:`make_score` turns a style into timed targets and notes.

Built-in group differences (known sizes; the notebooks' statistics should recover them)
--------------------------------------------------------------------------------------
Offsets are added to the vowel targets of :mod:`._articulation` (template mm, multiply by the subject's
``scale``, 0.97-1.08, for field-of-view mm):

=========================  ============  ============  ============  =================================
parameter                  classical     belting       pop           expected measure difference
=========================  ============  ============  ============  =================================
larynx_mm (down +)         +7            -6            0             larynx_height_mm classical -
                                                                     belting ~ +13 mm
jaw_mm (added)             -1            +6            -1            jaw_opening_mm belting -
                                                                     classical ~ +7 mm (same vowels)
root_mm (forward +)        +4            -1            0             wider oropharynx in classical
epilarynx_mm (width)       3.0           7.0           8.5           narrow epilarynx -> singer's
                                                                     formant cluster near 3 kHz
velum (0 raised)           0.0           0.05          0.35          port closed in classical/belting
vibrato extent (cents)     +-70 @ 5.6Hz  +-12 @ 5.2Hz  +-8 @ 5.0Hz   f0 modulation depth
larynx rise per octave     1 mm          4 mm          3 mm          larynx follows pitch
f0 choice                  score         F1 / 2        score         belting: |2 f0 - F1| < 5 % F1
=========================  ============  ============  ============  =================================

Wind players (lips and tongue; the velum stays raised, ``velum = 0``):

=========================  ============  ============  ============
parameter                  trumpet       clarinet      flute
=========================  ============  ============  ============
lip_aperture_mm            1.0           (mouthpiece)  3.5
lip_protrusion_mm          -1.0          +1.0          -2.0
jaw_mm                     5.0           9.0           5.0
object in the slice        mouthpiece    mouthpiece    flute tube
                           outside lips  inside mouth  below lips
tonguing                   t / k         t (to reed)   t / k
register -> tongue height  dorsum_y = -4 * (register - 0.5) * 2 mm (higher notes, higher tongue)
=========================  ============  ============  ============

So ``lip_aperture_mm`` flute - trumpet ~ +2.5 mm (x scale), and every note onset of a wind session has a
tongue-tip (``t``) or tongue-dorsum (``k``) closure ~50 ms long just before the tone starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._anatomy import Subject
from ._articulation import CONSONANTS, NEUTRAL, VOWELS, Target

__all__ = ["STYLE_OFFSETS", "VIBRATO", "LARYNX_PER_OCTAVE", "WIND", "Score", "make_score", "SINGING_STYLES",
           "INSTRUMENTS"]

SINGING_STYLES = ("classical", "belting", "pop")
INSTRUMENTS = ("trumpet", "clarinet", "flute")

STYLE_OFFSETS: dict[str, dict[str, float]] = {
    "classical": {"larynx_mm": 7.0, "jaw_mm": -1.0, "root_mm": 4.0, "epilarynx_mm": 3.0,
                  "velum": 0.0, "lip_protrusion_mm": 2.0, "lip_aperture_mm": 0.0},
    "belting": {"larynx_mm": -6.0, "jaw_mm": 6.0, "root_mm": -1.0, "epilarynx_mm": 7.0,
                "velum": 0.05, "lip_protrusion_mm": -2.0, "lip_aperture_mm": 5.0},
    "pop": {"larynx_mm": 0.0, "jaw_mm": -1.0, "root_mm": 0.0, "epilarynx_mm": 8.5,
            "velum": 0.35, "lip_protrusion_mm": 0.0, "lip_aperture_mm": 0.0},
}

#: Larynx rise per octave of pitch (mm), per singing style.
LARYNX_PER_OCTAVE: dict[str, float] = {"classical": 1.0, "belting": 4.0, "pop": 3.0}

#: Vibrato (rate Hz, extent cents = peak deviation) per singing style.
VIBRATO: dict[str, tuple[float, float]] = {"classical": (5.6, 70.0), "belting": (5.2, 12.0),
                                           "pop": (5.0, 8.0)}

#: Wind-instrument embouchure (held for the whole session) and f0 range (Hz, concert pitch).
WIND: dict[str, dict] = {
    "trumpet": {"pose": {"lip_aperture_mm": 1.0, "lip_protrusion_mm": -1.0, "jaw_mm": 5.0},
                "range": (185.0, 700.0), "tongue": "tk"},
    "clarinet": {"pose": {"lip_aperture_mm": 8.0, "lip_protrusion_mm": 1.0, "jaw_mm": 9.0},
                 "range": (165.0, 700.0), "tongue": "t"},
    "flute": {"pose": {"lip_aperture_mm": 3.5, "lip_protrusion_mm": -2.0, "jaw_mm": 5.0},
              "range": (262.0, 1050.0), "tongue": "tk"},
}


@dataclass
class Score:
    """Timed targets plus note events of one session (session clock, s)."""

    targets: list[Target]
    notes: list[tuple[float, float, float]]  # (onset_s, offset_s, f0_hz)
    vibrato: tuple[float, float]  # (rate_hz, extent_cents)
    style: str


def _semitones(f_lo: float, f_hi: float, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` note frequencies on the equal-tempered scale between f_lo and f_hi (a melodic walk)."""
    lo = 12 * np.log2(f_lo / 440.0)
    hi = 12 * np.log2(f_hi / 440.0)
    cur = rng.uniform(lo, hi)
    out = []
    for _ in range(n):
        cur = float(np.clip(cur + rng.choice([-4, -2, -1, 1, 2, 3, 5]), lo, hi))
        out.append(440.0 * 2 ** (round(cur) / 12))
    return np.array(out)


def make_score(style: str, subject: Subject, duration_s: float, rng: np.random.Generator, *,
               t_start: float = -1.0, belt_f1=None) -> Score:
    """Compose the targets of one session.

    Parameters
    ----------
    style : str
        ``classical``, ``belting``, ``pop``, ``trumpet``, ``clarinet`` or ``flute``.
    subject : Subject
        Voice range and anatomy.
    duration_s : float
        Length of the image acquisition (s); the score covers ``[t_start, duration_s + 1]``.
    rng : numpy.random.Generator
        Seeded generator (note choice, timing jitter).
    t_start : float
        Session time (s) where the score starts (before frame 0, to cover audio that starts early).
    belt_f1 : callable, optional
        ``belt_f1(pose) -> F1 (Hz)`` used to tune belting notes to ``f0 = F1 / 2``.

    Returns
    -------
    Score
    """
    targets: list[Target] = []
    notes: list[tuple[float, float, float]] = []
    end = duration_s + 1.0
    if style in SINGING_STYLES:
        off = STYLE_OFFSETS[style]
        base = dict(NEUTRAL)
        base.update({k: NEUTRAL[k] + v if k in ("larynx_mm", "root_mm") else v
                     for k, v in off.items() if k not in ("jaw_mm", "lip_aperture_mm",
                                                           "lip_protrusion_mm")})
        targets.append(Target(t_start, {**base, "amp": 0.0}, 0.05))
        lo, hi = subject.f0_range_hz
        if style == "classical":
            vowels, durs, cons = ["a", "o", "e", "i", "u", "a"], (0.7, 1.1), ["l", "m", "d", None]
            f_lo, f_hi = lo * 1.5, hi * 0.75
        elif style == "belting":
            vowels, durs, cons = ["a", "e", "a", "o"], (0.6, 0.9), ["d", "m", None]
            f_lo, f_hi = lo * 1.7, hi * 0.8
        else:
            vowels, durs, cons = ["a", "e", "i", "o", "u", "@"], (0.25, 0.45), ["t", "k", "m", "n",
                                                                                  "l", "d"]
            f_lo, f_hi = lo * 1.2, hi * 0.55
        t = t_start + 0.25
        k = 0
        while t < end:
            dur = float(rng.uniform(*durs))
            v = vowels[k % len(vowels)] if style != "pop" else str(rng.choice(vowels))
            pose = dict(VOWELS[v])
            for p in ("jaw_mm", "lip_aperture_mm", "lip_protrusion_mm"):
                pose[p] = pose[p] + off[p]
            pose["larynx_mm"] = NEUTRAL["larynx_mm"] + off["larynx_mm"]
            pose["root_mm"] = pose["root_mm"] + off["root_mm"]
            if style == "belting" and belt_f1 is not None:
                f0 = 0.5 * belt_f1({**base, **pose}) * float(rng.uniform(0.975, 1.025))
            else:
                f0 = float(_semitones(f_lo, f_hi, rng, 1)[0])
            # The larynx follows pitch (mm per octave above the range's geometric centre, up = -):
            # little in classical singing (a stabilised low larynx), more in belting and pop.
            octave = float(np.log2(f0 / np.sqrt(f_lo * f_hi)))
            pose["larynx_mm"] -= LARYNX_PER_OCTAVE[style] * octave
            c = cons[int(rng.integers(len(cons)))]
            if c is not None and k > 0:
                # Consonant gesture (~70-110 ms) at the syllable onset, voicing continues for
                # voiced consonants (l, m, n, d), drops for voiceless (t, k).
                cdur = float(rng.uniform(0.07, 0.11))
                amp = 0.0 if c in ("t", "k", "p") else 0.5
                targets.append(Target(t, {**CONSONANTS[c], "amp": amp, "f0_hz": f0}, 0.025))
                rel = {kk: pose.get(kk, base.get(kk, NEUTRAL[kk])) for kk in CONSONANTS[c]}
                if "velum" in CONSONANTS[c]:
                    rel["velum"] = base["velum"]
                targets.append(Target(t + cdur, rel, 0.035))
                t_on = t + cdur
            else:
                t_on = t
            targets.append(Target(t_on, {**pose, "amp": 1.0, "f0_hz": f0}, 0.05))
            notes.append((t_on, t + dur, f0))
            t += dur
            k += 1
            if style == "classical" and rng.random() < 0.25:  # a breath
                targets.append(Target(t, {"amp": 0.0, "jaw_mm": 8.0, "velum": 0.2}, 0.06))
                targets.append(Target(t + 0.25, {"velum": base["velum"]}, 0.06))
                t += 0.25
        return Score(targets, notes, VIBRATO[style], style)

    if style not in WIND:
        from ..errors import DataValueError

        raise DataValueError(f"unknown style {style!r}; expected one of "
                             f"{SINGING_STYLES + INSTRUMENTS}")
    w = WIND[style]
    base = dict(NEUTRAL)
    base.update(w["pose"])
    base.update({"velum": 0.0, "dorsum_x_mm": 2.0, "dorsum_y_mm": 2.0, "root_mm": 1.0})
    targets.append(Target(t_start, {**base, "amp": 0.0}, 0.05))
    lo, hi = w["range"]
    t = t_start + 0.3
    k = 0
    while t < end:
        dur = float(rng.choice([0.2, 0.25, 0.4, 0.5, 0.75]))
        f0 = float(_semitones(lo, hi, rng, 1)[0])
        reg = (np.log2(f0) - np.log2(lo)) / (np.log2(hi) - np.log2(lo))  # 0 low .. 1 high
        pose = {"dorsum_y_mm": 4.0 - 8.0 * reg, "dorsum_x_mm": 2.0 - 4.0 * reg,
                "tip_y_mm": 1.0 - 2.0 * reg}
        tongue = w["tongue"][k % len(w["tongue"])] if rng.random() < 0.7 else "t"
        # Closure targets overshoot the contact (as articulators do) so the short gesture closes.
        clos = ({"tip_x_mm": -3.0, "tip_y_mm": -20.0} if tongue == "t"
                else {"dorsum_x_mm": 12.0, "dorsum_y_mm": -20.0})
        if style == "clarinet" and tongue == "t":
            clos = {"tip_x_mm": -8.0, "tip_y_mm": -10.0}  # tip to the reed, inside the lips
        cdur = float(rng.uniform(0.05, 0.07))
        targets.append(Target(t - cdur, {**clos, "amp": 0.0}, 0.012))
        targets.append(Target(t, {**pose, "tip_x_mm": 0.0, "dorsum_x_mm": pose["dorsum_x_mm"],
                                  "amp": 0.9, "f0_hz": f0}, 0.03))
        notes.append((t, t + dur * 0.9, f0))
        targets.append(Target(t + dur * 0.9, {"amp": 0.0}, 0.03))
        t += dur
        k += 1
        if rng.random() < 0.15:  # breath between phrases
            targets.append(Target(t, {"jaw_mm": w["pose"]["jaw_mm"] + 3.0, "amp": 0.0}, 0.05))
            targets.append(Target(t + 0.3, {"jaw_mm": w["pose"]["jaw_mm"]}, 0.05))
            t += 0.35
    return Score(targets, notes, (5.0, 4.0 if style != "flute" else 15.0), style)


def add_vibrato(t: np.ndarray, f0: np.ndarray, amp: np.ndarray, vibrato: tuple[float, float],
                rng: np.random.Generator) -> np.ndarray:
    """Apply vibrato (rate Hz, extent cents) to an f0 track, fading in over 0.25 s of voicing."""
    rate, extent = vibrato
    voiced = amp > 0.3
    # time since voicing onset (s), for the vibrato onset delay
    since = np.zeros_like(t)
    dt = float(t[1] - t[0])
    for i in range(1, t.size):
        since[i] = since[i - 1] + dt if voiced[i] else 0.0
    fade = np.clip((since - 0.1) / 0.25, 0.0, 1.0)
    r = rate * (1 + 0.03 * np.sin(2 * np.pi * 0.3 * t + rng.uniform(0, 6.28)))
    phase = 2 * np.pi * np.cumsum(r) * dt + rng.uniform(0, 2 * np.pi)
    cents = extent * fade * np.sin(phase)
    return f0 * 2 ** (cents / 1200.0)
