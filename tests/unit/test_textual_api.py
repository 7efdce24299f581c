"""Every call the UI makes into Textual type-checks against the Textual a fresh install resolves.

A `rich.text.Text` handed to `App.notify` (which wants a str) passed every headless test and ended the
real app after every pod the attach flow created. mypy reads Textual's own annotations, so a wrong
argument, a missing attribute or a wrong override in `multus_tui/ui` fails here, before a user finds it.
Only the error classes that mean "this call does not match its API" are gated; the package's own loose
typing of cluster data (`Any` unions) is not this test's business.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
GATED = ("arg-type", "call-arg", "call-overload", "attr-defined", "override", "index", "valid-type",
         "return-value", "operator")


def test_ui_calls_match_the_installed_textual_api(tmp_path: Path):
    need(shutil.which("mypy") is not None or _has_mypy(), "mypy is not installed (pip install -e '.[test]')")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "multus_tui/ui", "--ignore-missing-imports", "--no-error-summary",
         "--hide-error-context", "--show-error-codes", "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    errors = [line for line in proc.stdout.splitlines()
              if line.startswith("multus_tui/ui") and re.search(r"\[(" + "|".join(GATED) + r")\]$", line)]
    assert not errors, "calls that do not match their API:\n" + "\n".join(errors)
    assert "error:" not in proc.stderr, proc.stderr  # mypy itself failed to run


def _has_mypy() -> bool:
    try:
        import mypy  # noqa: F401
    except ImportError:
        return False
    return True
