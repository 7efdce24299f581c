"""Builder drafts kept in the user's state directory, so an accidental quit or a crash loses nothing.

Drafts live in `$XDG_STATE_HOME/multus-tui/drafts/` (default `~/.local/state/multus-tui/drafts/`),
one JSON file per draft holding the NAD manifest as YAML text (what the builder's raw mode shows),
the namespace/name it was for and when it was saved. Writes are atomic (temporary file in the same
directory, fsync, rename), so a crash mid-write leaves the previous draft, never half a file; files
are private (0600: a NAD config may name internal hosts). Unreadable files are skipped, not fatal.

Pure standard library: importable by the UI, the commands and tests alike.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from multus_tui.files import write_atomic

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
MAX_DRAFT_BYTES = 4 * 1024 * 1024  # a NAD is at most ~1.5 MB in etcd; anything far larger is not ours
# Drafts are pruned when one is saved (issue 14: they were kept for ever): older than this, or beyond
# the newest KEEP_DRAFTS; a temporary file a crash left behind goes after a day.
MAX_DRAFT_AGE_S = 30 * 24 * 3600
KEEP_DRAFTS = 20


def state_dir() -> Path:
    """`$XDG_STATE_HOME/multus-tui` (XDG base directory spec: a relative value is ignored)."""
    base = os.environ.get("XDG_STATE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "multus-tui"


def drafts_dir() -> Path:
    """Where drafts are kept (not created until the first save)."""
    return state_dir() / "drafts"


@dataclass
class Draft:
    """One saved builder state: the manifest as YAML text and what it was for."""

    id: str
    text: str
    namespace: str | None = None
    name: str | None = None
    saved_at: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """`namespace/name, saved HH:MM` for a restore prompt."""
        what = "/".join(p for p in (self.namespace, self.name) if p) or "unnamed NAD"
        return f"{what}, saved {time.strftime('%Y-%m-%d %H:%M', time.localtime(self.saved_at))}"


def new_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:8]


def _path(draft_id: str) -> Path:
    if not _ID.match(draft_id):
        raise ValueError(f"not a draft id: {draft_id!r}")
    return drafts_dir() / f"{draft_id}.json"


def save_draft(text: str, *, namespace: str | None = None, name: str | None = None, draft_id: str | None = None,
               meta: dict[str, Any] | None = None) -> Draft:
    """Save (or overwrite, with `draft_id`) a draft atomically; returns it with its id."""
    draft = Draft(draft_id or new_id(), text, namespace, name, time.time(), dict(meta or {}))
    target = _path(draft.id)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = json.dumps(asdict(draft), ensure_ascii=False).encode("utf-8", "surrogatepass")
    write_atomic(target, data, prefix=".draft-")
    prune_drafts(keep_id=draft.id)
    return draft


def prune_drafts(*, keep_id: str | None = None, now: float | None = None) -> list[str]:
    """Delete drafts older than MAX_DRAFT_AGE_S or beyond the newest KEEP_DRAFTS (never `keep_id`),
    and temporary files older than a day; returns the ids of the drafts deleted. Best effort."""
    now = time.time() if now is None else now
    d = drafts_dir()
    try:
        entries = list(d.iterdir())
    except OSError:
        return []
    for p in entries:
        if p.name.startswith(".draft-") and p.suffix == ".tmp":
            try:
                if now - p.stat().st_mtime > 24 * 3600:
                    p.unlink()
            except OSError:
                pass
    dated = []
    for p in entries:
        if p.suffix != ".json" or not _ID.match(p.stem):
            continue
        try:
            dated.append((p.stat().st_mtime, p))
        except OSError:
            continue
    dated.sort(reverse=True)
    gone = []
    for i, (mtime, p) in enumerate(dated):
        if p.stem == keep_id:
            continue
        if i >= KEEP_DRAFTS or now - mtime > MAX_DRAFT_AGE_S:
            try:
                p.unlink()
                gone.append(p.stem)
            except OSError:
                pass
    return gone


def _read(path: Path) -> Draft | None:
    try:
        if path.stat().st_size > MAX_DRAFT_BYTES:
            return None
        raw = json.loads(path.read_bytes().decode("utf-8", "surrogatepass"))
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            return None
        return Draft(id=path.stem, text=raw["text"], namespace=raw.get("namespace"), name=raw.get("name"),
                     saved_at=float(raw.get("saved_at") or path.stat().st_mtime),
                     meta=raw.get("meta") if isinstance(raw.get("meta"), dict) else {})
    except (OSError, ValueError, TypeError):
        return None


def load_draft(draft_id: str) -> Draft | None:
    """The draft with this id, or None when it is missing or unreadable."""
    try:
        return _read(_path(draft_id))
    except ValueError:
        return None


def list_drafts() -> list[Draft]:
    """Every readable draft, newest first."""
    d = drafts_dir()
    try:
        paths = [p for p in d.iterdir() if p.suffix == ".json" and _ID.match(p.stem)]
    except OSError:
        return []
    drafts = [x for x in (_read(p) for p in paths) if x is not None]
    return sorted(drafts, key=lambda x: x.saved_at, reverse=True)


def delete_draft(draft_id: str) -> bool:
    """Remove a draft; False when there was none."""
    try:
        _path(draft_id).unlink()
        return True
    except (OSError, ValueError):
        return False
