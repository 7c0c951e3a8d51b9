"""Everything that can be checked before training is checked before training (issue 19 §3).

Bad parameter values, notes whose formulas cannot be drawn or whose characters no font has,
student fields no font can print, broken templates: each fails while planning, with one
line, and trains nothing.
"""

from __future__ import annotations

import pytest

from reportgen.errors import ParamError
from reportgen.lab import load_lab, parse_override
from reportgen.plan import plan


@pytest.mark.parametrize(
    ("lab_id", "override", "message"),
    [
        # each of these used to pass planning and fail inside run(), after training
        # (Sampling's ValueError, NaN probabilities in torch.multinomial)
        (
            "tangshi",
            "tangshi.temperature=-1",
            "temperature must be 0 (greedy) or between 0.01 and 100, got -1.0",
        ),
        ("tangshi", "tangshi.temperature=1e-300", "got 1e-300"),
        ("tangshi", "tangshi.temperature=inf", "got inf"),
        ("tangshi", "tangshi.temperature=nan", "got nan"),
        ("lyrics", "lyrics.temperature=-0.5", "got -0.5"),
        # ZeroDivisionError in SRN's initialisation; ValueError from nn.LSTM
        ("digitsum", "digitsum.num_hiddens=0", "num_hiddens must be at least 1"),
        ("digitsum", "digitsum.embedding_size=0", "embedding_size must be at least 1"),
        # StatisticsError (median of no timings), ZeroDivisionError
        ("digitsum", "srn_check.repeats=0", "repeats must be at least 1"),
        ("digitsum", "srn_check.num_hiddens=0", "num_hiddens must be at least 1"),
        ("digitsum", "srn_check.input_size=0", "input_size must be at least 1"),
        ("digitsum", "srn_check.batch_size=0", "batch_size must be at least 1"),
        # ZeroDivisionError / ValueError / IndexError in the sequence iterators
        ("lab4", "text_preprocessing.batch_size=0", "batch_size must be at least 1"),
        ("lab4", "text_preprocessing.num_steps=0", "num_steps must be at least 1"),
        (
            "lab4",
            "text_preprocessing.max_tokens=100",
            "max_tokens (100) must exceed (batch_size + 1) × num_steps (1155)",
        ),
        (
            "lab4",
            "text_preprocessing.toy_batch_size=0",
            "toy_batch_size must be at least 1",
        ),
        (
            "lab4",
            "text_preprocessing.toy_length=3",
            "toy_length (3) must exceed (toy_batch_size + 1) × toy_num_steps (15)",
        ),
    ],
)
def test_values_that_failed_while_running_are_refused_by_planning(
    lab_id: str, override: str, message: str
) -> None:
    with pytest.raises(ParamError) as exc:
        plan(load_lab(lab_id), "quick", [parse_override(override)])
    target = override.split(".")[0]
    assert exc.value.message.startswith(f"{target}: ")
    assert message in exc.value.message


@pytest.mark.parametrize("temperature", ["0", "0.01", "0.8", "100"])
def test_temperatures_a_course_uses_are_accepted(temperature: str) -> None:
    planned = plan(
        load_lab("tangshi"),
        "quick",
        [parse_override(f"lstm.temperature={temperature}")],
    )
    assert {r.id: r.params.temperature for r in planned}["lstm"] == float(temperature)
