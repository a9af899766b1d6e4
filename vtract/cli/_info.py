"""``vtract info`` and ``vtract validate``."""

from __future__ import annotations

import json

import click

from ._options import sequence_options, sequence_overrides


@click.command()
@click.argument("path", type=click.Path(path_type=str))
@sequence_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def info(path: str, fps: float | None, pixel_spacing: str | None, as_json: bool,
         allow_truncated: bool = False) -> None:
    """Summarise a sequence (frames, matrix, spacing, fps, duration) or an audio file."""
    from ..io import describe

    is_audio = path.lower().endswith((".wav", ".flac", ".aif", ".aiff", ".ogg"))
    d = describe(path) if is_audio else describe(path, **sequence_overrides(fps, pixel_spacing,
                                                                             allow_truncated))
    if as_json:
        click.echo(json.dumps(d, default=str))
        return
    if d["kind"] == "audio":
        click.echo(f"{d['path']}: audio, {d['sample_rate_hz']:g} Hz, {d['channels']} channel(s), "
                   f"{d['n_samples']} samples, {d['duration_s']:.3f} s ({d['subtype']})")
        return
    sp = d["pixel_spacing_mm"]
    sp_txt = "unknown (pass --pixel-spacing)" if sp is None else f"{sp[0]:.4g} x {sp[1]:.4g} mm"
    click.echo(f"{d['path']}: {d['format']}, {d['n_frames']} frames, matrix {d['matrix']}, "
               f"pixel spacing {sp_txt}, {d['fps']:.4f} fps, duration {d['duration_s']:.3f} s")


@click.command()
@click.argument("manifest", type=click.Path(path_type=str))
@click.option("--no-files", is_flag=True, help="Only check the schema, not that files exist.")
def validate(manifest: str, no_files: bool) -> None:
    """Validate a study manifest (schema, unique ids, referenced files)."""
    from ..manifest import load_manifest

    man = load_manifest(manifest, check_files=not no_files)
    groups = sorted({f"{k}={v}" for s in man.sessions for k, v in man.resolved(s)["group"].items()})
    click.echo(f"{manifest}: OK, study {man.study!r}, {len(man.sessions)} session(s), "
               f"{len({s.subject for s in man.sessions})} subject(s), groups: {', '.join(groups) or '-'}")
