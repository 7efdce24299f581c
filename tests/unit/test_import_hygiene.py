"""The layers of design.md, proven twice: statically by import-linter's contracts in pyproject.toml
(every import statement, those inside functions too), and at run time in a fresh interpreter (what a
command really loads)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _modules_after_import(module: str) -> set[str]:
    code = (
        "import importlib, sys, pkgutil\n"
        f"pkg = importlib.import_module({module!r})\n"
        "for m in pkgutil.walk_packages(getattr(pkg, '__path__', []), pkg.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def _top(mods: set[str]) -> set[str]:
    return {m.split(".")[0] for m in mods}


def test_domain_imports_neither_textual_nor_kubernetes():
    tops = _top(_modules_after_import("multus_tui.multus"))
    assert "textual" not in tops
    assert "kubernetes" not in tops


@pytest.mark.parametrize("layer", ["multus_tui.cluster", "multus_tui.sandbox"])
def test_cluster_and_sandbox_do_not_import_textual(layer):
    assert "textual" not in _top(_modules_after_import(layer))


def test_sandbox_does_not_import_the_cluster_layer():
    mods = _modules_after_import("multus_tui.sandbox")
    assert not any(m == "multus_tui.cluster" or m.startswith("multus_tui.cluster.") for m in mods)
    assert "kubernetes" not in _top(mods)


def test_lint_command_stays_light():
    """`multus-tui lint` in a pipeline should not pay for the TUI or the API client."""
    tops = _top(_modules_after_import("multus_tui.commands.lint"))
    assert "textual" not in tops and "kubernetes" not in tops


def test_the_static_import_contracts_hold():
    """`lint-imports` reads [tool.importlinter] in pyproject.toml; it exits 1 naming each broken
    contract and the import chain that breaks it."""
    root = Path(__file__).resolve().parents[2]
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    out = subprocess.run([exe, "--no-cache"], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout, out.stdout[-4000:]
