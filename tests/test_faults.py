"""Faults from outside a build: a tampered remembered plan, a device that is not there,
signals at any moment, a killed build's workers, a full disk. Each on a real build."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
from click.testing import Result
from conftest import STUDENT, QuickBuild, invoke

from reportgen.lab import load_lab
from reportgen.plan_cache import RememberedRun, mismatch
from reportgen.render.context import format_number
from reportgen.safety import BUILD_MARKER
from reportgen.store import RunResult, Store
from reportgen.write_errors import REPORT_KEPT, TRAINING_KEPT, CannotWrite


def latest_results(qb: QuickBuild) -> dict[str, RunResult]:
    keys = json.loads(
        (qb.build_dir / "cache" / "latest" / "lab4-quick.json").read_text()
    )
    store = Store(qb.build_dir / "cache")
    return {run_id: t_load(store, key) for run_id, key in keys.items()}


def t_load(store: Store, key: str) -> RunResult:
    result = store.load(key)
    assert result is not None
    return result


def report_row(qb: QuickBuild, label: str) -> str:
    (row, *_) = [
        line
        for line in qb.markdown.read_text("utf-8").splitlines()
        if line.startswith(f"| {label} |")
    ]
    return row


def test_swapped_keys_in_a_remembered_plan_are_not_trusted(
    quick_build: QuickBuild,
) -> None:
    plans = quick_build.build_dir / "cache" / "plans"
    shutil.rmtree(plans)  # other tests remembered plans of their settings
    assert quick_build.build().exit_code == 0  # remembers this plan, in today's format
    results = latest_results(quick_build)
    lstm, gru = results["lstm_deep"], results["gru_deep"]
    (plan,) = plans.glob("*.json")
    text = plan.read_text("utf-8")
    plan.write_text(
        text.replace(lstm.key, "@").replace(gru.key, lstm.key).replace("@", gru.key),
        encoding="utf-8",
    )
    result = quick_build.build()
    assert result.exit_code == 0, result.output
    for run, label in ((lstm, "深度 LSTM（2 层）"), (gru, "深度 GRU（2 层）")):
        assert format_number(run.metrics["num_params"]) in report_row(
            quick_build, label
        )
    assert result.output.count(f"Remembered plan {plan}") == 1, result.output
    assert "Runs: 0 trained, 8 from cache." in result.output
    again = quick_build.build()  # the plan was remembered again, correctly
    assert "nothing to train" in again.output and "Remembered plan" not in again.output


def test_a_plan_naming_another_run_s_result_is_caught_without_its_digest(
    quick_build: QuickBuild,
) -> None:
    """Even a plan whose check digest was recomputed cannot label GRU's run as LSTM's."""
    lab, results = load_lab("lab4"), latest_results(quick_build)
    runs = {
        run_id: RememberedRun(r.key, r.experiment, r.seed, r.params, {})
        for run_id, r in results.items()
    }
    assert mismatch(lab, "quick", (), {}, runs, results) is None
    forged = runs | {"lstm_deep": runs["gru_deep"], "gru_deep": runs["lstm_deep"]}
    swapped = results | {
        "lstm_deep": results["gru_deep"],
        "gru_deep": results["lstm_deep"],
    }
    assert "gives run lstm_deep the result of another run" in str(
        mismatch(lab, "quick", (), {}, forged, swapped)
    )
    other_seed = dataclasses.replace(results["rnn_concise"], seed=1)
    assert "rnn_concise" in str(
        mismatch(lab, "quick", (), {}, runs, results | {"rnn_concise": other_seed})
    )
    assert "other runs" in str(
        mismatch(lab, "quick", (), {}, runs | {"extra": runs["gru_deep"]}, results)
    )


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.skipif("cuda_available()", reason="this machine has CUDA")
def test_cuda_without_cuda_is_refused_even_with_everything_cached(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    assert quick_build.build().exit_code == 0
    before = quick_build.pdf.stat().st_mtime_ns
    result = quick_build.build("--device", "cuda")
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: --device cuda was requested, but torch sees no CUDA device"
    ), result.output
    assert quick_build.pdf.stat().st_mtime_ns == before
    assert quick_build.build("--device", "cpu").exit_code == 0


# --- signals and killed builds, on a real build in its own process group -----------------

BUILD = [
    sys.executable,
    "-m",
    "reportgen",
    "build",
    "lab4",
    *STUDENT,
    "--profile",
    "quick",
]


def start_build(
    build_dir: Path, *args: str, command: t.Sequence[str] = BUILD
) -> subprocess.Popen[str]:
    """A quick build (or ``command``) in a subprocess and a session of its own (its own
    process group)."""
    return subprocess.Popen(
        [*command, "--build-dir", str(build_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def copy_of(quick_build: QuickBuild, to: Path, *, report: bool) -> Path:
    """The quick build's cache (and with ``report`` its report, but no figures): a build of
    it trains nothing and draws every figure."""
    shutil.copytree(quick_build.build_dir / "cache", to / "cache")
    shutil.copy(quick_build.build_dir / BUILD_MARKER, to)  # a build folder, marked
    if report:
        shutil.copytree(quick_build.build_dir / "lab4", to / "lab4")
        shutil.rmtree(to / "lab4" / "figures-preview")
    return to


def children(pid: int) -> dict[int, str]:
    """pid → command line of each live process whose parent is ``pid`` (from /proc)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue  # it ended meanwhile
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(stat.parent.name)] = cmdline.decode(errors="replace")
    return found


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def spawned_child(build: subprocess.Popen[str], within: float = 120.0) -> int:
    """The pid of the build's first worker (a figure worker: the build is rendering)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and build.poll() is None:
        for pid, cmdline in children(build.pid).items():
            if "spawn_main" in cmdline:
                return pid
        time.sleep(0.02)
    raise AssertionError(
        f"no figure worker appeared; the build said:\n{build_output(build)}"
    )


def build_output(build: subprocess.Popen[str]) -> str:
    out, _ = build.communicate(timeout=120)
    return out


@pytest.mark.parametrize("stage", ["training", "figures"])
def test_workers_exit_when_the_build_is_killed(
    stage: str, quick_build: QuickBuild, tmp_path: Path
) -> None:
    """SIGKILL of a build as soon as its workers start (training runs from scratch, or
    drawing every figure): they follow it within seconds, instead of working on under
    PID 1 for as long as their work takes."""
    if stage == "figures":
        build = start_build(copy_of(quick_build, tmp_path, report=False))
    else:
        build = start_build(tmp_path, "--jobs", "2")
    worker = spawned_child(build)
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 3.0
    while is_running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_running(worker)


WORKER_MASK = """
import concurrent.futures, multiprocessing, signal
from reportgen.workers import starting_workers

def sigint_blocked() -> bool:
    return signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())

if __name__ == "__main__":
    with starting_workers():
        pool = concurrent.futures.ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn")
        )
        drawing = pool.submit(sigint_blocked)
    print(drawing.result(), sigint_blocked())
"""


def test_a_worker_starts_with_sigint_blocked(tmp_path: Path) -> None:
    """In a fresh process, whose first pool also starts multiprocessing's resource tracker
    (which unblocks SIGINT in the starting thread): the worker still starts with SIGINT
    blocked, and the block ends with :func:`starting_workers`."""
    script = tmp_path / "mask.py"
    script.write_text(WORKER_MASK)
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True
    ).stdout
    assert out == "True False\n"


def test_ctrl_c_while_rendering_is_one_line_and_exit_130(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    """Ctrl-C (SIGINT to the process group) at moments spread over the rendering: each
    build ends complete (exit 0) or with the one-line message and 130, its report files
    whole; at least one is interrupted while rendering."""
    assert quick_build.build().exit_code == 0
    markdown = quick_build.markdown.read_bytes()  # the same inputs give the same text
    interrupted = 0
    for attempt, delay in enumerate((0.0, 0.3, 1.0, 2.0, 3.5)):
        build_dir = copy_of(quick_build, tmp_path / str(attempt), report=True)
        build = start_build(build_dir)
        spawned_child(build)
        time.sleep(delay)
        os.killpg(build.pid, signal.SIGINT)
        out = build_output(build)
        assert "Traceback" not in out and "Aborted!" not in out, out
        if build.returncode == 0:
            continue
        assert build.returncode == 130, out
        assert out.endswith(
            "Error: Interrupted by SIGINT: all 8 runs are stored; the report was not"
            " finished. Run the same command again to write it.\n"
        ), out
        interrupted += 1
        report = build_dir / "lab4"
        assert (report / quick_build.markdown.name).read_bytes() == markdown
        assert (report / quick_build.pdf.name).read_bytes().endswith(b"%%EOF\n")
    assert interrupted, "no attempt was interrupted while rendering"


def catches_sigterm(pid: int) -> bool:
    """Whether ``pid`` has a handler for SIGTERM (the build's, from its first line)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & 1 << (signal.SIGTERM - 1))
    return False


@pytest.mark.parametrize(
    ("command", "line"),
    [
        (
            BUILD,
            "Error: Interrupted by SIGINT: finished runs are stored, unfinished runs keep"
            " their last checkpoint. Run the same command again to resume.\n",
        ),
        (
            [sys.executable, "-m", "reportgen", "status", "lab4", "--profile", "quick"],
            "Error: Interrupted by SIGINT.\n",
        ),
    ],
)
def test_ctrl_c_while_planning_is_one_line_and_exit_130(
    command: list[str], line: str, tmp_path: Path
) -> None:
    """Ctrl-C as soon as the program can catch it (while it imports torch to plan): one
    line, saying what is kept where there is something to resume, and 130."""
    started = start_build(tmp_path, command=command)
    while started.poll() is None and not catches_sigterm(started.pid):
        time.sleep(0.01)
    os.killpg(started.pid, signal.SIGINT)
    out = build_output(started)
    assert started.returncode == 130, out
    assert out == line


def test_sigterm_while_rendering_is_one_line_and_exit_130(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build = start_build(copy_of(quick_build, tmp_path, report=False))
    spawned_child(build)
    build.terminate()
    out = build_output(build)
    assert build.returncode == 130, out
    assert out.endswith(
        "Error: Interrupted by SIGTERM: all 8 runs are stored; the report was not"
        " finished. Run the same command again to write it.\n"
    ), out
    after = invoke(
        "build", "lab4", *STUDENT, "--profile", "quick", "--build-dir", str(tmp_path)
    )
    assert after.exit_code == 0, after.output  # and it cleaned what the signal left
    assert not list(tmp_path.rglob("*.tmp"))


# --- a full disk: a tmpfs of its own, filled ------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> t.Iterator[Path]:
    """A 16 MiB tmpfs of its own, to fill (mounting needs root, as CI has)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)]
    mounted = subprocess.run(mount, capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk: Path) -> None:
    """Take every free byte of ``disk``."""
    with open(disk / "filler", "wb", buffering=0) as f:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass


def temp_files(folder: Path) -> list[Path]:
    return list(folder.rglob("*.tmp"))


def test_full_disk_while_a_checkpoint_is_saved(small_disk: Path) -> None:
    from reportgen.plan import plan
    from reportgen.runner import RunTask, train_one

    (run,) = [r for r in plan(load_lab("lab4"), "quick") if r.id == "rnn_concise"]
    task = RunTask.of(run, "cpu", Store(small_disk / "cache"))
    task.checkpoint.parent.mkdir(parents=True)
    fill(small_disk)
    with pytest.raises(CannotWrite) as caught:
        train_one(task, lambda step, total, info: None)
    assert caught.value.message == (
        f"The disk is full: cannot write {task.checkpoint}. {TRAINING_KEPT} Free some"
        " space and run the same command again."
    )
    assert not temp_files(small_disk)


def build_on(disk: Path) -> Result:
    return invoke(
        "build", "lab4", *STUDENT, "--profile", "quick", "--build-dir", str(disk)
    )


def test_full_disk_while_a_result_is_stored(
    quick_build: QuickBuild, small_disk: Path
) -> None:
    copy_of(quick_build, small_disk, report=False)
    key = latest_results(quick_build)["preprocessing"].key
    shutil.rmtree(small_disk / "cache" / key)  # the one run to redo (no checkpoints)
    fill(small_disk)
    result = build_on(small_disk)
    assert result.exit_code == 1
    assert result.output.endswith(
        f"Error: The disk is full: cannot write {small_disk}/cache/{key}/result.json."
        f" {TRAINING_KEPT} Free some space and run the same command again.\n"
    ), result.output
    assert not temp_files(small_disk)


def test_full_disk_while_the_report_is_written(
    quick_build: QuickBuild, small_disk: Path
) -> None:
    copy_of(quick_build, small_disk, report=True)
    report = small_disk / "lab4"
    before = {p: p.read_bytes() for p in report.iterdir() if p.is_file()}
    fill(small_disk)
    result = build_on(small_disk)
    assert result.exit_code == 1
    (last,) = result.output.splitlines()[-1:]
    assert last.startswith(f"Error: The disk is full: cannot write {small_disk}/")
    assert last.endswith(
        f" {REPORT_KEPT} Free some space and run the same command again."
    ), result.output
    assert {p: p.read_bytes() for p in report.iterdir() if p.is_file()} == before
    assert not temp_files(small_disk)


def test_a_signal_a_finalizer_swallowed_is_delivered_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ctrl-C while a weakref callback or ``__del__`` runs: Python cannot raise there (it
    prints a traceback and goes on); the build still ends with the one line."""
    from reportgen.interrupts import BuildInterrupted, interrupts_raise

    class SignalledWhileFinalized:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)  # the handler runs here, inside the finalizer

    with pytest.raises(BuildInterrupted, match="Interrupted by SIGINT"):
        with interrupts_raise():
            finalized = SignalledWhileFinalized()
            del finalized
            time.sleep(5)  # the signal comes again, and ends it here
    assert "Traceback" not in capsys.readouterr().err
