"""Shared test plumbing.

`need(condition, reason)` skips a test whose environment is missing (not root, no kubectl, no
CNI plugins) with the reason printed, except in CI (MULTUS_TUI_CI_STRICT=1), where the same
missing piece is a failure: `.ci/run` installs everything, so a skip there would hide a gap.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

FIXTURES = Path(__file__).parent / "fixtures"
STRICT = os.environ.get("MULTUS_TUI_CI_STRICT") == "1"

# Property tests judge what the code does, never how fast a loaded machine generates or runs an
# example: no per-example deadline and no "too slow" health check, for every @given in the suite
# (a test's own @settings still sets its example count).
settings.register_profile("multus-tui", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("multus-tui")


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own $XDG_STATE_HOME. The app keeps builder drafts (and debug.log) there,
    and `multus-tui`'s context turns drafts on: a draft left behind by one test (or by the person
    running the suite) would otherwise be offered back in another test's builder, and parallel
    workers would share the files."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if STRICT:
        pytest.fail(f"CI requires this test to run, but: {reason}")
    pytest.skip(reason)


# -- parallel runs (pytest-xdist): the reliability suite's tally of injected faults and hostile
# inputs lives in each worker; workers hand it over and the controller prints the sum.
def _reliability_conftest(load: bool = False):  # noqa: ANN202
    """The reliability conftest module as pytest loaded it (its import name depends on the
    rootdir layout), or, on the xdist controller that never collects it, imported here."""
    import importlib
    import sys

    for mod in list(sys.modules.values()):
        if (getattr(mod, "__file__", None) or "").endswith(str(Path("reliability", "conftest.py"))):
            return mod
    return importlib.import_module("tests.reliability.conftest") if load else None


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    mod = _reliability_conftest()
    if workeroutput is not None and mod is not None:
        workeroutput["reliability_tally"] = mod.tally_state()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # noqa: ANN001 - xdist hook
    state = getattr(node, "workeroutput", {}).get("reliability_tally")
    if state:
        _reliability_conftest(load=True).merge_tally(state)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # noqa: ANN001
    if getattr(config, "workerinput", None) is None and config.getoption("numprocesses", None):
        mod = _reliability_conftest()
        if mod is not None:
            mod.write_summary(terminalreporter)


# -- Pilot runs the app as a user sees it. Textual's `run_test` turns notifications (and tooltips) off
# by default, so a toast that cannot render never renders in a test: a `rich.text.Text` handed to
# `App.notify` passed every Pilot test and ended the real app on every pod the attach flow created.
# Every Pilot test here renders toasts and tooltips like the terminal does.
@pytest.fixture(autouse=True)
def _pilot_renders_toasts(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        from textual.app import App
    except ImportError:  # the domain tests run without textual too
        return
    original = App.run_test

    def run_test(self, *args, notifications: bool = True, tooltips: bool = True, **kwargs):  # noqa: ANN001, ANN202
        return original(self, *args, notifications=notifications, tooltips=tooltips, **kwargs)

    monkeypatch.setattr(App, "run_test", run_test)


@pytest.fixture
def probe():  # noqa: ANN201
    """`probe(name, fixed=True)`: count an adversarial probe in the reliability tally (see
    tests/reliability/conftest.py); call `.survived()` on the result once it was handled. Usable
    from any test directory (the tally lives in the reliability conftest)."""
    return _reliability_conftest(load=True).TALLY.probe
