"""Limits a course lab never needs: --seeds, --jobs, the runs a lab plans, a run's memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen import limits
from reportgen.errors import ExperimentError, LabSpecError
from reportgen.lab import load_lab
from tests.conftest import STUDENT, invoke


@pytest.mark.parametrize(
    ("option", "value", "limit"),
    [("--seeds", "1000000", "1<=x<=20"), ("--jobs", "100", "0<=x<=64")],
)
def test_seeds_and_jobs_beyond_their_limit_are_usage_errors(
    option: str, value: str, limit: str, tmp_path: Path
) -> None:
    result = invoke(
        "build", "rnn-tuning", *STUDENT, option, value, "--build-dir", str(tmp_path)
    )
    assert result.exit_code == 2
    assert (
        f"Error: Invalid value for '{option}': {value} is not in the range {limit}."
        in result.output
    )
    assert not any(tmp_path.iterdir())


def test_a_lab_planning_too_many_runs_is_refused_before_expanding_it(
    tmp_path: Path,
) -> None:
    """A grid of 10**4 × 10**4 points would be 10**8 run specs: counted, not built."""
    values = list(range(1, 10_001))
    (tmp_path / "big.toml").write_text(
        'number = 1\ntitle = "t"\ncourse = "c"\ntemplate = "lab4.md.j2"\n'
        f'[runs.hidden]\nexperiment = "rnn_concise"\nseeds = [0, 1]\n'
        f"grid = {{ num_hiddens = {values}, batch_size = {values} }}\n",
        encoding="utf-8",
    )
    with pytest.raises(LabSpecError) as exc:
        load_lab("big", tmp_path)
    assert exc.value.message == (
        "big.toml: runs.hidden.grid: 200000000 runs (grid points × seeds) would make the"
        " lab plan more than 500 runs (reportgen.limits.PLANNED_RUNS)"
    )


def test_the_runs_of_all_groups_count_together(tmp_path: Path) -> None:
    group = '[runs.g{i}]\nexperiment = "rnn_concise"\nseeds = {seeds}\n'
    seeds = list(range(limits.PLANNED_RUNS // 2))
    (tmp_path / "two.toml").write_text(
        'number = 1\ntitle = "t"\ncourse = "c"\ntemplate = "lab4.md.j2"\n'
        + "".join(group.format(i=i, seeds=seeds) for i in range(3)),
        encoding="utf-8",
    )
    with pytest.raises(LabSpecError) as exc:
        load_lab("two", tmp_path)
    assert exc.value.message.startswith("two.toml: runs.g2.grid: 250 runs")


def test_a_run_too_large_for_the_machine_is_refused_before_it_trains() -> None:
    from reportgen.experiment import RunContext, load_experiments
    from reportgen.models.rnn_scratch import RNNScratch
    from reportgen.text.corpus import Vocab
    from reportgen.train.language_model import train_language_model

    params = load_experiments()["rnn_concise"].params_cls(
        cell="lstm",
        num_layers=limits.LAYERS,
        num_hiddens=limits.HIDDENS,
        batch_size=limits.BATCH,
        num_steps=limits.STEPS,
        max_tokens=limits.TOKENS,
    )  # about 17 TB to train: more than any machine has
    vocab = Vocab(list("abc"))
    corpus = [1, 2, 3] * (limits.TOKENS // 3)
    net = RNNScratch(len(vocab), 8)
    with pytest.raises(ExperimentError) as exc:
        train_language_model(net, corpus, vocab, params, RunContext(0, "cpu"))
    message = exc.value.message
    assert message.startswith("it would need about 16")
    assert (
        " GiB of memory to train (weights, gradients, one minibatch's activations),"
        in message
    )
    assert " GiB free; lower batch_size, num_steps or num_hiddens." in message


PEAK = """
import json
import torch
from reportgen.experiment import RunContext
from reportgen.models.rnn_scratch import RNNScratch
from reportgen.text.corpus import Vocab
from reportgen.train.language_model import LMParams, train_language_model
from reportgen.train.memory import training_bytes

torch.set_num_threads(1)
V, H, B, S = 2000, 1024, 64, 100
vocab = Vocab([chr(0x4E00 + i) for i in range(V)])
corpus = torch.randint(1, V, ((B + 1) * S + 10,)).tolist()
cfg = LMParams(num_hiddens=H, num_epochs=1, batch_size=B, num_steps=S, max_tokens=len(corpus))
def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field))
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) starts again from the current size
before = status("VmRSS:")
net = RNNScratch(len(vocab), H)
estimate = training_bytes(sum(p.numel() for p in net.parameters()), "sgd", B, S, H, 1, V)
train_language_model(net, corpus, vocab, cfg, RunContext(0, "cpu"), prefixes=("一",), num_preds=2)
after = status("VmHWM:")
print(json.dumps({"estimate": estimate, "measured": after - before}))
"""


def test_the_memory_estimate_is_within_a_factor_2_of_a_measured_peak() -> None:
    """A real run (one epoch, ~350 MB estimated) in its own process: its peak RSS growth
    (VmHWM, reset first: ru_maxrss would start from the parent's size at fork)."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK], capture_output=True, text=True, check=True
    ).stdout
    sizes = json.loads(out.splitlines()[-1])
    assert sizes["estimate"] / 2 <= sizes["measured"] <= sizes["estimate"] * 2, sizes
