"""The ``reportgen`` program: the console script's entry point.

Ctrl-C and SIGTERM are handled from its first line, before click, logging and
:mod:`reportgen.cli` are imported (0.1–0.3 s on a busy 2-core machine), so that a signal in
that time ends the program in one line too; only Python's own start-up (a few milliseconds)
comes before it. This module imports nothing but the standard library for that reason.
"""

from __future__ import annotations

import os
import signal
import sys

SIGNALS = (signal.SIGINT, signal.SIGTERM)
RESUME = (
    "finished runs are stored, unfinished runs keep their last checkpoint."
    " Run the same command again to resume."
)


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
    # own options all start with "-". Only a build has runs to resume. The handler imports
    # nothing and builds its lines now: a signal can arrive in the middle of an import, and
    # importing from the handler then meets half-initialised modules.
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    kept = f": {RESUME}" if command == "build" else "."
    lines = {
        int(s): f"Error: Interrupted by {s.name}{kept}\n".encode() for s in SIGNALS
    }

    def stop(signum: int, frame: object) -> None:
        # os._exit, not sys.exit: SystemExit raised in the middle of an import (a C
        # extension's above all: numpy's "cannot load module more than once") ends in a
        # traceback. Outside a build's own handling nothing is left to clean up: no worker
        # runs yet, and a temp file an atomic write leaves is removed as an orphan.
        if STATE.finished:
            os._exit(0)
        os.write(2, lines[signum])
        os._exit(130)

    for signum in SIGNALS:
        signal.signal(signum, stop)
    try:
        from reportgen.cli import main

        main()
    finally:
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_IGN)  # the exit itself is not interrupted
