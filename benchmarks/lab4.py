"""Lab4 speed, side by side with the d2l 0.17 peer: one command, JSON + Markdown out.

    .venv/bin/python benchmarks/lab4.py [--rounds 20] [--peer] [--build] [--cold]
    .venv/bin/python benchmarks/lab4.py --builds-only [--cold]

Measures, for each lab4 model at course settings (batch 32, 35 steps, 10,000 tokens):
1. ours: reportgen's own training epoch (its SGD, clipping, iterators), the five models'
   epochs interleaved round-robin in one process so that the machine's drift hits them
   alike; median sec/epoch (round 0 left out) and tokens/s, with 1 torch thread (how a build
   trains each run, two runs at a time on two cores) and with 2 threads (how the peer runs);
2. peak memory: max RSS of a fresh process that trains one model for 3 epochs (torch
   itself included, so compare models by their differences);
3. final perplexity after 500 epochs: from the lab4 course results in build/cache, if built;
4. ``--peer``: the peer kit's ``timing_interleaved.py`` with benchmarks/peer_plugin.py: d2l's
   models and ours in d2l's own loop, same batches, same rounds, 2 threads, one process: the
   per-model speed-up (peer median ÷ ours), and the peer's 500-epoch perplexity from its kit
   beside ours (the issue asks for |Δ| ≤ 0.05);
5. ``--build``: wall time of ``reportgen build lab4`` warm (nothing changed), after a notes
   edit (re-render), and after a notes edit with every figure drawn again (the cost of a
   figure-style change); ``--cold`` adds a build from an empty cache (≈ 9 min on 2 cores);
   ``--builds-only`` times the builds alone (for render and rebuild work), into a file of
   its own (``…-builds.json``).

Writes benchmarks/results/lab4-cpu-<date>T<hhmm>.json and .md. Compare runs by the ratios
within one invocation: on shared machines absolute timings drift by 25–50 % over minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reportgen.device import cpu_model

PROJECT = Path(__file__).resolve().parents[1]
PEER_KIT = PROJECT.parent / "shared" / "peer"
PEER_PY = (
    Path(os.environ.get("PEER_SCRATCH", Path.home() / ".cache" / "reportgen-peer"))
    / "venv"
    / "bin"
    / "python"
)
TOKENS_PER_EPOCH = (
    8 * 32 * 35
)  # sequential partitioning of 10,000 tokens: 8 minibatches
sys.path.insert(0, str(PROJECT / "benchmarks"))


def lab4_setup(
    threads: int, device: str = "cpu"
) -> list[tuple[str, object, object, list[int], object]]:
    """(name, net, course params, corpus, optimizer) for each lab4 model, seeded."""
    import torch
    from peer_plugin import peer_models

    from reportgen.experiment import load_experiments
    from reportgen.paths import DATA_DIR
    from reportgen.text.corpus import load_corpus_time_machine
    from reportgen.train.language_model import SGD

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    corpus, vocab = load_corpus_time_machine(DATA_DIR / "timemachine.txt", 10_000)
    params_cls = load_experiments()["rnn_concise"].params_cls
    setup = []
    for name, net, lr in peer_models(None, vocab, torch.device(device)):
        params = params_cls(lr=lr)
        setup.append(
            (name.removeprefix("ours_"), net, params, corpus, SGD(net.parameters(), lr))
        )
    return setup


def interleaved_epochs(
    rounds: int, threads: int, device: str = "cpu"
) -> dict[str, list[float]]:
    """Seconds per epoch of every model, one epoch each per round, order rotating."""
    import torch

    from reportgen.experiment import RunContext
    from reportgen.train.language_model import train_epoch

    setup = lab4_setup(threads, device)
    times: dict[str, list[float]] = {name: [] for name, *_ in setup}
    for r in range(rounds + 1):  # round 0: warm-up, not counted
        for k in range(len(setup)):
            name, net, params, corpus, optimizer = setup[(r + k) % len(setup)]
            ctx = RunContext(r, device)
            started = time.perf_counter()
            train_epoch(net, corpus, params, ctx, torch.device(device), optimizer)
            if device == "cuda":
                torch.cuda.synchronize()  # the epoch's kernels, not just their launch
            if r:
                times[name].append(time.perf_counter() - started)
    return times


def _peak_worker(index: int, out: multiprocessing.Queue[float]) -> None:
    import torch

    from reportgen.experiment import RunContext
    from reportgen.train.language_model import train_epoch

    name, net, params, corpus, optimizer = lab4_setup(1)[index]
    for epoch in range(3):
        train_epoch(
            net,
            corpus,
            params,
            RunContext(epoch, "cpu"),
            torch.device("cpu"),
            optimizer,
        )
    out.put(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # KiB -> MiB


def peak_memory_mib(count: int) -> list[float]:
    spawn = multiprocessing.get_context("spawn")
    peaks = []
    for index in range(count):
        out: multiprocessing.Queue[float] = spawn.Queue()
        worker = spawn.Process(target=_peak_worker, args=(index, out))
        worker.start()
        peaks.append(out.get())
        worker.join()
    return peaks


def course_results() -> dict[str, dict[str, float]]:
    """Final perplexity and wall seconds of the stored lab4 course runs (empty if not built)."""
    from reportgen.lab import load_lab
    from reportgen.paths import DEFAULT_BUILD_DIR
    from reportgen.plan import plan
    from reportgen.store import Store

    store = Store(DEFAULT_BUILD_DIR / "cache")
    found = {}
    for run in plan(load_lab("lab4")):
        result = store.load(run.key)
        if result is not None and "perplexity" in result.metrics:
            found[run.id] = {
                "perplexity": float(result.metrics["perplexity"]),
                "wall_seconds": result.wall_seconds,
            }
    return found


def peer_ppl500() -> dict[str, float]:
    """The peer's final perplexity after 500 epochs of d2l.train_ch8 (the kit's results)."""
    found = {}
    for path in sorted((PEER_KIT / "results").glob("*_e500.json")):
        data = json.loads(path.read_text())
        found[data["model"]] = float(data["summary"]["final_ppl"])
    return found


def peer_interleaved(rounds: int) -> dict[str, dict[str, float]]:
    """The peer kit's interleaved timing with our models as a plugin: name -> median s, ppl."""
    if not PEER_PY.is_file():
        raise SystemExit(
            f"No peer venv at {PEER_PY}: run bash {PEER_KIT}/setup.sh first."
        )
    with tempfile.TemporaryDirectory() as results:
        subprocess.run(
            [
                str(PEER_PY),
                str(PEER_KIT / "timing_interleaved.py"),
                "--rounds",
                str(rounds),
                "--plugin",
                str(PROJECT / "benchmarks" / "peer_plugin.py"),
            ],
            check=True,
            env=os.environ | {"PEER_RESULTS": results},
        )
        data = json.loads((Path(results) / "interleaved.json").read_text())
    return {
        m["name"]: {"median_s": m["median_s"], "ppl": m["ppl"][-1]}
        for m in data["models"]
    }


def build_seconds(cold: bool) -> dict[str, float]:
    """Wall time of `reportgen build lab4`: warm, after a notes edit, and cold if asked."""
    reportgen = PROJECT / ".venv" / "bin" / "reportgen"
    with tempfile.TemporaryDirectory() as tmp:
        build_dir, notes = Path(tmp) / "build", Path(tmp) / "notes.md"
        notes.write_text("讨论。\n", encoding="utf-8")
        if not cold:  # start from the course results already trained in build/
            shutil.copytree(PROJECT / "build" / "cache", build_dir / "cache")

        def build() -> float:
            started = time.perf_counter()
            subprocess.run(
                [
                    str(reportgen),
                    "build",
                    "lab4",
                    "--student",
                    "WA2214014",
                    "--notes",
                    str(notes),
                    "--build-dir",
                    str(build_dir),
                ],
                check=True,
                capture_output=True,
            )
            return time.perf_counter() - started

        found = {"cold_s": build()} if cold else {"first_s": build()}
        found["warm_s"] = build()
        notes.write_text("讨论，改过。\n", encoding="utf-8")
        found["notes_edit_s"] = build()
        # what a figure-style change costs: every figure drawn again, then the PDF
        shutil.rmtree(build_dir / "lab4" / "figures")
        notes.write_text("讨论，又改过。\n", encoding="utf-8")
        found["figures_and_notes_s"] = build()
        return found


def ppl_verdict(ours: float | None, peer: float | None) -> str:
    """Whether our 500-epoch perplexity is within ±0.05 of the peer's, as the issue asks."""
    if ours is None or peer is None:
        return "—"
    if abs(ours - peer) <= 0.05:
        return "yes"
    return "no (ours lower)" if ours < peer else "no (ours higher)"


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def markdown(report: dict[str, object]) -> str:
    """The report as a Markdown table a person can compare run to run."""
    models = report["models"]
    assert isinstance(models, dict)
    lines = [f"# lab4 benchmark — {report['date']} — {report['machine']}", ""]
    if not models:
        lines.append("(builds only: no per-model timing in this run)")
    header = [
        "| model | peer s/epoch | ours s/epoch (same process, d2l loop) | speed-up"
        " | tokens/s peer → ours | ours s/epoch, own loop 1 thr / 2 thr | peak RSS (MiB)"
        " | ppl@500 ours (peer) | Δppl ≤ 0.05 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += header if models else []
    for name, m in models.items():
        peer, mine = m.get("peer_s"), m.get("ours_in_peer_loop_s")
        ratio = f"**{peer / mine:.2f}×**" if peer and mine else "—"
        tokens = (
            f"{TOKENS_PER_EPOCH / peer:,.0f} → {TOKENS_PER_EPOCH / mine:,.0f}"
            if peer and mine
            else "—"
        )
        ours_ppl, peer_ppl = m.get("ppl500"), m.get("peer_ppl500")
        close = ppl_verdict(ours_ppl, peer_ppl)
        lines.append(
            f"| {name} | {peer or float('nan'):.3f} | {mine or float('nan'):.3f} |"
            f" {ratio} | {tokens} | {m['ours_1t_s']:.3f} / {m['ours_2t_s']:.3f} |"
            f" {m['peak_mib']:.0f} | {fmt(ours_ppl)} ({fmt(peer_ppl)}) | {close} |"
        )
    if report.get("build"):
        lines += ["", "| build of lab4 | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.1f} |" for k, v in report["build"].items()]  # type: ignore[union-attr]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="timed epochs per model")
    parser.add_argument("--peer", action="store_true", help="also run the d2l peer")
    parser.add_argument("--build", action="store_true", help="time warm builds")
    parser.add_argument("--cold", action="store_true", help="also time a cold build")
    parser.add_argument(
        "--builds-only", action="store_true", help="time the builds, no model epochs"
    )
    parser.add_argument(
        "--device",
        default="cpu",
        help="cuda: each model's sec/epoch on the GPU beside this machine's CPU (1 thread)",
    )
    args = parser.parse_args()
    if args.device != "cpu":
        return on_device(args.device, args.rounds)

    models = {} if args.builds_only else per_model(args.rounds, args.peer)
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{cpu_model()}, {os.cpu_count()} cores, no GPU used",
        "rounds": 0 if args.builds_only else args.rounds,
        "models": models,
        "build": build_seconds(args.cold)
        if args.build or args.cold or args.builds_only
        else {},
    }
    # one file pair per invocation (date and time): runs of one day are compared, not lost
    stamp = report["date"][:16].replace(":", "")
    name = f"lab4-cpu-{stamp}" + ("-builds" if args.builds_only else "")
    out = PROJECT / "benchmarks" / "results" / name
    out.with_suffix(".json").write_text(json.dumps(report, indent=1))
    out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))


def on_device(device: str, rounds: int) -> None:
    """Every model's median sec/epoch on ``device`` and on this machine's CPU (1 thread),
    in one invocation; writes lab4-<device>-<stamp>.{json,md}."""
    import torch

    name = torch.cuda.get_device_name() if device == "cuda" else device
    timed = interleaved_epochs(rounds, 1, device)
    cpu = interleaved_epochs(rounds, 1, "cpu")
    models = {
        model: {
            "device_s": statistics.median(times),
            "cpu_1t_s": statistics.median(cpu[model]),
        }
        for model, times in timed.items()
    }
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "device": name,
        "cpu": f"{cpu_model()}, {os.cpu_count()} cores",
        "rounds": rounds,
        "models": models,
    }
    lines = [
        f"# lab4 sec/epoch — {report['date']} — {name} beside {report['cpu']}",
        "",
        f"Course settings, median of {rounds} epochs per model, models interleaved.",
        "",
        f"| model | {device} s/epoch | CPU 1 thread s/epoch | speed-up |",
        "|---|---|---|---|",
    ]
    for model, row in models.items():
        lines.append(
            f"| {model} | {row['device_s']:.4f} | {row['cpu_1t_s']:.3f} |"
            f" {row['cpu_1t_s'] / row['device_s']:.1f}× |"
        )
    stamp = report["date"][:16].replace(":", "")
    results = Path(os.environ.get("RESULTS", PROJECT / "benchmarks" / "results"))
    out = results / f"lab4-{device}-{stamp}"
    out.with_suffix(".json").write_text(json.dumps(report, indent=1))
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def per_model(rounds: int, with_peer: bool) -> dict[str, dict[str, float | None]]:
    """Per lab4 model: our sec/epoch at 1 and 2 threads, peak RSS, ppl, and the peer's."""
    one, two = interleaved_epochs(rounds, 1), interleaved_epochs(rounds, 2)
    peaks = peak_memory_mib(len(one))
    stored = course_results()
    peer = peer_interleaved(rounds) if with_peer else {}
    peer_final = peer_ppl500()
    models = {}
    for (name, t1), peak in zip(one.items(), peaks, strict=True):
        models[name] = {
            "ours_1t_s": statistics.median(t1),
            "ours_2t_s": statistics.median(two[name]),
            "peak_mib": peak,
            "ppl500": stored.get(name, {}).get("perplexity"),
            "peer_ppl500": peer_final.get(name),
            "peer_s": peer.get(name, {}).get("median_s"),
            "ours_in_peer_loop_s": peer.get(f"plugin:ours_{name}", {}).get("median_s"),
        }
    return models


if __name__ == "__main__":
    main()
