"""Stress test: kill a quick lab4 build at random moments, then let it finish.

    python tests/stress_interrupt.py --kills 10 --seed 1

Each kill is SIGKILL or SIGINT (chosen at random) at a random moment of a build, drawn over
the time the remaining work should take. When a build finishes before its kill (everything
was cached by then), two random results are deleted so that the next build has work to be
interrupted in. After every kill the cache must hold no corrupt entry; after the last, one
more build must complete, and every run's final numbers must equal those of an
uninterrupted reference build exactly.
The test suite runs a short version (test_reliability.py); this is the full one.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reportgen.store import Store

STARTUP_SECONDS = 4.0  # imports and planning before the first run starts
COMMAND = [
    sys.executable,
    "-m",
    "reportgen",
    "build",
    "lab4",
    "--student",
    "WA2214014",
    "--profile",
    "quick",
]


def build(build_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*COMMAND, "--build-dir", str(build_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def final_numbers(build_dir: Path) -> dict[str, object]:
    """Each run's metrics, series and samples, by run id, from the store."""
    keys = json.loads((build_dir / "cache" / "latest" / "lab4-quick.json").read_text())
    store = Store(build_dir / "cache")
    numbers = {}
    for run_id, key in keys.items():
        result = store.load(key)
        assert result is not None, f"{run_id} missing after the final build"
        numbers[run_id] = (
            result.metrics | {"train_seconds": None, "tokens_per_second": None},
            result.series,
            result.samples,
            result.tables,
        )
    return numbers


def corrupt_entries(build_dir: Path) -> int:
    """Result files that exist but do not load: must always be zero."""
    store = Store(build_dir / "cache")
    return sum(1 for key in store.keys() if store.load(key) is None)


def stress(kills: int, seed: int, work: Path) -> dict[str, int]:
    rng = random.Random(seed)
    reference, target = work / "reference", work / "target"
    started = time.perf_counter()
    assert build(reference).wait() == 0
    full_build_seconds = time.perf_counter() - started

    counts = {"kills": 0, "sigkill": 0, "sigint": 0, "corrupt": 0, "finished_early": 0}
    runs = len(
        json.loads((reference / "cache" / "latest" / "lab4-quick.json").read_text())
    )
    while counts["kills"] < kills and counts["finished_early"] < 3 * kills:
        stored = len(Store(target / "cache").keys())
        remaining = STARTUP_SECONDS + full_build_seconds * (runs - stored) / runs
        proc = build(target)
        time.sleep(rng.uniform(0.5, remaining))
        if proc.poll() is not None:  # it finished first: make work for the next attempt
            counts["finished_early"] += 1
            for key in rng.sample(Store(target / "cache").keys(), 2):
                Store(target / "cache").path_for(key).unlink()
            continue
        sig = rng.choice([signal.SIGKILL, signal.SIGINT])
        proc.send_signal(sig)
        proc.wait()
        counts["kills"] += 1
        counts["sigkill" if sig == signal.SIGKILL else "sigint"] += 1
        time.sleep(1.5)  # orphaned workers notice their parent is gone within an epoch
        counts["corrupt"] += corrupt_entries(target)
    assert build(target).wait() == 0, "the final build did not complete"
    counts["corrupt"] += corrupt_entries(target)
    assert counts["corrupt"] == 0, "a cache entry was corrupt after a kill"
    assert final_numbers(target) == final_numbers(reference), "resumed numbers differ"
    assert not list(target.rglob(".*.tmp")), "temporary files survived the final build"
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reportgen-stress-"))
    try:
        counts = stress(args.kills, args.seed, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        "stress: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + "; final numbers identical"
    )


if __name__ == "__main__":
    main()
