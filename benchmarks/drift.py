"""How far do the same runs drift apart on another kind of CPU? The measurement behind
``reportgen verify``'s tolerances (reportgen.agreement, docs/verify.md).

    .venv/bin/python benchmarks/drift.py --train [--lab lab4]       # ≈ 2 course builds
    .venv/bin/python benchmarks/drift.py --native build --other /tmp/avx2-build

Same code, same seed, two code paths: this machine's own (e.g. AVX-512) and the AVX2 paths
an AMD EPYC or an older Intel takes, forced with ATEN_CPU_CAPABILITY=avx2,
ONEDNN_MAX_CPU_ISA=AVX2 and MKL_ENABLE_INSTRUCTIONS=AVX2 (ATen's vectorised kernels, oneDNN's
LSTM/GRU/RNN kernels and MKL's matmuls). ``--train`` builds the lab at the course profile
both ways into temporary build folders, one after the other; ``--native``/``--other`` compare
two build folders that hold the lab's course results already. For each run and series: the
first epoch at which the curves differ, the largest relative gap over the curve, the gap of
the last epoch and of the median over the last 10 % of epochs; each final metric's gap.
Writes benchmarks/results/drift-<lab>-<date>.json and .md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
AVX2 = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
}
STUDENT = ["--student", "WA2214014", "--name", "杨跃浙", "--major", "人工智能"]


def course_build(lab: str, build_dir: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "reportgen",
            "build",
            lab,
            *STUDENT,
            "--build-dir",
            str(build_dir),
        ],
        check=True,
        env=os.environ | env,
    )


def course_results(lab: str, build_dir: Path) -> dict[str, dict]:
    """The lab's course results in ``build_dir``, by run id (from its latest keys)."""
    from reportgen.store import Store

    latest = json.loads(
        (build_dir / "cache" / "latest" / f"{lab}-course.json").read_text()
    )
    store = Store(build_dir / "cache")
    found = {}
    for run_id, key in latest.items():
        result = store.load(key)
        if result is not None:
            found[run_id] = result
    return found


def drift(native: dict, other: dict) -> list[dict]:
    rows = []
    for run_id, a in native.items():
        b = other.get(run_id)
        if b is None or a.key != b.key:
            continue
        for name, points in a.series.items():
            sa, sb = dict(map(tuple, points)), dict(map(tuple, b.series.get(name, [])))
            steps = sorted(set(sa) & set(sb))
            if not steps:
                continue
            gaps = [abs(sa[s] - sb[s]) / abs(sa[s]) for s in steps if sa[s]]
            tail = steps[-max(1, len(steps) // 10) :]
            med_a = statistics.median(sa[s] for s in tail)
            med_b = statistics.median(sb[s] for s in tail)
            rows.append(
                {
                    "run": run_id,
                    "series": name,
                    "first_differing_step": next(
                        (s for s in steps if sa[s] != sb[s]), None
                    ),
                    "max_gap": max(gaps),
                    "last": [sa[steps[-1]], sb[steps[-1]]],
                    "last_gap": abs(sa[steps[-1]] - sb[steps[-1]]) / abs(sa[steps[-1]]),
                    "tail_median": [med_a, med_b],
                    "tail_median_gap": abs(med_a - med_b) / abs(med_a),
                    "device_names": [a.device_name, b.device_name],
                }
            )
    return rows


def markdown(lab: str, rows: list[dict], when: str) -> str:
    lines = [
        f"# Cross-kind drift of {lab}'s course runs ({when})",
        "",
        f"Native: {rows[0]['device_names'][0]}; other: {rows[0]['device_names'][1]}"
        " (ATen, oneDNN and MKL held to AVX2). Same code, seed and data.",
        "",
        "| run | series | first differing epoch | largest gap on the curve"
        " | last epoch (native / other) | gap | median of last 10 % | gap |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['run']} | {r['series']} | {r['first_differing_step']:g} | {r['max_gap']:.1%}"
            f" | {r['last'][0]:.4f} / {r['last'][1]:.4f} | {r['last_gap']:.2%}"
            f" | {r['tail_median'][0]:.4f} / {r['tail_median'][1]:.4f}"
            f" | {r['tail_median_gap']:.2%} |"
        )
    worst_tail = max(r["tail_median_gap"] for r in rows)
    worst_last = max(r["last_gap"] for r in rows)
    lines += [
        "",
        f"Largest gap of the last epoch: {worst_last:.1%}; of the tail median: {worst_tail:.2%}.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="lab4")
    parser.add_argument("--train", action="store_true")
    parser.add_argument("--native", type=Path)
    parser.add_argument("--other", type=Path)
    args = parser.parse_args()
    if args.train:
        root = Path(tempfile.mkdtemp(prefix="drift-"))
        args.native, args.other = root / "native", root / "avx2"
        course_build(args.lab, args.native, {})
        course_build(args.lab, args.other, AVX2)
    if args.native is None or args.other is None:
        parser.error("pass --train, or both --native and --other")
    rows = drift(
        course_results(args.lab, args.native), course_results(args.lab, args.other)
    )
    if not rows:
        sys.exit("No runs of the same key in both build folders.")
    when = dt.datetime.now().strftime("%Y-%m-%dT%H%M")
    out = HERE / "results" / f"drift-{args.lab}-{when}"
    out.with_suffix(".json").write_text(
        json.dumps(rows, indent=1, ensure_ascii=False) + "\n"
    )
    out.with_suffix(".md").write_text(markdown(args.lab, rows, when), encoding="utf-8")
    print(markdown(args.lab, rows, when))


if __name__ == "__main__":
    main()
