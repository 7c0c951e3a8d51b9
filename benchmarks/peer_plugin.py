"""Plugin for ../shared/peer/timing_interleaved.py: reportgen's lab4 models inside d2l's loop.

The peer kit runs in its own venv (d2l 0.17.6, numpy 1.23); this file adds the project and
its venv's site-packages *after* the peer's own paths, so torch and d2l stay the peer's and
reportgen's pure-Python dependencies (click, …) come from the project. Used by
benchmarks/lab4.py; the names match the peer's models with an ``ours_`` prefix.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.append(str(PROJECT))
sys.path += [
    str(p) for p in sorted((PROJECT / ".venv" / "lib").glob("python3*/site-packages"))
]


def peer_models(
    d2l: object, vocab: object, device: object
) -> list[tuple[str, object, float]]:
    from reportgen.experiment import load_experiments
    from reportgen.models.rnn_scratch import RNNScratch as scratch

    load_experiments()  # imports experiments/*.py as reportgen_experiments.<name>
    concise = sys.modules["reportgen_experiments.rnn_concise"]
    CELLS, RNNModel = concise.CELLS, concise.RNNModel
    lstm = sys.modules["reportgen_experiments.lstm_scratch"].LSTMScratch
    size = len(vocab)  # type: ignore[arg-type]
    return [
        ("ours_rnn_scratch", scratch(size, 512).to(device), 1.0),
        (
            "ours_rnn_concise",
            RNNModel(CELLS["rnn"](size, 256, 1), size).to(device),
            1.0,
        ),
        ("ours_lstm_scratch", lstm(size, 256).to(device), 1.0),
        ("ours_lstm_deep", RNNModel(CELLS["lstm"](size, 256, 2), size).to(device), 2.0),
        ("ours_gru_deep", RNNModel(CELLS["gru"](size, 256, 2), size).to(device), 2.0),
    ]
