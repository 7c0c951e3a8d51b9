"""Progress lines in logs: every tenth of a run, with the run, epoch, perplexity and ETA."""

from __future__ import annotations

import logging

import pytest

from reportgen.progress import RunProgress


def lines(caplog: pytest.LogCaptureFixture, first: int, total: int) -> list[str]:
    progress = RunProgress("[1/1] demo", interactive=False)
    with caplog.at_level(logging.INFO, logger="reportgen.progress"):
        for step in range(first, total + 1):
            progress.update(step, total, {"ppl": 1.25})
    return [r.getMessage() for r in caplog.records]


def test_logs_every_tenth(caplog: pytest.LogCaptureFixture) -> None:
    logged = lines(caplog, 1, 500)
    assert [m.split(",")[0] for m in logged] == [
        f"[1/1] demo: epoch {e}/500" for e in range(50, 501, 50)
    ]
    assert logged[0].startswith("[1/1] demo: epoch 50/500, ppl 1.25, ETA ")


def test_resumed_run_logs_from_where_it_resumed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logged = lines(caplog, 101, 200)
    assert [m.split(",")[0].split()[-1] for m in logged] == [
        "101/200",
        "120/200",
        "140/200",
        "160/200",
        "180/200",
        "200/200",
    ]
