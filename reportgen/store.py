"""The results store: one finished run's result per key, written atomically.

Contract:
- A run key maps to exactly one result, ``<cache>/<key>/result.json``.
- A result is written to a temporary file in the same folder and renamed into place, so a
  reader sees either no result or a complete one; an interrupted run leaves no entry.
- An entry that cannot be read (bad JSON, wrong format, checksum mismatch) counts as missing:
  :meth:`Store.load` reports it and the pipeline reruns the run.

The key hashes what determines a result and nothing else (see :func:`run_key`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import tempfile
import typing as t
from pathlib import Path

log = logging.getLogger(__name__)

RESULT_FORMAT = 1
RESULT_FILE = "result.json"


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def canonical_json(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def run_key(
    experiment: str,
    code_hash: str,
    params: t.Mapping[str, object],
    seed: int,
    data_hashes: t.Mapping[str, str],
) -> str:
    """sha256 of one canonical JSON of: experiment name, code hash, params, seed, data hashes.

    Left out on purpose: the device (a result is a result of the computation, and CPU-trained
    results stay valid on a GPU machine), templates, figures, CSS and the report text, so that
    rendering changes never retrain.
    """
    payload = {
        "experiment": experiment,
        "code": code_hash,
        "params": dict(params),
        "seed": seed,
        "data": dict(data_hashes),
    }
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class RunResult:
    """Everything one run produced, with the config, seed, device and timing it ran with."""

    key: str
    experiment: str
    params: dict[str, t.Any]
    seed: int
    status: str  # "ok" or "diverged"
    device: str
    device_name: str  # e.g. "AMD EPYC 7B13, 1 thread" or "NVIDIA H100 80GB HBM3"
    torch_version: str
    started_at: str
    wall_seconds: float
    sources: dict[
        str, str
    ]  # path -> text of the code that ran (experiment + keyed library modules)
    metrics: dict[str, t.Any]
    series: dict[str, list[list[float]]]
    samples: dict[str, str]
    tables: dict[str, list[dict[str, t.Any]]]
    diverged_at: int | None = None

    def to_json(self) -> str:
        body = dataclasses.asdict(self)
        return json.dumps(
            {"format": RESULT_FORMAT, "checksum": _checksum(body), "result": body},
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> RunResult:
        """Parse a stored result; raises ValueError when it is malformed or its checksum is off."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT:
            raise ValueError("unknown result format")
        body = data["result"]
        if data.get("checksum") != _checksum(body):
            raise ValueError("checksum mismatch")
        return cls(**body)


def _checksum(body: dict[str, t.Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


class Store:
    """Results on disk under ``<build>/cache``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, key: str) -> Path:
        return self.root / key / RESULT_FILE

    def checkpoint_for(self, key: str) -> Path:
        """Where an unfinished run keeps its last checkpoint (deleted once it is stored)."""
        return self.root / "partial" / f"{key}.pt"

    def load(self, key: str) -> RunResult | None:
        """The stored result for ``key``; None when missing or unreadable (logged once)."""
        path = self.path_for(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            result = RunResult.from_json(text)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning(
                "Cache entry %s is corrupt (%s); it will be rerun.", key[:12], exc
            )
            return None
        if result.key != key:
            log.warning("Cache entry %s holds another key; it will be rerun.", key[:12])
            return None
        return result

    def save(self, result: RunResult) -> Path:
        """Write a result atomically: temp file in the entry folder, fsync, rename."""
        path = self.path_for(result.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, result.to_json())
        self.checkpoint_for(result.key).unlink(missing_ok=True)
        return path

    def keys(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.parent.name
            for p in self.root.glob(f"*/{RESULT_FILE}")
            if len(p.parent.name) == 64
        )


TEMP_SUFFIX = ".tmp"


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` so that readers never see a partial file."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    write_atomic_with(path, lambda f: f.write(data))


def write_atomic_with(path: Path, write: t.Callable[[t.BinaryIO], object]) -> None:
    """Call ``write(buffer)``, then write the bytes to a temp file beside ``path``, fsync
    it and rename it into place. An OSError names ``path`` (e.g. a full disk).

    The bytes go through memory (every file of a build is small) so that a full disk is an
    OSError of this function's own writes, not a writer's odd message (torch.save's is
    ``unexpected pos …``). A crash leaves at worst a hidden ``.<name>.*.tmp`` file, which
    :func:`remove_orphans` deletes at the start of the next build.
    """
    buffer = io.BytesIO()
    write(buffer)
    try:
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX
        )
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(
        fd, 0o666 & ~umask
    )  # mkstemp makes 0600 files; give the usual permissions
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buffer.getbuffer())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise


def remove_orphans(folder: Path) -> int:
    """Delete temp files that an interrupted write left under ``folder``; return how many."""
    orphans = list(folder.rglob(f".*{TEMP_SUFFIX}")) if folder.is_dir() else []
    for path in orphans:
        path.unlink(missing_ok=True)
    return len(orphans)
