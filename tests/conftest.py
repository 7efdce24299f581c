"""Shared test plumbing.

`need(condition, reason)` skips a test whose environment is missing (not root, no kubectl, no
CNI plugins) with the reason printed, except in CI (MULTUS_TUI_CI_STRICT=1), where the same
missing piece is a failure: `.ci/run` installs everything, so a skip there would hide a gap.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
STRICT = os.environ.get("MULTUS_TUI_CI_STRICT") == "1"


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if STRICT:
        pytest.fail(f"CI requires this test to run, but: {reason}")
    pytest.skip(reason)
