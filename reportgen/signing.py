"""Whose is a stored result? Each cache entry reportgen writes is signed with a key of the
user who trained it, so that results written by someone else (a handed-in build folder, a
copied cache) are recognised as *foreign*: stored, usable, but not verified.

The key is 32 random bytes in ``$XDG_CONFIG_HOME/reportgen/signing-key`` (default
``~/.config/reportgen``), made on first use with mode 0600, outside every project and build
folder: copying a build folder never copies it. The signature is HMAC-SHA256 over the
entry's checksum. It proves only "written by reportgen under this key", not that the numbers
are right: ``reportgen verify`` reruns foreign results (docs/verify.md).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_BYTES = 32


def key_path() -> Path:
    """Where this user's signing key lives (outside every project)."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "reportgen" / "signing-key"


@functools.cache
def _key(path: Path) -> bytes:
    """The key at ``path``, made when there is none (or it is not a key: then replaced,
    and every earlier entry of this user counts as foreign)."""
    try:
        key = path.read_bytes()
        if len(key) == KEY_BYTES:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(KEY_BYTES)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    os.replace(tmp, path)
    return key


def sign(checksum: str) -> str:
    """This user's signature of an entry's checksum."""
    return hmac.new(_key(key_path()), checksum.encode(), hashlib.sha256).hexdigest()


def is_mine(checksum: str, signature: object) -> bool:
    """Whether ``signature`` is this user's signature of ``checksum``."""
    return isinstance(signature, str) and hmac.compare_digest(sign(checksum), signature)
