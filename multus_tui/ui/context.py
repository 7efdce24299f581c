"""What every screen needs to reach the cluster, shared by the app shell, the builder and the attach screens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from multus_tui.ui.text import utc_now

if TYPE_CHECKING:  # the UI must start (offline builder) even when the cluster layer cannot be imported
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.store import LiveStore


@dataclass
class AppContext:
    """The cluster connection of the running app.

    `cluster` and `store` are None in offline mode (no kubeconfig): the builder still works.
    The app shell swaps the fields in place on a context switch, so screens holding this object
    always see the current connection.
    """

    cluster: Cluster | None
    store: LiveStore | None
    readonly: bool
    context_name: str | None
    server: str | None
    namespace: str = "default"
    # Extras beyond the shared contract (all defaulted): the kubeconfig path given on the command line
    # (kubectl exec and context switching need it), the contexts it offers, and the clock used for ages
    # (snapshot tests pin it).
    kubeconfig: str | None = None
    contexts: list[str] = field(default_factory=list)
    clock: Callable[[], datetime] = utc_now
    extra: dict[str, Any] = field(default_factory=dict)
    # `readonly` is what the screens obey: the user's --readonly (`readonly_requested`, sticky across
    # context switches) or an account that may not write, re-evaluated on every connection check.
    readonly_requested: bool | None = None

    def __post_init__(self) -> None:
        if self.readonly_requested is None:
            self.readonly_requested = self.readonly

    def set_account_readonly(self, account_readonly: bool) -> None:
        """The connected account's permissions: read-only when it may not write, or when asked to be."""
        self.readonly = bool(self.readonly_requested) or account_readonly

    @property
    def online(self) -> bool:
        return self.cluster is not None and self.store is not None
