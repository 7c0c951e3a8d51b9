"""How should two cores be used: one run with 2 torch threads, or two 1-thread runs at once?

    .venv/bin/python benchmarks/threads.py --epochs 12

For each lab4 model at course settings, measures median seconds per epoch (epoch 1 left out)
with 1 thread alone, 2 threads alone, and two 1-thread processes training side by side, and
prints the machine's throughput in epochs per second for each arrangement. Timings on shared
machines drift: compare arrangements within one invocation, not across invocations.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import time

MODELS = {  # lab4 runs: experiment and overrides (course values otherwise)
    "rnn_scratch": ("rnn_scratch", {}),
    "rnn_concise": ("rnn_concise", {}),
    "lstm_scratch": ("lstm_scratch", {}),
    "lstm_deep": ("rnn_concise", {"cell": "lstm", "num_layers": 2, "lr": 2.0}),
    "gru_deep": ("rnn_concise", {"cell": "gru", "num_layers": 2, "lr": 2.0}),
}


def median_epoch_seconds(model: str, epochs: int, threads: int) -> float:
    """Train ``model`` for ``epochs`` epochs; median wall seconds of epochs 2..N."""
    import torch

    from reportgen.experiment import RunContext, load_experiments

    torch.set_num_threads(threads)
    name, overrides = MODELS[model]
    exp = load_experiments()[name]
    stamps: list[float] = []
    ctx = RunContext(
        0, "cpu", on_progress=lambda *_: stamps.append(time.perf_counter())
    )
    torch.manual_seed(0)
    start = time.perf_counter()
    exp.run(exp.params_cls(num_epochs=epochs, **overrides), ctx)
    edges = [start, *stamps]
    return statistics.median(b - a for a, b in zip(edges[1:-1], edges[2:], strict=True))


def _worker(model: str, epochs: int, out: multiprocessing.Queue[float]) -> None:
    out.put(median_epoch_seconds(model, epochs, 1))


def side_by_side(model: str, epochs: int) -> float:
    """Median sec/epoch of each of two 1-thread processes training at the same time."""
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[float] = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(model, epochs, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return statistics.mean(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()
    rows = []
    print(
        "| model | 1 thread (s/epoch) | 2 threads (s/epoch)"
        " | 2 × 1-thread side by side (s/epoch each) | epochs/s: 1 thr | 2 thr | 2 × 1 thr |"
    )
    print("|---|---|---|---|---|---|---|")
    for model in args.models.split(","):
        one = median_epoch_seconds(model, args.epochs, 1)
        two = median_epoch_seconds(model, args.epochs, 2)
        pair = side_by_side(model, args.epochs)
        rows.append(
            {
                "model": model,
                "one_thread": one,
                "two_threads": two,
                "side_by_side": pair,
            }
        )
        print(
            f"| {model} | {one:.3f} | {two:.3f} | {pair:.3f} | {1 / one:.2f} | {1 / two:.2f}"
            f" | {2 / pair:.2f} |",
            flush=True,
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
