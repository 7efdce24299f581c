"""Writing files the way a crash or a planted symlink cannot spoil them. Standard library only:
importable from every layer (drafts, the sandbox's kubeconfig)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, prefix: str | None = None) -> None:
    """Write `data` as a new file at `path`, mode 0600: a temporary file in the same directory
    (mkstemp creates it 0600), fsync, then a rename over the path. A reader sees the old file or the
    new one, never half of one; and the rename replaces whatever entry was there, a symlink included,
    so a link planted at the path is never followed nor written through."""
    fd, tmp = tempfile.mkstemp(prefix=prefix or f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
