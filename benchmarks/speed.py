"""Where students wait: digitsum's course build, every lab's quick preview, a figure-style
re-render — the current code side by side with a baseline commit, in one invocation.

    .venv/bin/python benchmarks/speed.py --quick --rerender [--base REV] [--rounds 3]
    .venv/bin/python benchmarks/speed.py --digitsum [--base REV]      # ≈ 15 min on 2 cores

The baseline is ``git archive REV`` unpacked into a temporary folder and run with this
venv (``PYTHONPATH`` puts its ``reportgen`` first), so both codes use the same torch and the
same machine minutes. Every build starts from an empty build folder (cold), in an empty
working directory, the two codes alternating within each round so that the machine's drift
(25–50 % over minutes here) hits both alike; medians over ``--rounds``.

- ``--quick``: each lab's ``--profile quick`` build, alone and beside a busy loop (a second
  process spinning on one core, as another job on a student's laptop would);
- ``--rerender``: after a build of ``--rerender-lab`` (lab4) at ``--rerender-profile``
  (quick; course trains it first), a rebuild after a notes edit, and after a notes edit with
  every figure deleted (what a figure-style change costs);
- ``--read-only``: ``status``, ``check``, ``list``, ``doctor`` and a misspelt ``--set``
  after a quick lab4 build, each in a fresh process (medians of at least 5);
- ``--digitsum``: the course build of digitsum (wall), the seconds of each run group (sum
  of the stored runs' wall times), and each code's final numbers side by side; each
  code's build folder is kept in build/speed-digitsum-<code>/ to look at.

Writes benchmarks/results/speed-<date>T<hhmm>.json and .md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from math import nan
from pathlib import Path

from reportgen.device import cpu_model

PROJECT = Path(__file__).resolve().parents[1]
LABS = ("lab4", "rnn-tuning", "digitsum", "tangshi", "lyrics")
STUDENT = ["--student", "WA2214014", "--name", "杨跃浙", "--major", "人工智能"]
RESULTS = PROJECT / "benchmarks" / "results"


def export_tree(rev: str, dest: Path) -> Path:
    """The project at commit ``rev``, unpacked into ``dest`` (no .git)."""
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(PROJECT), "archive", rev],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def build(tree: Path, lab: str, build_dir: Path, *extra: str) -> float:
    """Wall seconds of one ``reportgen build`` with the code in ``tree``."""
    env = os.environ | {"PYTHONPATH": str(tree)}
    with tempfile.TemporaryDirectory() as cwd:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "reportgen", "build", lab, *STUDENT]
            + ["--build-dir", str(build_dir), *extra],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
        )
        seconds = time.perf_counter() - started
        if done.returncode:
            sys.exit(f"build {lab} with {tree} failed:\n{done.stdout}{done.stderr}")
        return seconds


class BusyLoop:
    """A second CPU-bound process for the duration of a ``with`` block."""

    def __enter__(self) -> BusyLoop:
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)  # let it reach the loop
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait()


def quick_builds(trees: dict[str, Path], rounds: int, scratch: Path) -> list[dict]:
    """Cold quick build of each lab, idle and beside a busy loop, for each code."""
    rows = []
    for lab in LABS:
        for condition in ("idle", "busy"):
            times: dict[str, list[float]] = {name: [] for name in trees}
            for _ in range(rounds):
                for name, tree in trees.items():
                    build_dir = scratch / f"quick-{name}"
                    shutil.rmtree(build_dir, ignore_errors=True)
                    if condition == "busy":
                        with BusyLoop():
                            seconds = build(tree, lab, build_dir, "--profile", "quick")
                    else:
                        seconds = build(tree, lab, build_dir, "--profile", "quick")
                    times[name].append(seconds)
            rows.append({"lab": lab, "condition": condition} | median_of(times))
            print(rows[-1], flush=True)
    return rows


def rerenders(
    trees: dict[str, Path], rounds: int, scratch: Path, lab: str, profile: str
) -> list[dict]:
    """After a build of ``lab`` (``profile``): a rebuild after a notes edit, and after a
    notes edit with every figure deleted (a figure-style change), for each code.

    The current code trains the lab once; the baseline starts from a copy of that cache
    and trains only the runs whose code differs in it."""
    rows = []
    times: dict[str, dict[str, list[float]]] = {
        step: {name: [] for name in trees} for step in ("notes_edit", "figure_style")
    }
    profiled = ("--profile", profile)
    build(trees["current"], lab, scratch / "render-current", *profiled)
    shutil.copytree(
        scratch / "render-current" / "cache", scratch / "render-base" / "cache"
    )
    build(trees["base"], lab, scratch / "render-base", *profiled)
    for round_ in range(rounds):
        for name, tree in trees.items():
            build_dir = scratch / f"render-{name}"
            notes = (
                build_dir / "notes.md"
            )  # inputs are read from the project or build folder
            edited = (*profiled, "--notes", str(notes))
            notes.write_text(f"讨论，第 {round_} 次改。\n", encoding="utf-8")
            times["notes_edit"][name].append(build(tree, lab, build_dir, *edited))
            for figures in ("figures", "figures-preview"):  # a preview's, since 1d07c56
                shutil.rmtree(build_dir / lab / figures, ignore_errors=True)
            notes.write_text(f"讨论，第 {round_} 次再改。\n", encoding="utf-8")
            times["figure_style"][name].append(build(tree, lab, build_dir, *edited))
    for step, by_code in times.items():
        rows.append({"lab": lab, "profile": profile, "step": step} | median_of(by_code))
        print(rows[-1], flush=True)
    return rows


READ_ONLY = {  # what a student types to look, not to build (issue: under 2 s, no torch)
    "status": ["status", "lab4", "--profile", "quick"],
    "check": ["check", "lab4", "--student", "WA2214014"],
    "list": ["list"],
    "doctor": ["doctor"],
    "misspelt --set": ["build", "lab4", "--student", "WA2214014", "--set", "rnn_scratch.nope=3"],
}


def read_only(trees: dict[str, Path], rounds: int, scratch: Path) -> list[dict]:
    """Each read-only command, in a fresh process, after a quick lab4 build of each code
    (its remembered plan and parameter index in place); medians of ``rounds``."""
    build_dirs = {code: scratch / f"readonly-{code}" for code in trees}
    for code, tree in trees.items():
        build(tree, "lab4", build_dirs[code], "--profile", "quick")
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(rounds):
        for name, args in READ_ONLY.items():
            for code, tree in trees.items():
                env = os.environ | {"PYTHONPATH": str(tree)}
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "reportgen", *args]
                    + (["--build-dir", str(build_dirs[code])] if name != "doctor" else []),
                    capture_output=True,
                    env=env,
                    cwd=scratch,  # an empty project folder, as build() runs in
                )
                times.setdefault((name, code), []).append(time.perf_counter() - started)
    rows = []
    for name in READ_ONLY:
        base = statistics.median(times[(name, "base")])
        current = statistics.median(times[(name, "current")])
        rows.append(dict(command=name, base_s=base, current_s=current, ratio=base / current))
    return rows


def digitsum_course(trees: dict[str, Path], scratch: Path) -> dict:
    """The course build of digitsum with each code: wall, seconds per run group, numbers."""
    found = {}
    for name, tree in trees.items():
        build_dir = scratch / f"digitsum-{name}"
        wall = build(tree, "digitsum", build_dir)
        print(f"digitsum course build, {name} code: {wall:.0f} s", flush=True)
        results = stored_results("digitsum", build_dir)
        kept = PROJECT / "build" / f"speed-digitsum-{name}"  # to look at its report
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(build_dir, kept)
        groups = group_seconds(results)
        found[name] = {
            "wall_s": wall,
            "group_s": groups,
            "metrics": {
                run_id: {
                    k: v
                    for k, v in result["metrics"].items()
                    if k in ("test_accuracy", "dev_accuracy")
                }
                for run_id, result in results.items()
            },
            "device": next(iter(results.values()))["device_name"],
        }
        print(name, groups, flush=True)
    return found


def group_seconds(results: dict[str, dict]) -> dict[str, float]:
    """Σ wall seconds of each run group's trainings, in plan order. A run whose key an
    earlier group's run has (digitsum: lr = 0.001 is the srn group's run) trained once and
    counts there only."""
    groups: dict[str, float] = {}
    seen: set[str] = set()
    for run_id, result in results.items():
        group = run_id.split("[")[0]
        groups.setdefault(group, 0.0)
        if result["key"] not in seen:
            seen.add(result["key"])
            groups[group] += result["wall_seconds"]
    return groups


def stored_results(lab: str, build_dir: Path) -> dict[str, dict]:
    """The result.json of every run of the lab's latest course build, by run id."""
    latest = json.loads(
        (build_dir / "cache" / "latest" / f"{lab}-course.json").read_text()
    )
    return {
        run_id: json.loads((build_dir / "cache" / key / "result.json").read_text())[
            "result"
        ]
        for run_id, key in latest.items()
    }


def median_of(times: dict[str, list[float]]) -> dict[str, float]:
    row = {f"{name}_s": statistics.median(values) for name, values in times.items()}
    row["ratio"] = row["base_s"] / row["current_s"]
    return row


def markdown(report: dict) -> str:
    lines = [
        f"# Speed — {report['when']} — {report['machine']}",
        "",
        f"Baseline: {report['base']} · current: {report['current']} · medians of"
        f" {report['rounds']} round(s); ratio = baseline ÷ current (> 1: faster now).",
    ]
    if "quick" in report:
        lines += _table(
            ["quick build", "condition", "baseline s", "current s", "ratio"],
            [
                [r["lab"], r["condition"], f"{r['base_s']:.1f}", f"{r['current_s']:.1f}"]
                + [f"{r['ratio']:.2f}×"]
                for r in report["quick"]
            ],
        )
    if "read_only" in report:
        lines += _table(
            ["read-only command", "baseline s", "current s", "ratio"],
            [
                [r["command"], f"{r['base_s']:.2f}", f"{r['current_s']:.2f}"]
                + [f"{r['ratio']:.2f}×"]
                for r in report["read_only"]
            ],
        )
    if "rerender" in report:
        lines += _table(
            ["rebuild", "baseline s", "current s", "ratio"],
            [
                [f"{r['lab']} ({r['profile']}): {r['step']}", f"{r['base_s']:.2f}"]
                + [f"{r['current_s']:.2f}", f"{r['ratio']:.2f}×"]
                for r in report["rerender"]
            ],
        )
    if "digitsum" in report:
        base, current = report["digitsum"]["base"], report["digitsum"]["current"]
        pairs = [("wall", base["wall_s"], current["wall_s"])] + [
            (f"runs of `{group}` (Σ s)", seconds, current["group_s"].get(group, nan))
            for group, seconds in base["group_s"].items()
        ]
        lines += _table(
            ["digitsum course build", "baseline s", "current s", "ratio"],
            [
                [label, f"{before:.0f}", f"{after:.0f}", f"{before / after:.2f}×"]
                for label, before, after in pairs
            ],
        )
        lines += _table(
            ["run", "baseline test acc", "current test acc"],
            [
                [run_id, str(metrics.get("test_accuracy", ""))]
                + [str(current["metrics"].get(run_id, {}).get("test_accuracy", ""))]
                for run_id, metrics in base["metrics"].items()
            ],
        )
    return "\n".join(lines) + "\n"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table, with a blank line before it."""
    return ["", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(row) + " |" for row in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="b2c073e", help="baseline commit")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rerender", action="store_true")
    parser.add_argument("--rerender-lab", default="lab4")
    parser.add_argument(
        "--rerender-profile", default="quick", help="course: trains the lab first"
    )
    parser.add_argument("--digitsum", action="store_true")
    parser.add_argument("--read-only", action="store_true")
    args = parser.parse_args()
    head = subprocess.run(
        ["git", "-C", str(PROJECT), "rev-parse", "--short", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    report: dict = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{cpu_model()}, {os.cpu_count()} cores, no GPU used",
        "base": args.base,
        "current": f"{head} (working tree)",
        "rounds": args.rounds,
    }
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        trees = {"base": export_tree(args.base, scratch / "base"), "current": PROJECT}
        if args.quick:
            report["quick"] = quick_builds(trees, args.rounds, scratch)
        if args.rerender:
            report["rerender"] = rerenders(
                trees,
                max(args.rounds, 3),
                scratch,
                args.rerender_lab,
                args.rerender_profile,
            )
        if args.read_only:
            report["read_only"] = read_only(trees, max(args.rounds, 5), scratch)
        if args.digitsum:
            report["digitsum"] = digitsum_course(trees, scratch)
    stamp = dt.datetime.now().strftime("%Y-%m-%dT%H%M")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"speed-{stamp}.json").write_text(json.dumps(report, indent=1) + "\n")
    (RESULTS / f"speed-{stamp}.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))


if __name__ == "__main__":
    main()
