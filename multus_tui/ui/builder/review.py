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

from multus_tui.ui.screens.dialogs import ConfirmScreen, on_answer
from multus_tui.ui.text import sanitize
from multus_tui.ui.widgets.buttons import relabel

if TYPE_CHECKING:
    from multus_tui.cluster.client import Cluster
    from multus_tui.cluster.writes import NADReview
    from multus_tui.ui.context import AppContext


@dataclass
class ReviewOutcome:
    """How the review ended: `applied` is the server's object, `error` the server's message, `reload`
    the object as it is on the server now (the edit was based on an older version)."""

    applied: dict[str, Any] | None = None
    error: str | None = None
    reload: dict[str, Any] | None = None


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
    sent_spec = sent.get("spec")
    got_spec = answer.get("spec")
    if not isinstance(sent_spec, dict):
        return []
    if not isinstance(got_spec, dict):
        got_spec = {}
    return [f"spec.{k}" for k in sent_spec if k not in got_spec]


def _error_message(exc: BaseException) -> str:
    from multus_tui.cluster.errors import ClusterError, from_exception

    err = exc if isinstance(exc, ClusterError) else from_exception(exc)
    lines = [err.message, *err.causes]
    return "\n".join(dict.fromkeys(line for line in lines if line))


class ReviewScreen(Screen[ReviewOutcome]):
    """Shows what would change and what the server says, then applies on request.

    Three verdicts besides a refusal: ready (apply), takeover (fields other managers own would be
    taken over: apply only after a confirmation that names them) and stale (the NAD changed on the
    server since the edit started: nothing is applied; reload the server's version instead).
    """

    BINDINGS = [
        Binding("escape", "back", "Back to the form", id="builder.review.back", tooltip="Return to the form unchanged"),
        Binding("ctrl+s", "apply", "Apply", id="builder.review.apply", tooltip="Server-side apply this NAD"),
        Binding("ctrl+r", "reload", "Reload", id="builder.review.reload",
                tooltip="Load the server's current version into the form (the NAD changed since you opened it)"),
    ]

    class Prepared(Message):
        def __init__(self, review: NADReview | None, error: str | None, diff: str = "") -> None:
            super().__init__()
            self.review = review
            self.error = error
            self.diff = diff

    class Applied(Message):
        def __init__(self, result: dict[str, Any] | None, error: str | None, stale: bool = False) -> None:
            super().__init__()
            self.result = result
            self.error = error
            self.stale = stale

    def __init__(self, ctx: AppContext, manifest: dict[str, Any], base: dict[str, Any] | None = None) -> None:
        super().__init__(id="builder-review")
        self.ctx = ctx
        self.manifest = copy.deepcopy(manifest)
        self.base = base
        self._ready = False
        self._refused: str | None = None
        self.review: NADReview | None = None  # once prepared
        meta = manifest.get("metadata") or {}
        self._key = f"{meta.get('namespace') or ctx.namespace}/{meta.get('name', '')}"

    @property
    def cluster(self) -> Cluster:
        assert self.ctx.cluster is not None, "the review screen needs a cluster"
        return self.ctx.cluster

    def compose(self) -> ComposeResult:
        with Vertical(id="review-body"):
            yield Label(Text(f"Review {self._key}", style="bold"), id="review-title")
            yield Label("Changes against the live object", classes="review-heading")
            with VerticalScroll(id="review-diff-scroll"):
                yield Static(Text("computing the diff…"), id="review-diff")
            yield Label("Server dry run", classes="review-heading", id="review-verdict-heading")
            yield Static(Text("asking the server…"), id="review-dryrun")
            with Horizontal(id="review-buttons"):
                yield Button("Apply", variant="primary", id="review-apply", disabled=True)
                yield Button("Reload from the server", variant="warning", id="review-reload")
                yield Button("Back to the form", id="review-back")
        yield Footer()

    def on_mount(self) -> None:
        if self.ctx.readonly:
            self.query_one("#review-apply", Button).display = False
        self.query_one("#review-reload", Button).display = False
        self.query_one("#review-back", Button).focus()
        self._prepare()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return not self.ctx.readonly
        if action == "reload":
            return bool(self.review is not None and self.review.stale)
        return True

    @work(thread=True, exclusive=True, group="builder-review", exit_on_error=False,
          description="diff and dry-run the NAD")
    def _prepare(self) -> None:
        from multus_tui.cluster import writes

        try:
            review = writes.review_nad(self.cluster, self.manifest, base=self.base)
        except Exception as exc:  # the refusal is shown, never a traceback
            message = _error_message(exc)
            diff = ""
            try:  # still show what would change, against the live object
                meta = self.manifest.get("metadata") or {}
                ns = meta.get("namespace") or self.ctx.namespace
                live = self.cluster.get_or_none("nad", ns, meta.get("name", ""))
                diff = writes.diff_nad(live, self.manifest)
            except Exception:  # noqa: BLE001 - the first error is the one to show
                pass
            self.post_message(self.Prepared(None, message, diff))
            return
        self.post_message(self.Prepared(review, None, review.diff))

    @on(Prepared)
    def _on_prepared(self, msg: Prepared) -> None:
        review = msg.review
        self.review = review
        diff = self.query_one("#review-diff", Static)
        if msg.diff:
            diff.update(diff_text(msg.diff))
        elif review is not None:
            diff.update(Text("no changes: the live object already matches"))
        else:
            diff.update(Text(""))
        dry = self.query_one("#review-dryrun", Static)
        if msg.error:
            self._refused = msg.error
            dry.update(Text("The server refused it:\n" + msg.error, style="red"))
            dry.add_class("-refused")
            return
        assert review is not None, "Prepared carries a review or an error"
        if review.stale:
            self._show_stale(review)
            return
        text = Text("Accepted by the server (dry run, nothing was written).", style="green")
        pruned = pruned_spec_keys(self.manifest, review.result or {})
        if pruned:
            text.append("\nThe server drops keys its schema does not know: " + ", ".join(pruned), style="yellow")
        button = self.query_one("#review-apply", Button)
        if review.takeover:
            managers = sorted({o.manager for o in review.takeover})
            text = Text("Other field managers own fields this apply changes:\n", style="yellow")
            for owner in review.takeover:
                text.append("  " + sanitize(owner.describe()) + "\n")
            text.append(f"Applying takes them over: multus-tui becomes their manager. If {', '.join(managers)} "
                        "writes them again (kubectl apply of an old file, a GitOps controller), your change may "
                        "be reverted.\nThe server accepts the result (dry run with the takeover, nothing was "
                        "written).", style="yellow")
            relabel(button, "Take over & apply")
            button.variant = "warning"
        dry.update(text)
        self._ready = True
        button.disabled = False
        if not review.takeover:
            button.focus()  # a takeover is never one Enter away: it asks first

    def _show_stale(self, review: NADReview) -> None:
        from multus_tui.cluster import writes

        dry = self.query_one("#review-dryrun", Static)
        heading = self.query_one("#review-verdict-heading", Label)
        if review.live is None:
            heading.update("Deleted on the server")
            text = Text(f"{self._key} was deleted since you opened it: nothing was applied. Go back to the form "
                        "to keep your version (export or copy it), or apply it as a new NAD from a new builder.",
                        style="red")
        else:
            heading.update("Changed on the server since you opened it")
            who = writes.last_writer(review.live)
            text = Text(f"{self._key} changed on the server since you opened it (version {review.base_rv} → "
                        f"{review.live_rv}{', last written by ' + sanitize(who) if who else ''}): applying now would "
                        "overwrite that change, so nothing was applied.\n", style="red")
            text.append("What changed on the server:\n", style="bold")
            text.append_text(diff_text(review.server_diff) if review.server_diff
                             else Text("(nothing in the manifest: only server bookkeeping)\n"))
            text.append("Reload (ctrl+r) puts the server's version in the form; your edits are kept as a draft.",
                        style="dim")
            reload_btn = self.query_one("#review-reload", Button)
            reload_btn.display = True
            reload_btn.focus()
        dry.update(text)
        self.query_one("#review-apply", Button).display = False

    @on(Button.Pressed, "#review-apply")
    def action_apply(self) -> None:
        if not self._ready or self.ctx.readonly or self.review is None:
            return
        if self.review.takeover:
            managers = sorted({o.manager for o in self.review.takeover})
            fields = ", ".join(sorted({o.field for o in self.review.takeover}))
            self.app.push_screen(ConfirmScreen(
                f"Take over {fields} from {', '.join(managers)}?",
                "\n".join(o.describe() for o in self.review.takeover)
                + "\n\nmultus-tui becomes the manager of these fields (server-side apply with force).",
                confirm="Take over & apply", variant="warning", ids="review-takeover"),
                on_answer(lambda _: self._start_apply(force=True)))
            return
        self._start_apply(force=False)

    def _start_apply(self, force: bool) -> None:
        self._ready = False
        self.query_one("#review-apply", Button).disabled = True
        self.query_one("#review-dryrun", Static).update(Text("Applying…"))
        self._apply(force)

    @work(thread=True, exclusive=True, group="builder-review", exit_on_error=False, description="apply the NAD")
    def _apply(self, force: bool) -> None:
        from multus_tui.cluster import writes
        from multus_tui.cluster.errors import ClusterError

        base_rv = self.review.base_rv if self.review is not None else None
        try:
            result = writes.apply_nad(self.cluster, self.manifest, dry_run=False, force=force,
                                      resource_version=base_rv)
        except Exception as exc:
            stale = isinstance(exc, ClusterError) and exc.is_stale
            self.post_message(self.Applied(None, _error_message(exc), stale=stale))
            return
        self.post_message(self.Applied(result, None))

    @on(Applied)
    def _on_applied(self, msg: Applied) -> None:
        if msg.stale:  # changed between the review and the apply: review again, nothing was written
            self.query_one("#review-dryrun", Static).update(Text("asking the server again…"))
            self._prepare()
            return
        if msg.error is not None:
            self.app.notify(msg.error, title=f"Apply of {self._key} failed", severity="error", markup=False)
            self.dismiss(ReviewOutcome(error=msg.error))
            return
        self.app.notify(f"{self._key} applied", title="Applied", markup=False)
        self.dismiss(ReviewOutcome(applied=msg.result or self.manifest))

    @on(Button.Pressed, "#review-reload")
    def action_reload(self) -> None:
        if self.review is not None and self.review.stale and self.review.live is not None:
            self.dismiss(ReviewOutcome(reload=self.review.live))

    @on(Button.Pressed, "#review-back")
    def action_back(self) -> None:
        # A dry-run refusal goes back with the server's words, so the form can show them.
        self.dismiss(ReviewOutcome(error=self._refused))
