"""``vtract segment``: label maps, measures, contours and a QC figure for one sequence."""

from __future__ import annotations

from pathlib import Path

import click

from ._options import sequence_options, sequence_overrides


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="Output label NIfTI (.nii.gz), written on the input's grid.")
@click.option("--measures", type=click.Path(path_type=Path), default=None,
              help="Write the per-frame measures table (CSV/Parquet; needs pixel spacing).")
@click.option("--contours", type=click.Path(path_type=Path), default=None,
              help="Write the contours as a long CSV (frame, structure, point, x_mm, y_mm).")
@click.option("--qc", "qc_png", type=click.Path(path_type=Path), default=None,
              help="Write a QC overlay montage (PNG).")
@click.option("--method", type=click.Choice(["net", "classic"]), default=None,
              help="Segmenter: the learned network (net) or the grid-line tracker (classic); "
                   "default: vtract.segment's default.")
@click.option("--model", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="ONNX model for --method net (default: the one shipped with vtract).")
@sequence_options
def segment(input_path: Path, output: Path, measures: Path | None, contours: Path | None,
            qc_png: Path | None, method: str | None, model: Path | None, fps: float | None,
            pixel_spacing: str | None, allow_truncated: bool = False) -> None:
    """Segment airway, tongue, hard palate and velum in every frame of INPUT."""
    from .. import qc
    from ..io import read_sequence, write_table
    from ..measures import measure
    from ..segmentation import segment as run_segment

    ov = sequence_overrides(fps, pixel_spacing, allow_truncated)
    seq = read_sequence(input_path, **{k: v for k, v in ov.items() if v is not None})
    if (measures is not None or contours is not None):
        seq.require_spacing()
    opts: dict = {} if method is None else {"method": method}
    if model is not None:
        opts["model"] = str(model)
    seg = run_segment(seq, **opts)
    seg.to_nifti(output)
    settings = {"input": str(input_path), **seg.settings}
    if measures is not None:
        write_table(measure(seg), measures, settings=settings)
    if contours is not None:
        write_table(seg.contours_table(), contours, settings=settings)
    if qc_png is not None:
        qc.overlay_montage(seg, qc_png)
    s = qc.summary(seg)
    click.echo(f"{input_path.name}: {s['n_frames']} frames, {100 * s['frac_ok']:.0f}% ok, "
               f"mean confidence {s['mean_confidence']:.2f} -> {output}")
