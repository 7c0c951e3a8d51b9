"""Showing training progress: which run, epoch, perplexity, ETA.

On a terminal each run gets a tqdm bar; elsewhere (CI logs, pipes) a line is logged at
every tenth of a run, so that a log file stays readable.
"""

from __future__ import annotations

import logging
import sys
import time
import typing as t

log = logging.getLogger("reportgen.progress")


class RunProgress:
    """Progress of one run; call :meth:`update` from the run context, :meth:`close` at the end."""

    def __init__(
        self, label: str, position: int = 0, interactive: bool | None = None
    ) -> None:
        self.label = label
        self.position = position
        self.interactive = sys.stderr.isatty() if interactive is None else interactive
        self._bar: t.Any = None
        self._started = time.perf_counter()
        self._next_tenth = 1  # log at every tenth of the run
        self._first_step: int | None = None

    def update(self, step: int, total: int, info: dict[str, float]) -> None:
        postfix = ", ".join(f"{k} {v:.3g}" for k, v in info.items())
        if self.interactive:
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(
                    total=total,
                    desc=self.label,
                    unit="epoch",
                    leave=False,
                    file=sys.stderr,
                    position=self.position,
                )
            self._bar.set_postfix_str(postfix, refresh=False)
            self._bar.update(step - self._bar.n)
            return
        if self._first_step is None:  # a resumed run starts past 0
            self._first_step = step - 1
        if step * 10 >= total * self._next_tenth or step == total:
            elapsed = time.perf_counter() - self._started
            eta = elapsed / (step - self._first_step) * (total - step)
            log.info(
                "%s: epoch %d/%d, %s, ETA %.0f s", self.label, step, total, postfix, eta
            )
            while step * 10 >= total * self._next_tenth:
                self._next_tenth += 1

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
