"""multus-tui: a terminal UI for Kubernetes secondary networking with Multus."""

__version__ = "0.1.0"
