"""Fixtures of the reliability suite: sandboxes behind a FaultProxy, and the tally of faults and
hostile inputs that the suite prints at the end (`faults injected: N, survived: N`).

A fault counts as *injected* when the proxy answered with it (proxy.injected) and as *survived* once
the test that injected it has shown that the client recovered and converged (`tally.survived(proxy)`);
a failing test therefore leaves injected > survived in the summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from multus_tui.sandbox.faults import FaultProxy
from multus_tui.sandbox.runner import Sandbox, SandboxSettings


class Tally:
    """Session-wide counters (module-level singleton: hooks and fixtures share it)."""

    def __init__(self) -> None:
        self.injected: Counter[str] = Counter()
        self.survived_: Counter[str] = Counter()
        self.hostile: Counter[str] = Counter()
        # adversarial probes (issue 14): tried, survived (the test passed), and how many of the
        # survivors were fixed by that round (they failed on the code before it)
        self.probes: Counter[str] = Counter()

    def add_injected(self, proxy: FaultProxy) -> None:
        self.injected.update(proxy.injected)

    def survived(self, proxy: FaultProxy) -> None:
        """Call after the recovery/convergence assertions: every fault this proxy injected was survived."""
        self.survived_.update(proxy.injected)
        proxy.survived_recorded = True  # type: ignore[attr-defined]

    def probe(self, name: str, *, fixed: bool) -> Probe:
        """An adversarial probe starts: counted as tried now; call `.survived()` once the test has
        shown it was handled. `fixed`: the probe failed on the code before the fix it guards."""
        self.probes["tried"] += 1
        return Probe(self, name, fixed)

    def checked(self, kind: str, n: int = 1) -> None:
        """`n` hostile inputs of `kind` were shown/handled safely."""
        self.hostile[kind] += n


class Probe:
    def __init__(self, tally: Tally, name: str, fixed: bool) -> None:
        self.tally, self.name, self.fixed, self.done = tally, name, fixed, False

    def survived(self) -> None:
        if self.done:
            return
        self.done = True
        self.tally.probes["survived"] += 1
        if self.fixed:
            self.tally.probes["fixed"] += 1


TALLY = Tally()


def tally_state() -> dict[str, dict[str, int]]:
    return {"injected": dict(TALLY.injected), "survived": dict(TALLY.survived_), "hostile": dict(TALLY.hostile),
            "probes": dict(TALLY.probes)}


def merge_tally(state: dict[str, dict[str, int]]) -> None:
    TALLY.injected.update(state.get("injected", {}))
    TALLY.survived_.update(state.get("survived", {}))
    TALLY.hostile.update(state.get("hostile", {}))
    TALLY.probes.update(state.get("probes", {}))


@pytest.fixture(scope="session")
def tally() -> Tally:
    return TALLY


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[Callable[..., tuple[Sandbox, FaultProxy, str]]]:
    """`make(scenario="seed", **settings) -> (sandbox, proxy, kubeconfig-through-the-proxy)`."""
    started: list[tuple[Sandbox, FaultProxy]] = []

    def make(scenario: str = "seed", **settings: Any) -> tuple[Sandbox, FaultProxy, str]:
        sb = Sandbox(scenario, settings=SandboxSettings(**settings))
        sb.start()
        proxy = FaultProxy.for_sandbox(sb).start()
        started.append((sb, proxy))
        sb.write_kubeconfig(tmp_path / f"direct-{len(started)}.yaml")
        path = proxy.write_kubeconfig(sb, tmp_path / f"proxied-{len(started)}.yaml")
        return sb, proxy, str(path)

    yield make
    for sb, proxy in reversed(started):
        TALLY.add_injected(proxy)
        proxy.stop()
        sb.stop()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if getattr(config, "workerinput", None) is None and config.getoption("numprocesses", None):
        return  # the xdist controller: tests/conftest.py prints the merged tally
    write_summary(terminalreporter)


def write_summary(terminalreporter: Any) -> None:
    """The tally, printed once: by this conftest in a plain run, by tests/conftest.py on the
    controller of a parallel (xdist) run, after it merged every worker's tally into TALLY."""
    t = TALLY
    if not t.injected and not t.hostile and not t.probes:
        return
    tr = terminalreporter
    tr.section("reliability")
    inj, sur = sum(t.injected.values()), sum(t.survived_.values())
    tr.write_line(f"faults injected: {inj}, survived: {sur}")
    for kind in sorted(t.injected):
        tr.write_line(f"  {kind}: injected {t.injected[kind]}, survived {t.survived_[kind]}")
    if t.hostile:
        tr.write_line(f"hostile inputs checked: {sum(t.hostile.values())}")
        for kind in sorted(t.hostile):
            tr.write_line(f"  {kind}: {t.hostile[kind]}")
    if t.probes:
        tr.write_line(f"adversarial probes tried: {t.probes['tried']}, survived: {t.probes['survived']}, "
                      f"fixed: {t.probes['fixed']}")
