"""The experiments' parameter names, remembered per version of the experiment files, so
that a misspelt ``--set`` is refused in a fraction of a second, before torch is imported.

Every build and ``status`` that imports the experiments writes
``<build>/cache/params/<inputs digest>.json`` (experiment → parameter names; the
digest of reportgen.plan_cache covers every experiment file and the code they run, so an
edited experiment reads no stale names). It is data: read with a size bound and checked
field by field; anything else is ignored and the experiments are imported as before.
"""

from __future__ import annotations

import json
import re
import typing as t
from pathlib import Path

from reportgen import limits
from reportgen.lab import LabSpec, Override
from reportgen.safety import BUILD_MARKER, own_dir, read_own_file
from reportgen.store import write_atomic

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}\Z")


def index_path(build_dir: Path, digest: str) -> Path:
    return build_dir / "cache" / "params" / f"{digest}.json"


def remember(build_dir: Path, digest: str, names: t.Mapping[str, t.Sequence[str]]) -> None:
    """Write the index of ``digest`` into a build folder reportgen made (none elsewhere)."""
    if not (build_dir / BUILD_MARKER).is_file():
        return
    own_dir(build_dir, "cache", "params")  # a link or a file in the way is refused
    path = index_path(build_dir, digest)
    if not path.exists():
        write_atomic(path, json.dumps(dict(names), sort_keys=True))


def recall(build_dir: Path, digest: str) -> dict[str, list[str]] | None:
    """The index of ``digest``; None when there is none or it is not one."""
    try:
        data = json.loads(
            read_own_file(index_path(build_dir, digest), build_dir, limits.KEY_MAP_BYTES)
        )
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not all(
        isinstance(k, str)
        and _NAME.match(k)
        and isinstance(v, list)
        and all(isinstance(p, str) and _NAME.match(p) for p in v)
        for k, v in data.items()
    ):
        return None
    return data


def check_early(lab: LabSpec, overrides: t.Sequence[Override], build_dir: Path) -> None:
    """Refuse a ``--set`` whose target the lab lacks, or whose parameter the remembered
    index does not list, before anything imports torch (the planner checks again)."""
    from reportgen.plan import check_override_names
    from reportgen.plan_cache import inputs_digest

    if overrides:
        names = recall(build_dir, inputs_digest()) or {}
        check_override_names(lab, overrides, names)
