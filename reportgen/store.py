"""The results store: one finished run's result per key, written atomically.

Contract:
- A run key maps to exactly one result, ``<cache>/<key>/result.json``.
- A result is written to a temporary file in the same folder and renamed into place, so a
  reader sees either no result or a complete one; an interrupted run leaves no entry.
- An entry that cannot be read (bad JSON or UTF-8, wrong format, checksum mismatch, a folder or
  a link where the file should be) counts as missing: :meth:`Store.load` reports it and the
  pipeline reruns the run; :meth:`Store.save` moves a folder or link in the way aside (it
  deletes nothing it did not write).

The key hashes what determines a result and nothing else (see :func:`run_key`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import typing as t
from pathlib import Path

from reportgen import limits, signing
from reportgen.safety import TEMP_SUFFIX, own_dir, read_own_file
from reportgen.shapes import INT_LIMIT, Shape, check_fields, finite_number

log = logging.getLogger(__name__)

RESULT_FORMAT = 1
RESULT_FILE = "result.json"


def sha256_file(path: Path) -> str:
    """sha256 of a file, read in chunks: a corpus is hashed without holding it whole."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


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
        """The stored form, signed by this user (:mod:`reportgen.signing`)."""
        body = dataclasses.asdict(self)
        checksum = _checksum(body)
        return json.dumps(
            {
                "format": RESULT_FORMAT,
                "checksum": checksum,
                "signature": signing.sign(checksum),
                "result": body,
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> RunResult:
        """Parse a stored result; raises ValueError when it is malformed or its checksum is off."""
        return _parse_entry(text)[0]


def _parse_entry(text: str) -> tuple[RunResult, bool]:
    """A stored result and whether this user signed it; raises ValueError when it is
    malformed or its checksum is off."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT:
        raise ValueError("unknown result format")
    body = data.get("result")
    if not isinstance(body, dict):
        raise ValueError("no result in it")
    checksum = _checksum(body)
    if data.get("checksum") != checksum:
        raise ValueError("checksum mismatch")
    check_result_shape(body)
    return RunResult(**body), signing.is_mine(checksum, data.get("signature"))


# what each stored field must be: a planted entry can carry a valid checksum (it has no
# secret), so the shape is checked before anything renders from it
_SHAPE: Shape = {
    "key": str,
    "experiment": str,
    "params": dict,
    "seed": int,
    "status": str,
    "device": str,
    "device_name": str,
    "torch_version": str,
    "started_at": str,
    "wall_seconds": (int, float),
    "sources": dict,
    "metrics": dict,
    "series": dict,
    "samples": dict,
    "tables": dict,
    "diverged_at": (int, type(None)),
}


def check_result_shape(body: dict[str, t.Any]) -> None:
    """Raise ValueError unless ``body`` has exactly the fields of a result, of their types."""
    check_fields(body, _SHAPE)
    if body["status"] not in ("ok", "diverged"):
        raise ValueError(f"unknown status {body['status']!r}")
    if not 0 <= body["seed"] <= limits.SEED_MAX:
        raise ValueError("seed out of range")
    if not (finite_number(body["wall_seconds"]) and body["wall_seconds"] >= 0):
        raise ValueError("wall_seconds is not a duration")
    if (body["diverged_at"] is None) != (body["status"] == "ok") or not (
        body["diverged_at"] is None or 0 <= body["diverged_at"] <= INT_LIMIT
    ):
        raise ValueError("diverged_at does not fit the status")
    for name, points in body["series"].items():
        if not isinstance(points, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(map(finite_number, p))
            for p in points
        ):
            raise ValueError(f"series {name!r} is not a list of (step, value) points")
    for field, kinds in (
        ("metrics", (str,)),
        ("params", (str, bool)),
        ("samples", (str,)),
    ):
        for name, value in body[field].items():
            if not (
                isinstance(value, kinds)
                or (field != "samples" and finite_number(value))
            ):
                raise ValueError(f"{field} {name!r} is neither a number nor text")
    if not all(isinstance(v, str) for v in body["sources"].values()):
        raise ValueError("a source is not text")
    for name, rows in body["tables"].items():
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError(f"table {name!r} is not a list of rows")


def _checksum(body: dict[str, t.Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


KEY = re.compile(r"^[0-9a-f]{64}\Z")


def is_key_map(data: object) -> t.TypeGuard[dict[str, str]]:
    """Whether ``data`` (read back from a plan or latest-keys file) maps run ids to keys."""
    return isinstance(data, dict) and all(
        isinstance(v, str) and KEY.match(v) for v in data.values()
    )


class Store:
    """Results on disk under ``<build>/cache``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # key -> whether this user signed it, for the entries loaded or saved here
        self._signed: dict[str, bool] = {}

    def path_for(self, key: str) -> Path:
        return self.root / key / RESULT_FILE

    def checkpoint_for(self, key: str) -> Path:
        """Where an unfinished run keeps its last checkpoint (deleted once it is stored)."""
        return self.root / "partial" / f"{key}.pt"

    def load(self, key: str) -> RunResult | None:
        """The stored result for ``key``; None when missing or unreadable (logged once)."""
        try:
            data = read_own_file(self.path_for(key), self.root, limits.RESULT_BYTES)
        except FileNotFoundError:
            return None
        except (ValueError, OSError) as exc:
            return _corrupt(key, str(exc))
        try:
            result, mine = _parse_entry(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            return _corrupt(key, f"not UTF-8 at byte {exc.start}")
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            return _corrupt(key, str(exc) or type(exc).__name__)
        if result.key != key:
            return _corrupt(key, "it holds another key")
        self._signed[key] = mine
        return result

    def save(self, result: RunResult) -> Path:
        """Write a result atomically: temp file in the entry folder, fsync, rename."""
        entry = self.root / result.key
        if entry.is_symlink() or (entry.exists() and not entry.is_dir()):
            _move_aside(entry)
        path = own_dir(self.root.parent, self.root.name, result.key) / RESULT_FILE
        if path.is_symlink() or (path.exists() and not path.is_file()):
            _move_aside(path)  # a link, a folder, a FIFO …: not reportgen's to delete
        write_atomic(path, result.to_json())
        self._signed[result.key] = True
        self.checkpoint_for(result.key).unlink(missing_ok=True)
        return path

    def is_mine(self, key: str) -> bool:
        """Whether the entry of ``key`` was written by this user (signed with this user's
        key); False for a foreign, unsigned, damaged or missing one. An entry this store
        loaded or saved is not read again."""
        if key in self._signed:
            return self._signed[key]
        try:
            data = read_own_file(self.path_for(key), self.root, limits.RESULT_BYTES)
            return _parse_entry(data.decode("utf-8"))[1]
        except (
            ValueError,
            OSError,
            KeyError,
            TypeError,
            AttributeError,
            RecursionError,
        ):
            return False  # missing or damaged: no one's (load reports the damage)

    def keys(self) -> list[str]:
        """Keys of the stored entries: a key's own folder (not a link) holding something
        under the result's name (a damaged one too: :meth:`load` reports it). A folder left
        with only a temporary file, by a run killed while it was stored, is no entry."""
        if not self.root.is_dir() or self.root.is_symlink():
            return []
        return sorted(
            entry.name
            for entry in self.root.iterdir()
            if len(entry.name) == 64
            and entry.is_dir()
            and not entry.is_symlink()
            and os.path.lexists(entry / RESULT_FILE)
        )


def _corrupt(key: str, why: str) -> RunResult | None:
    """Report a damaged entry once; it counts as missing, so its run trains again."""
    log.warning("Cache entry %s is corrupt (%s); it will be rerun.", key[:12], why)
    return None


def _move_aside(path: Path) -> None:
    """Rename a damaged entry (a folder or a link where a result belongs) out of the way."""
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    path.rename(target)
    log.warning("Moved %s aside to %s; it is not reportgen's.", path, target.name)


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` so that readers never see a partial file."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    write_atomic_with(path, lambda f: f.write(data))


def write_atomic_with(path: Path, write: t.Callable[[t.BinaryIO], object]) -> None:
    """Call ``write(buffer)``, then write the bytes to a temp file beside ``path``, fsync
    it and rename it into place. An OSError names ``path`` (e.g. a full disk).

    The bytes go through memory (every file of a build is small) so that a full disk is an
    OSError of this function's own writes, not a writer's odd message (torch.save's is
    ``unexpected pos …``). A crash leaves at worst a hidden ``.<name>.<8>.reportgen.tmp``
    file, which :func:`reportgen.safety.remove_orphans` deletes at the start of the next
    build.
    """
    buffer = io.BytesIO()
    write(buffer)
    try:
        fd, tmp = temp_beside(path)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
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


def temp_beside(path: Path) -> tuple[int, str]:
    """A new hidden temp file ``.<name>.<8>.reportgen.tmp`` beside ``path`` (open fd, its
    path), with the usual permissions; :func:`reportgen.safety.remove_orphans` deletes one a
    crash leaves behind."""
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX
    )
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600 files
    return fd, tmp
