"""The DigitSum data of every length (nndl 6.1): split sizes, example lines, file hashes.

The generator is reportgen.data.digitsum; this experiment only describes what it makes, for
the report's data section. Run it through a lab:
    reportgen build digitsum --student WA2214014
"""

from __future__ import annotations

import dataclasses

from reportgen import limits
from reportgen.data.digitsum import LENGTHS, SPLITS, file_sha256, file_text, generate
from reportgen.experiment import RunContext, experiment
from reportgen.params import require, require_at_most


@dataclasses.dataclass(frozen=True)
class Params:
    examples_shown: int = 3  # training lines shown per length

    def __post_init__(self) -> None:
        require(self.examples_shown >= 1, "examples_shown must be at least 1")
        require_at_most(self, limits.COUNT, "examples_shown")


@experiment("digitsum_data", params=Params)
def run(p: Params, ctx: RunContext) -> None:
    sizes, files = [], []
    for length in LENGTHS:
        sizes.append({"length": length} | {s: len(generate(length, s)) for s in SPLITS})
        for split in SPLITS:
            files.append(
                {"length": length, "split": split, "sha256": file_sha256(length, split)}
            )
        # every third base sequence, so the examples show different sums
        lines = file_text(generate(length, "train")).splitlines()[:: 3 * 7]
        ctx.sample(f"L{length}", "\n".join(lines[: p.examples_shown]))
    ctx.table("sizes", sizes)
    ctx.table("files", files)
