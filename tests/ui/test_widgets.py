"""Shared widget helpers, on the real Textual widgets."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Button

from multus_tui.ui.widgets.buttons import relabel


class _OneButton(App[None]):
    def compose(self) -> ComposeResult:
        yield Button("Apply", id="b")


@pytest.mark.parametrize("helper", [True, False])
async def test_a_relabelled_button_takes_the_width_of_its_new_label(helper: bool) -> None:
    """The review's "Apply" becomes "Take over & apply" after the dry run: laid out once with the old
    label, the button must grow (Textual's label reactive alone repaints in the old width)."""
    app = _OneButton()
    async with app.run_test(size=(80, 10)) as pilot:
        button = app.query_one("#b", Button)
        await pilot.pause()
        assert button.content_size.width < len("Take over & apply")
        if helper:
            relabel(button, "Take over & apply")
        else:
            button.label = "Take over & apply"
        await pilot.pause()
        await pilot.pause()
        fits = button.content_size.width >= len("Take over & apply")
        # without the helper Textual keeps the old width: if it ever lays out on its own, the helper
        # can go (this case then fails and says so)
        assert fits is helper, f"width {button.content_size.width} with helper={helper}"
