"""The NAD builder: a form driven by the domain's field specs, live YAML preview, findings,
review (diff + server dry run) and apply, raw YAML mode, export, and delete confirmation."""

from multus_tui.ui.builder.delete import DeleteNadScreen, pods_using
from multus_tui.ui.builder.paths import field_id
from multus_tui.ui.builder.review import ReviewOutcome, ReviewScreen
from multus_tui.ui.builder.screen import NadBuilderScreen

__all__ = ["DeleteNadScreen", "NadBuilderScreen", "ReviewOutcome", "ReviewScreen", "field_id", "pods_using"]
