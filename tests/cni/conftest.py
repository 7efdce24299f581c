"""Fixtures of the real-plugin tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cni.netns import Namespaces, make_netns


@pytest.fixture
def netns() -> Iterator[Namespaces]:
    """A node and a pod namespace, deleted afterwards (skips, or fails in strict CI, without root)."""
    yield from make_netns()
