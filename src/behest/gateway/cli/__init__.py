"""The ``behest`` command; ``commands`` holds what each sub-command does.

The import is deferred so that an SDK-only install (``pip install behest``) gets a clear
message instead of a traceback when it runs the server's command.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    try:
        from behest.gateway.cli.commands import main as run
    except ModuleNotFoundError as error:
        if (error.name or "").startswith("behest"):
            raise
        raise SystemExit(
            f"behest: the gateway's server dependencies are not installed ({error.name} is "
            "missing). Install them with: pip install 'behest[gateway]'"
        ) from error
    run(argv)
