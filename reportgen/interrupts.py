"""Ctrl-C and SIGTERM during a build: one line and exit 130, whatever the build was doing.

While :func:`interrupts_raise` is active (the whole ``build`` command), either signal raises
:class:`Interrupted` in the main thread, wherever it is: planning, training, drawing, writing.
Every stage cleans up on the way out (workers stop, temp files go) and adds what it leaves
behind; the command ends with :class:`BuildInterrupted`'s one line. A second signal during
that clean-up is ignored, so that it cannot cut the clean-up short and end in a traceback.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import typing as t

from reportgen.errors import ReportgenError
from reportgen.program import RESUME, SIGNALS


class Interrupted(KeyboardInterrupt):
    """Raised by the signal handler wherever the main thread is. Not an ``Exception``, so no
    stage's ``except Exception`` can take it for a failure of its own; a stage that leaves
    something behind re-raises it with ``kept`` saying what."""

    def __init__(self, signal_name: str, kept: str = RESUME) -> None:
        super().__init__(signal_name, kept)
        self.signal_name = signal_name
        self.kept = kept


class BuildInterrupted(ReportgenError):
    """What :func:`interrupts_raise` turns an :class:`Interrupted` into: one line, exit 130."""

    exit_code = 130


@contextlib.contextmanager
def interrupts_raise() -> t.Iterator[None]:
    """While active, the first SIGINT or SIGTERM raises :class:`Interrupted`, and later ones
    are ignored; it leaves as :class:`BuildInterrupted`."""
    fired = False
    again: list[threading.Timer] = []  # a signal being delivered once more

    def handler(signum: int, frame: object) -> None:
        nonlocal fired
        if not fired:
            fired = True
            raise Interrupted(signal.Signals(signum).name)

    def unraisable(hook_args: t.Any) -> None:
        """A signal that came while a finalizer ran (a weakref callback, ``__del__``):
        Python cannot raise there, so it would print a traceback and go on. The signal is
        delivered once more instead, a moment later, where it can end the build."""
        nonlocal fired
        if not isinstance(hook_args.exc_value, Interrupted):
            before_hook(hook_args)
            return
        fired = False
        signum = signal.Signals[hook_args.exc_value.signal_name]
        again.append(threading.Timer(0.05, os.kill, (os.getpid(), signum)))
        again[-1].start()

    previous = {s: signal.signal(s, handler) for s in SIGNALS}
    before_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield
    except Interrupted as exc:
        raise BuildInterrupted(
            f"Interrupted by {exc.signal_name}: {exc.kept}"
        ) from None
    finally:
        for timer in again:  # the build ended first: it is whole, nothing to stop
            timer.cancel()
        sys.unraisablehook = before_hook
        for signum, before in previous.items():
            signal.signal(signum, before)
