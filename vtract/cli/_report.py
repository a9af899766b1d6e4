"""``vtract report``: the static HTML report of a run folder."""

from __future__ import annotations

import click


@click.command()
@click.argument("out_dir", type=click.Path(path_type=str))
@click.option("--session", "session", default=None, metavar="ID",
              help="Only (re)build this session's page.")
@click.option("--force", is_flag=True, help="Rebuild every page, even unchanged ones.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Processes for building pages (default: one per core; 0 = in-process).")
def report(out_dir: str, session: str | None, force: bool, workers: int | None) -> None:
    """Write OUT_DIR/report/: a study page and one page per session, viewable offline in a browser.

    OUT_DIR is the --out folder of `vtract run` or `vtract demo`. Pages whose session did not
    change since the last report are kept as they are. Prints the path of the page to open.
    """
    from ..report import write_report

    click.echo(write_report(out_dir, session, force=force, workers=workers))
