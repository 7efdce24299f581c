"""The review screen: diff against the live object, the server's dry-run answer, then apply.

All cluster I/O runs in thread workers; their results come back as messages. The screen never
touches the builder's form: it dismisses with a `ReviewOutcome` and the builder decides what to
show (a failure keeps the form exactly as it was, with the server's message).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Label, Static

if TYPE_CHECKING:
    from multus_tui.ui.context import AppContext


@dataclass
class ReviewOutcome:
    """How the review ended: `applied` is the server's object, `error` the server's message."""

    applied: dict[str, Any] | None = None
    error: str | None = None


def diff_text(diff: str) -> Text:
    """Colour a unified diff line by line (plain Text: cluster strings are never markup)."""
    out = Text()
    for line in diff.splitlines():
        style = ""
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        out.append(line + "\n", style=style)
    return out


def pruned_spec_keys(sent: dict[str, Any], answer: dict[str, Any]) -> list[str]:
    """Keys of `spec` the server dropped (the NAD CRD prunes everything but `spec.config`)."""
    sent_spec = sent.get("spec") if isinstance(sent.get("spec"), dict) else {}
    got_spec = answer.get("spec") if isinstance(answer.get("spec"), dict) else {}
    return [f"spec.{k}" for k in sent_spec if k not in got_spec]


def _error_message(exc: BaseException) -> str:
    from multus_tui.cluster.errors import ClusterError, from_exception

    err = exc if isinstance(exc, ClusterError) else from_exception(exc)
    lines = [err.message, *err.causes]
    return "\n".join(dict.fromkeys(line for line in lines if line))


class ReviewScreen(Screen[ReviewOutcome]):
    """Shows what would change and what the server says, then applies on request."""

    BINDINGS = [
        Binding("escape", "back", "Back to the form", id="builder.review.back", tooltip="Return to the form unchanged"),
        Binding("ctrl+s", "apply", "Apply", id="builder.review.apply", tooltip="Server-side apply this NAD"),
    ]

    class Prepared(Message):
        def __init__(self, diff: str, dry_run: dict[str, Any] | None, error: str | None) -> None:
            super().__init__()
            self.diff = diff
            self.dry_run = dry_run
            self.error = error

    class Applied(Message):
        def __init__(self, result: dict[str, Any] | None, error: str | None) -> None:
            super().__init__()
            self.result = result
            self.error = error

    def __init__(self, ctx: AppContext, manifest: dict[str, Any]) -> None:
        super().__init__(id="builder-review")
        self.ctx = ctx
        self.manifest = copy.deepcopy(manifest)
        self._ready = False
        self._refused: str | None = None
        meta = manifest.get("metadata") or {}
        self._key = f"{meta.get('namespace') or ctx.namespace}/{meta.get('name', '')}"

    def compose(self) -> ComposeResult:
        with Vertical(id="review-body"):
            yield Label(Text(f"Review {self._key}", style="bold"), id="review-title")
            yield Label("Changes against the live object", classes="review-heading")
            with VerticalScroll(id="review-diff-scroll"):
                yield Static(Text("computing the diff…"), id="review-diff")
            yield Label("Server dry run", classes="review-heading")
            yield Static(Text("asking the server…"), id="review-dryrun")
            with Horizontal(id="review-buttons"):
                yield Button("Apply", variant="primary", id="review-apply", disabled=True)
                yield Button("Back to the form", id="review-back")
        yield Footer()

    def on_mount(self) -> None:
        if self.ctx.readonly:
            self.query_one("#review-apply", Button).display = False
        self._prepare()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return not self.ctx.readonly
        return True

    @work(thread=True, exclusive=True, group="builder-review", exit_on_error=False,
          description="diff and dry-run the NAD")
    def _prepare(self) -> None:
        from multus_tui.cluster import writes

        try:
            review = writes.review_nad(self.ctx.cluster, self.manifest)
        except Exception as exc:  # the refusal is shown, never a traceback
            message = _error_message(exc)
            diff = ""
            try:  # still show what would change, against the live object
                meta = self.manifest.get("metadata") or {}
                ns = meta.get("namespace") or self.ctx.namespace
                live = self.ctx.cluster.get_or_none("nad", ns, meta.get("name", ""))
                diff = writes.diff_nad(live, self.manifest)
            except Exception:  # noqa: BLE001 - the first error is the one to show
                pass
            self.post_message(self.Prepared(diff, None, message))
            return
        self.post_message(self.Prepared(review.diff, review.result, None))

    @on(Prepared)
    def _on_prepared(self, msg: Prepared) -> None:
        diff = self.query_one("#review-diff", Static)
        if msg.diff:
            diff.update(diff_text(msg.diff))
        elif msg.error is None or msg.dry_run is not None:
            diff.update(Text("no changes: the live object already matches"))
        else:
            diff.update(Text(""))
        dry = self.query_one("#review-dryrun", Static)
        if msg.error:
            self._refused = msg.error
            dry.update(Text("The server refused it:\n" + msg.error, style="red"))
            dry.add_class("-refused")
            return
        text = Text("Accepted by the server (dry run, nothing was written).", style="green")
        pruned = pruned_spec_keys(self.manifest, msg.dry_run or {})
        if pruned:
            text.append("\nThe server drops keys its schema does not know: " + ", ".join(pruned), style="yellow")
        dry.update(text)
        self._ready = True
        button = self.query_one("#review-apply", Button)
        button.disabled = False
        button.focus()

    @on(Button.Pressed, "#review-apply")
    def action_apply(self) -> None:
        if not self._ready or self.ctx.readonly:
            return
        self._ready = False
        self.query_one("#review-apply", Button).disabled = True
        self.query_one("#review-dryrun", Static).update(Text("Applying…"))
        self._apply()

    @work(thread=True, exclusive=True, group="builder-review", exit_on_error=False, description="apply the NAD")
    def _apply(self) -> None:
        from multus_tui.cluster import writes

        try:
            result = writes.apply_nad(self.ctx.cluster, self.manifest, dry_run=False)
        except Exception as exc:
            self.post_message(self.Applied(None, _error_message(exc)))
            return
        self.post_message(self.Applied(result, None))

    @on(Applied)
    def _on_applied(self, msg: Applied) -> None:
        if msg.error is not None:
            self.app.notify(msg.error, title=f"Apply of {self._key} failed", severity="error", markup=False)
            self.dismiss(ReviewOutcome(error=msg.error))
            return
        self.app.notify(f"{self._key} applied", title="Applied", markup=False)
        self.dismiss(ReviewOutcome(applied=msg.result or self.manifest))

    @on(Button.Pressed, "#review-back")
    def action_back(self) -> None:
        # A dry-run refusal goes back with the server's words, so the form can show them.
        self.dismiss(ReviewOutcome(error=self._refused))
