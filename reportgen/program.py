"""The ``reportgen`` program: the console script's entry point.

Ctrl-C and SIGTERM are handled from its first line, before click, logging and
:mod:`reportgen.cli` are imported (0.1–0.3 s on a busy 2-core machine), so that a signal in
that time ends the program in one line too; only Python's own start-up (a few milliseconds)
comes before it. This module imports nothing but the standard library for that reason.
"""

from __future__ import annotations

import signal
import sys

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _ProgramState:
    """What :func:`run`'s signal handler needs to know: whether the command's work is done
    (set by ``reportgen build`` once it has printed its outcome)."""

    finished = False


STATE = _ProgramState()


def run() -> None:
    """:func:`reportgen.cli.main`, with Ctrl-C and SIGTERM outside a build's own handling
    (reportgen.interrupts) ending it in one line and 130 as well — before a command reaches
    its work, or in the moment after a build finished (then quietly, exit 0) — never
    click's ``Aborted!`` or a traceback."""
    # The command word, read before click parses it (a signal may come first): the group's
    # own options all start with "-". Only a build has runs to resume.
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)

    def stop(signum: int, frame: object) -> None:
        if STATE.finished:
            sys.exit(0)
        from reportgen.interrupts import RESUME

        kept = f": {RESUME}" if command == "build" else "."
        sys.stderr.write(f"Error: Interrupted by {signal.Signals(signum).name}{kept}\n")
        sys.stderr.flush()
        sys.exit(130)

    for signum in SIGNALS:
        signal.signal(signum, stop)
    try:
        from reportgen.cli import main

        main()
    finally:
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_IGN)  # the exit itself is not interrupted
