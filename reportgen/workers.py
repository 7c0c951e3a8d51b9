"""Worker processes of a build (training runs, figure drawing): deaf to Ctrl-C, and never
outliving the build.

A Ctrl-C at a terminal reaches the whole process group, workers included; the build's main
process alone decides what it means (:mod:`reportgen.interrupts`). Workers are started with
the signals a build handles (SIGINT, SIGTERM) blocked (:func:`starting_workers`): the build
cannot be interrupted half-way through starting one (a worker whose parent left before
sending it its work printed an ``EOFError`` traceback), and a worker inherits the mask, so
that not even one still starting up prints a ``KeyboardInterrupt`` traceback;
:func:`worker_init`, the first thing a worker runs, then ignores SIGINT for good and takes
SIGTERM again (a stopped worker ends at once). A build killed with SIGKILL cannot stop its workers:
each one watches its parent and exits within :data:`PARENT_POLL_SECONDS` of its death (an
unfinished run keeps its last checkpoint).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import typing as t
from multiprocessing import resource_tracker

from reportgen.program import SIGNALS

PARENT_POLL_SECONDS = 0.2


@contextlib.contextmanager
def starting_workers() -> t.Iterator[None]:
    """While this thread starts workers: SIGINT and SIGTERM blocked (one that arrives
    meanwhile is delivered when the block ends: register what was started inside the block,
    so that it is stopped), and ``PYTHONSAFEPATH`` set.

    A spawned worker starts as ``python -c …``, which would put the working directory first
    on ``sys.path``: a ``pickle.py`` or ``multiprocessing.py`` in a handed-in project folder
    would run as code before the worker reaches reportgen's (docs/security.md).

    multiprocessing's resource tracker is started first, outside the block: starting it
    *unblocks* SIGINT in this thread (``SIG_UNBLOCK``, not a restore), which would let a
    worker started after it inherit a mask without SIGINT.
    """
    safe_path = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        resource_tracker.ensure_running()
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    finally:
        if safe_path is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = safe_path


def worker_init(parent: int) -> None:
    """First thing in a worker started under :func:`starting_workers` by process ``parent``:
    ignore SIGINT, take SIGTERM, and exit as soon as ``parent`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    threading.Thread(
        target=_exit_when_orphaned, args=(parent,), name="parent-watch", daemon=True
    ).start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)  # no clean-up: the build that wanted the work is gone
