"""``vtract video``: render a teacher-facing MP4 (and/or a PNG still) from a batch folder or a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._options import sequence_options, sequence_overrides

__all__ = ["video", "load_input"]


def load_input(path: str | Path, *, audio: str | None = None, offset: float | None = None,
               labels: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Load a session (and its labels/tables) from a batch session folder or a raw sequence file.

    Parameters
    ----------
    path : path
        ``DIR/<session_id>/`` written by ``vtract run`` (read with :func:`vtract.load_result`),
        a run folder holding one session, or a sequence file.
    audio : path, optional
        Audio file (overrides the folder's).
    offset : float, optional
        Audio offset in s (overrides ``sync.json`` and the manifest's; no drift then).
    labels : path, optional
        Label NIfTI (overrides the folder's ``labels.nii.gz``).
    **overrides
        ``fps`` (frames/s), ``pixel_spacing_mm`` (mm) for :func:`vtract.read_sequence` (sequence
        files only; a batch folder uses the values it was run with).

    Returns
    -------
    dict
        ``session``, ``labels`` (ndarray or None), ``acoustics``, ``measures`` (DataFrame or None).
    """
    from dataclasses import replace

    from ..errors import FileFormatError
    from ..io import read_audio, read_sequence
    from ..results import is_result_folder, load_result, read_label_maps
    from ..session import Session

    path = Path(path)
    ov = {k: v for k, v in overrides.items() if v is not None}
    if is_result_folder(path):
        r = load_result(path)
        session = r.session
        if audio:
            session = replace(session, audio=read_audio(audio))
        if offset is not None:
            session = session.with_offset(offset, drift_ppm=0.0)
        lab = read_label_maps(labels, session.sequence) if labels else r.labels
        return {"session": session, "labels": lab, "acoustics": r.acoustics,
                "measures": r.measures}
    try:
        seq = read_sequence(path, **ov)
    except FileFormatError as exc:
        if not path.is_dir():
            raise
        raise FileFormatError(f"{exc}; nor a session.json: give a 'vtract run' session folder "
                              "(DIR/<session_id>/), a DICOM folder or a sequence file") from exc
    aud = read_audio(audio) if audio else None
    session = Session(seq, aud, audio_offset_s=offset, session_id=path.name.split(".")[0])
    return {"session": session, "labels": read_label_maps(labels, seq) if labels else None,
            "acoustics": None, "measures": None}


def _parse_align(value: str) -> Any:
    if value in ("start", "note_onset"):
        return value
    parts = value.split(",")
    if len(parts) == 2:
        try:
            return float(parts[0]), float(parts[1])
        except ValueError:
            pass
    return value  # a TextGrid interval label


@click.command()
@click.argument("source", type=click.Path(path_type=str))
@click.option("-o", "--output", "output", type=click.Path(path_type=str), default=None,
              help="Output MP4 (H.264 + AAC).")
@click.option("--compare", "compare", type=click.Path(path_type=str), default=None,
              help="Second session folder or sequence: render both side by side.")
@click.option("--align", default="start", show_default=True,
              help="Comparison alignment: start, note_onset, a TextGrid interval label, or 'T_A,T_B' s.")
@click.option("--slow", type=float, default=1.0, show_default=True,
              help="Playback speed (0.25 = four times slower).")
@click.option("--mute", is_flag=True, help="Silence the audio (default in slow motion: lengthened "
              "without pitch change).")
@click.option("--start", "start_s", type=float, default=None, help="Start time (s, image clock).")
@click.option("--end", "end_s", type=float, default=None, help="End time (s, image clock).")
@click.option("--size", type=int, default=None, help="MRI panel height in pixels (default 720; "
              "480 per side with --compare).")
@click.option("--audio", "audio", type=click.Path(path_type=str), default=None,
              help="Audio file (for a sequence file, or to replace the folder's).")
@click.option("--offset", type=float, default=None,
              help="Audio offset in s: audio time at which frame 0 starts.")
@click.option("--labels", "labels", type=click.Path(path_type=str), default=None,
              help="Label maps (NIfTI) for a sequence file.")
@click.option("--fps-out", type=float, default=None, help="Output frame rate (frames/s).")
@click.option("--still", "still", type=click.Path(path_type=str), default=None,
              help="Also (or only) write a PNG montage of key frames.")
@click.option("--poster", "poster", type=click.Path(path_type=str), default=None,
              help="Also save one video frame as PNG (the middle, or the alignment event).")
@click.option("--keyframes", type=int, default=6, show_default=True, help="Tiles in --still.")
@click.option("--denoise", is_flag=True,
              help="Remove MRI gradient noise from the sound (vtract.suppress_mri_noise).")
@click.option("--no-acoustics", is_flag=True,
              help="Do not compute f0/formant tracks when no acoustics.csv is given.")
@sequence_options
def video(source: str, output: str | None, compare: str | None, align: str, slow: float, mute: bool,
          start_s: float | None, end_s: float | None, size: int | None, audio: str | None,
          offset: float | None, labels: str | None, fps_out: float | None, still: str | None,
          poster: str | None, keyframes: int, denoise: bool, no_acoustics: bool,
          fps: float | None, pixel_spacing: str | None,
         allow_truncated: bool = False) -> None:
    """Render an articulation video (MRI, contours, spectrogram, sound) for teaching.

    SOURCE is a batch session folder (DIR/<session_id>/ from 'vtract run') or a sequence file
    (with --audio, --offset, --labels).
    """
    from ..video import render_comparison, render_still, render_video

    if output is None and still is None:
        raise click.UsageError("give -o OUT.mp4 and/or --still OUT.png")
    if compare is not None and (start_s is not None or end_s is not None):
        raise click.UsageError("--start/--end apply to a single video; with --compare choose the "
                               "moment with --align")
    ov = sequence_overrides(fps, pixel_spacing, allow_truncated)
    a = load_input(source, audio=audio, offset=offset, labels=labels, **ov)
    slow_audio = "mute" if mute else "lengthen"
    quiet = (click.get_current_context().find_root().obj or {}).get("quiet", False)
    if output is not None and compare is None:
        render_video(a["session"], output, labels=a["labels"], acoustics=a["acoustics"],
                     measures=a["measures"], slow=slow, slow_audio=slow_audio, start_s=start_s,
                     end_s=end_s, size=size or 720, fps_out=fps_out,
                     analyze=not no_acoustics, denoise=denoise, poster=poster)
    elif output is not None:
        b = load_input(compare, **ov)
        render_comparison(a["session"], b["session"], output, align=_parse_align(align),
                          labels_a=a["labels"], labels_b=b["labels"], acoustics_a=a["acoustics"],
                          acoustics_b=b["acoustics"], measures_a=a["measures"],
                          measures_b=b["measures"], slow=slow, slow_audio=slow_audio,
                          size=size or 480, fps_out=fps_out, analyze=not no_acoustics,
                          denoise=denoise, poster=poster)
    if output is not None and not quiet:
        click.echo(f"wrote {output}" + (f" and {poster}" if poster else ""))
    if still is not None:
        render_still(a["session"], still, labels=a["labels"], acoustics=a["acoustics"],
                     n_keyframes=keyframes, size=min(size or 320, 480))
        if not quiet:
            click.echo(f"wrote {still}")
