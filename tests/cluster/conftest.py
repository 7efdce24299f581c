"""Fixtures: a real sandbox API server per test (module) and a kubeconfig written by the sandbox itself.

Everything goes through the real kubernetes client over HTTP; `via_proxy` puts a FaultProxy in
between so a test can cut the connections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from .faults import FaultProxy


def _sandbox_cls():
    from multus_tui.sandbox.runner import Sandbox

    return Sandbox


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Callable[..., tuple]]:
    """`make(scenario="seed", **settings) -> (sandbox, kubeconfig_path)`; stopped at teardown."""
    started = []

    def make(scenario: str = "seed", **settings):
        Sandbox = _sandbox_cls()
        kwargs = {}
        if settings:
            from multus_tui.sandbox.runner import SandboxSettings

            kwargs["settings"] = SandboxSettings(**settings)
        sb = Sandbox(scenario, **kwargs)
        sb.start()
        started.append(sb)
        path = tmp_path / f"kubeconfig-{len(started)}"
        sb.write_kubeconfig(str(path))
        return sb, str(path)

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def seed(sandbox_factory):
    """(sandbox, kubeconfig path) on the seed scenario."""
    return sandbox_factory("seed")


@pytest.fixture
def empty(sandbox_factory):
    return sandbox_factory("empty")


def point_kubeconfig_at(path: str, url: str, out: Path) -> str:
    """A copy of the kubeconfig at `path` whose clusters all talk to `url`."""
    cfg = yaml.safe_load(Path(path).read_text())
    for c in cfg.get("clusters") or []:
        c["cluster"]["server"] = url
    out.write_text(yaml.safe_dump(cfg))
    return str(out)


@pytest.fixture
def http_proxy(tmp_path: Path) -> Iterator[Callable[[object], tuple[object, str]]]:
    """`make(sandbox) -> (proxy, kubeconfig)`: the sandbox's HTTP fault proxy (multus_tui.sandbox.faults),
    which also counts what reached the server (`proxy.served[(verb, resource)]`): a test proves
    "no relist" or "relisted" there, on the server side, not in the client's own counters."""
    from multus_tui.sandbox.faults import FaultProxy as HttpFaultProxy

    proxies: list[HttpFaultProxy] = []

    def make(sandbox) -> tuple[HttpFaultProxy, str]:
        p = HttpFaultProxy.for_sandbox(sandbox).start()
        proxies.append(p)
        return p, str(p.write_kubeconfig(sandbox, tmp_path / f"http-proxied-{len(proxies)}"))

    yield make
    for p in proxies:
        p.stop()


@pytest.fixture
def via_proxy(tmp_path: Path) -> Iterator[Callable[[object, str], tuple[FaultProxy, str]]]:
    proxies: list[FaultProxy] = []

    def make(sandbox, kubeconfig: str) -> tuple[FaultProxy, str]:
        from urllib.parse import urlparse

        u = urlparse(sandbox.url)
        p = FaultProxy(u.hostname or "127.0.0.1", u.port or 443, u.scheme)
        proxies.append(p)
        return p, point_kubeconfig_at(kubeconfig, p.url, tmp_path / f"proxied-{len(proxies)}")

    yield make
    for p in proxies:
        p.close()
