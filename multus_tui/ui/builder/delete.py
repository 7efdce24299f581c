"""Deleting a NAD: a confirmation that names the pods using it, then the delete in a worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, Static

from multus_tui.multus.nad import NAD
from multus_tui.multus.selection import NETWORKS_ANNOTATION

if TYPE_CHECKING:
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.store import LiveStore
    from multus_tui.cluster.views import NADView
    from multus_tui.ui.context import AppContext



def pods_using(store: LiveStore | None, namespace: str, name: str) -> list[str]:
    """`ns/pod` of every pod in the store whose networks annotation selects `namespace/name`.

    A pod whose annotation does not parse cannot be using anything, so it is skipped.
    """
    if store is None:
        return []
    from multus_tui.multus.errors import MultusTuiError
    from multus_tui.multus.selection import parse_networks

    users: list[str] = []
    for pod in store.pods():
        value = (pod.annotations or {}).get(NETWORKS_ANNOTATION)
        if not value:
            continue
        try:
            selections = parse_networks(value, pod.namespace)
        except MultusTuiError:
            continue
        if any(sel.target(pod.namespace) == (namespace, name) for sel in selections):
            users.append(f"{pod.namespace}/{pod.name}")
    return sorted(users)


class DeleteNadScreen(ModalScreen[bool]):
    """Confirm and delete one NAD; dismisses True once the server deleted it."""

    BINDINGS = [
        Binding("y", "confirm", "Yes, delete", id="builder.delete.yes", tooltip="Delete the NAD"),
        Binding("n,escape", "cancel", "No", id="builder.delete.cancel", tooltip="Keep the NAD"),
    ]

    class Done(Message):
        def __init__(self, error: str | None) -> None:
            super().__init__()
            self.error = error

    def __init__(self, ctx: AppContext, nad_view: NADView | NAD) -> None:
        super().__init__(classes="builder-modal", id="builder-delete")
        self.ctx = ctx
        nad = nad_view if isinstance(nad_view, NAD) else nad_view.nad
        self.nad_namespace: str = nad_view.namespace or nad.namespace or ctx.namespace
        self.nad_name: str = nad_view.name or nad.name
        self.users = pods_using(ctx.store, self.nad_namespace, self.nad_name)

    def compose(self) -> ComposeResult:
        key = f"{self.nad_namespace}/{self.nad_name}"
        with Vertical(id="delete-dialog", classes="builder-dialog"):
            yield Label(Text(f"Delete NetworkAttachmentDefinition {key}?", style="bold"))
            if self.users:
                body = Text(f"{len(self.users)} pod(s) reference it; running pods keep their interface, "
                            "but any of them that restarts will fail to start (NoNetworkFound):\n")
                body.append("\n".join(self.users))
            else:
                body = Text("No pod in view references it.")
            with VerticalScroll(id="delete-users"):
                yield Static(body, id="delete-body")
            yield Static(Text(""), id="delete-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Delete", variant="error", id="delete-yes")
                yield Button("Cancel", id="delete-no")
        yield Footer()  # this dialog's keys, not those of the screen behind

    def on_mount(self) -> None:
        self.query_one("#delete-no", Button).focus()
        if self.ctx.readonly or self.ctx.cluster is None:
            self.query_one("#delete-yes", Button).display = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return not self.ctx.readonly and self.ctx.cluster is not None
        return True

    @on(Button.Pressed, "#delete-yes")
    def action_confirm(self) -> None:
        if self.ctx.readonly or self.ctx.cluster is None or self.query_one("#delete-yes", Button).disabled:
            return
        self.query_one("#delete-yes", Button).disabled = True
        self._delete(self.ctx.cluster)

    @work(thread=True, exclusive=True, group="builder-delete", exit_on_error=False, description="delete the NAD")
    def _delete(self, cluster: Cluster) -> None:
        from multus_tui.cluster import writes
        from multus_tui.cluster.errors import ClusterError, from_exception

        try:
            writes.delete_nad(cluster, self.nad_namespace, self.nad_name)
        except Exception as exc:
            err = exc if isinstance(exc, ClusterError) else from_exception(exc)
            self.post_message(self.Done(err.message))
            return
        self.post_message(self.Done(None))

    @on(Done)
    def _done(self, msg: Done) -> None:
        key = f"{self.nad_namespace}/{self.nad_name}"
        if msg.error:
            self.query_one("#delete-error", Static).update(Text(msg.error, style="red"))
            self.query_one("#delete-yes", Button).disabled = False
            self.app.notify(msg.error, title=f"Delete of {key} failed", severity="error", markup=False)
            return
        self.app.notify(f"{key} deleted", title="Deleted", markup=False)
        self.dismiss(True)

    @on(Button.Pressed, "#delete-no")
    def action_cancel(self) -> None:
        self.dismiss(False)
