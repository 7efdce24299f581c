"""The `/` filter (k9s): an Input that appears on demand above a table."""

from __future__ import annotations

from textual.widgets import Input


class FilterBar(Input):
    DEFAULT_CSS = """
    FilterBar { display: none; height: 3; }
    FilterBar.-shown { display: block; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(placeholder="filter (substring, esc to clear)", **kwargs)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.can_focus = False  # hidden: tab must not land here

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    def open(self) -> None:
        self.add_class("-shown")
        self.can_focus = True
        # focus now, not via the message queue: keys typed right after `/` must land here
        self.screen.set_focus(self)

    def close(self) -> None:
        self.remove_class("-shown")
        self.can_focus = False
        self.value = ""


def matches(filter_text: str, *values: object) -> bool:
    """Case-insensitive substring match over a row's values (k9s's plain `/` filter)."""
    if not filter_text:
        return True
    needle = filter_text.lower()
    return any(needle in str(v).lower() for v in values)
