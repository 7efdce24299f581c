"""Widgets shared by the app shell's screens."""

from multus_tui.ui.widgets.filter_bar import FilterBar
from multus_tui.ui.widgets.header import ClusterHeader
from multus_tui.ui.widgets.live_table import LiveTable

__all__ = ["ClusterHeader", "FilterBar", "LiveTable"]
