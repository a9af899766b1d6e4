"""``vtract acoustics`` and ``vtract sync``: acoustic features and audio-frame synchronisation."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ._options import sequence_options, sequence_overrides

__all__ = ["acoustics", "sync"]

log = logging.getLogger("vtract")


@click.command()
@click.argument("audio_path", metavar="AUDIO", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Features table (.csv or .parquet); a JSON sidecar records the settings.")
@click.option("--voice", default="speech", show_default=True,
              help="Preset: speech, speech_male, speech_female, singing, soprano, mezzo, alto, "
                   "tenor, baritone, bass, wind.")
@click.option("--denoise/--no-denoise", default=None,
              help="Suppress MRI gradient noise first (default: whenever the audio holds some; "
                   "it is found by its TR without --fps).")
@click.option("--fps", type=float, default=None,
              help="Frame rate of the acquisition (frames/s): a hint for the noise search.")
@click.option("--method", type=click.Choice(["hybrid", "periodic", "spectral", "comb"]),
              default="hybrid", show_default=True, help="Noise-suppression method.")
@click.option("--time-step", type=float, default=None, help="Analysis step in s (default 0.01).")
@click.option("--pitch-floor", type=float, default=None, help="Pitch floor in Hz.")
@click.option("--pitch-ceiling", type=float, default=None, help="Pitch ceiling in Hz.")
@click.option("--max-formant", type=float, default=None, help="Burg formant ceiling in Hz.")
@click.option("--channel", default=None, help="Audio channel index or 'mix'.")
@click.option("--jobs", type=int, default=1, show_default=True, help="Worker processes.")
def acoustics(audio_path: str, output: str, voice: str, denoise: bool | None,
              fps: float | None, method: str, time_step: float | None,
              pitch_floor: float | None, pitch_ceiling: float | None,
              max_formant: float | None, channel: str | None, jobs: int) -> None:
    """Acoustic features (f0, formants, intensity, HNR, CPP, tilt) of AUDIO with Praat."""
    from ..acoustics import analyze_audio, suppress_mri_noise
    from ..errors import VtractWarning
    from ..io import read_audio, write_table

    ch = int(channel) if channel not in (None, "mix") else channel
    audio = read_audio(audio_path, channel=ch)
    settings: dict = {}
    if denoise is None or denoise:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VtractWarning)
            den = suppress_mri_noise(audio, fps=fps, method=method)
        info = den.metadata.get("mri_noise", {})
        settings["mri_noise"] = info
        if info.get("found"):
            audio = den
            log.info("gradient noise found (TR %.3f ms, span %s); suppressed",
                     1e3 * info.get("tr_s", info.get("period_s", float("nan"))),
                     info.get("span_s"))
        elif denoise:
            log.warning("%s: --denoise given but no gradient noise was found", audio_path)
    else:
        settings["mri_noise"] = {"found": None, "note": "--no-denoise"}
    df = analyze_audio(audio, voice=voice, time_step_s=time_step, pitch_floor_hz=pitch_floor,
                       pitch_ceiling_hz=pitch_ceiling, max_formant_hz=max_formant, n_jobs=jobs)
    settings.update(df.attrs["settings"])
    settings["source"] = str(Path(audio_path).resolve())
    write_table(df, output, settings=settings)
    log.info("wrote %s (%d frames)", output, len(df))


@click.command()
@click.argument("sequence_path", metavar="SEQUENCE", type=click.Path(dir_okay=False))
@click.argument("audio_path", metavar="AUDIO", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Synced per-frame table (.csv or .parquet).")
@click.option("--report", "report", default=None, type=click.Path(dir_okay=False),
              help="Sync report (JSON): audio_offset_s, method, confidence, drift_ppm...")
@click.option("--offset", type=float, default=None,
              help="Known audio time (s) at which frame 0 starts (skips the estimate).")
@click.option("--measures", "measures_path", default=None, type=click.Path(dir_okay=False),
              help="Per-frame measures table to join and to cross-check the offset with.")
@click.option("--voice", default="speech", show_default=True, help="Acoustic preset.")
@click.option("--denoise/--no-denoise", default=True, show_default=True,
              help="Suppress gradient noise before the acoustic analysis.")
@click.option("--channel", default=None, help="Audio channel index or 'mix'.")
@sequence_options
def sync(sequence_path: str, audio_path: str, output: str, report: str | None,
         offset: float | None, measures_path: str | None, voice: str, denoise: bool,
         channel: str | None, fps: float | None, pixel_spacing: str | None,
         allow_truncated: bool = False) -> None:
    """Put SEQUENCE's frames and AUDIO on one clock; write per-frame measures + acoustics."""
    from ..acoustics import analyze_audio, suppress_mri_noise
    from ..errors import MissingMetadataError
    from ..io import file_stem, read_audio, read_sequence, read_table, write_table
    from ..session import Session
    from ..sync import synchronize
    from ..synced import synced_table

    seq = read_sequence(sequence_path, **sequence_overrides(fps, pixel_spacing, allow_truncated))
    if seq.fps is None:
        raise MissingMetadataError(f"{sequence_path}: no frame rate in the file; pass --fps")
    ch = int(channel) if channel not in (None, "mix") else channel
    audio = read_audio(audio_path, channel=ch)
    session = Session(seq, audio=audio, audio_offset_s=offset,
                      session_id=file_stem(sequence_path))
    measures = read_table(measures_path) if measures_path else None
    if measures is None:
        click.echo(f"note: no measures table given: {output} has no measure columns; to add them, run "
                   f"`vtract segment {sequence_path} -o labels.nii.gz --measures M.csv` and pass "
                   "`--measures M.csv`", err=True)
    res = synchronize(session, measures)
    for w in res.warnings:
        click.echo(f"warning: {w}", err=True)
    a = audio
    if denoise:
        a = suppress_mri_noise(audio, fps=seq.fps)
    feats = analyze_audio(a, voice=voice)
    table = synced_table(session, measures, feats, res)
    settings = {"sync": res.to_dict(), "acoustics": feats.attrs["settings"],
                "denoise": denoise, "sequence": str(Path(sequence_path).resolve()),
                "audio": str(Path(audio_path).resolve())}
    write_table(table, output, settings=settings)
    if report:
        res.to_json(report)
    log.info("audio_offset_s=%.5f (%s, confidence %.2f, drift %.1f ppm); wrote %s",
             res.audio_offset_s, res.method, res.confidence, res.drift_ppm, output)

