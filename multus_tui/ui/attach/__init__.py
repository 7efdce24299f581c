"""Attaching pods to networks: the attach builder, its dialogs, and following a pod as it attaches."""

from multus_tui.ui.attach.builder import AttachBuilderScreen
from multus_tui.ui.attach.follow import PodFollow, PodFollowScreen

__all__ = ["AttachBuilderScreen", "PodFollow", "PodFollowScreen"]
