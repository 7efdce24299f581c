"""UI-wide messages (posting's habit: one module of dataclass messages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message


@dataclass
class StoreChanged(Message):
    """The LiveStore delivered a batch of changes (posted from a store thread via call_from_thread).

    A flood collapses (toolong's can_replace habit): when this message is about to be handled and
    another StoreChanged is already queued behind it, this one is dropped after handing its changes
    to the queued one, so nothing is lost and the screen refreshes once.
    """

    changes: list[Any] = field(default_factory=list)

    def can_replace(self, message: Message) -> bool:
        if isinstance(message, StoreChanged):
            message.changes[:0] = self.changes
            return True
        return False

    @property
    def kinds(self) -> set[str]:
        return {getattr(c, "kind", "?") for c in self.changes}


@dataclass
class ClusterChecked(Message):
    """The connection check finished: reachable (error None) or not; whether Multus is installed."""

    error: str | None
    multus_installed: bool | None
    forbidden: list[str] = field(default_factory=list)
    # the account may not write NADs or pods (None: unknown, keep what the app has)
    account_readonly: bool | None = None


@dataclass
class ContextSwitched(Message):
    """A context switch finished (error None) or failed."""

    context: str | None
    error: str | None = None
