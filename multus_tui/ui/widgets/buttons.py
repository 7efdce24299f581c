"""Button helpers."""

from __future__ import annotations

from textual.widgets import Button


def relabel(button: Button, label: str) -> None:
    """Give a mounted button a new label and the width it needs.

    Textual's `Button.label` reactive repaints but does not lay out again, so a button whose label
    grows after it was first laid out keeps its old width and the new label wraps out of sight
    (seen in a real terminal: "Take over & apply" showed as "Take over &")."""
    button.label = label
    button.refresh(layout=True)
