"""`mypy multus_tui/ui` finds no error: the UI's calls into Textual, and the boundary between the store,
the domain and the screens, type-check.

A `rich.text.Text` handed to `App.notify` (which wants a str) passed every headless test and ended the
real app after every pod the attach flow created. mypy reads Textual's own annotations, so a wrong
argument, a missing attribute or a wrong override in `multus_tui/ui` fails here, before a user finds it.
The screens take the store as `LiveStore`, its pods, NADs and events as the views it returns and the
domain's objects by their types (not `Any`), so the same run also fails on a store that may be None
used without a check (`union-attr`), a view's attribute that does not exist, or an untyped import
(`import-untyped`: PyYAML's stubs come with the test extras). Every error code counts; a deliberate
exception is a `# type: ignore[code]` on its line, with the reason next to it. Errors mypy reports in
the modules the UI imports (cluster/, multus/) are not this test's business.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
UI_ERROR = re.compile(r"^multus_tui/ui/\S+:\d+: error: ")


def test_ui_type_checks(tmp_path: Path):
    need(shutil.which("mypy") is not None or _has_mypy(), "mypy is not installed (pip install -e '.[test]')")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "multus_tui/ui", "--no-error-summary", "--hide-error-context",
         "--show-error-codes", "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    errors = [line for line in proc.stdout.splitlines() if UI_ERROR.match(line)]
    assert not errors, "mypy multus_tui/ui:\n" + "\n".join(errors)
    assert proc.returncode in (0, 1) and "error:" not in proc.stderr, proc.stderr  # mypy itself failed to run


def _has_mypy() -> bool:
    try:
        import mypy  # noqa: F401
    except ImportError:
        return False
    return True
