"""The ``vtract`` command line.

Subcommands live in their own modules and are imported only when used (a lazy click group), so each
feature owns its command. Every :class:`~vtract.errors.VtractError` becomes one line on stderr and a
non-zero exit; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys
import warnings

import click

from .._version import __version__
from ..errors import VtractError

__all__ = ["main", "cli"]

#: subcommand -> "module:function" (imported when the command is used; a broken module fails loudly)
COMMANDS: dict[str, str] = {
    "info": "vtract.cli._info:info",
    "validate": "vtract.cli._info:validate",
    "make-demo": "vtract.cli._datasets:make_demo",
    "demo": "vtract.cli._demo:demo",
    "segment": "vtract.cli._segment:segment",
    "acoustics": "vtract.cli._acoustics:acoustics",
    "sync": "vtract.cli._acoustics:sync",
    "run": "vtract.cli._run:run",
    "video": "vtract.cli._video:video",
    "report": "vtract.cli._report:report",
    "train-segmenter": "vtract.cli._train:train_segmenter",
}


class LazyGroup(click.Group):
    """A click group that imports subcommand modules on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        mod_name, attr = target.split(":")
        return getattr(importlib.import_module(mod_name), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vtract")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.option("-q", "--quiet", is_flag=True, help="Only print errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool) -> None:
    """vtract: real-time MRI analysis of the vocal tract."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["quiet"] = quiet
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(levelname)s: %(message)s")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning errors into one line and a non-zero exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 1 on a vtract error, 2 on a usage error, 130 when aborted.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    warnings.formatwarning = lambda msg, cat, *a, **k: f"warning: {msg}\n"
    try:
        rv = cli.main(args=args, prog_name="vtract", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("vtract: aborted", err=True)
        return 130
    except click.ClickException as exc:
        if debug:
            raise
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except VtractError as exc:
        if debug:
            raise
        click.echo(f"vtract: error: {_one_line(exc)}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("vtract: interrupted", err=True)
        return 130
    except Exception as exc:  # unexpected: still one line, unless --debug
        if debug:
            raise
        click.echo(f"vtract: internal error: {type(exc).__name__}: {_one_line(exc)} "
                   "(re-run with --debug for the traceback)", err=True)
        return 2
    return rv if isinstance(rv, int) else 0


def _entry() -> None:  # pragma: no cover
    sys.exit(main())
