"""Fixtures shared by the UI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.ui_harness import start_sandbox


@pytest.fixture
def seed(tmp_path: Path):
    """(sandbox, kubeconfig path) on the seed scenario, stopped at teardown."""
    sb, kc = start_sandbox(tmp_path, "seed")
    yield sb, kc
    sb.stop()
