"""The layers of design.md, proven at run time in a fresh interpreter (as harlequin does)."""

import subprocess
import sys

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
