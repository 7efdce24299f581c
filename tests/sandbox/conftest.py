"""Sandbox fixtures: a started sandbox cluster with a kubeconfig, and a kubectl runner.

- `sandbox`: a started Sandbox (scenario "empty" unless parametrised indirectly:
  `@pytest.mark.parametrize("sandbox", ["seed"], indirect=True)`, or with settings:
  `@pytest.mark.parametrize("sandbox", [{"scenario": "seed", "pod_start_delay_s": 60}], indirect=True)`),
  kubeconfig at `sandbox.kubeconfig_path`.
- `make_sandbox(scenario="empty", **settings)`: a factory for more, or with SandboxSettings fields.
- `kubectl(*args, context=None, input=None, timeout=90, check=True)`: runs the real kubectl against
  the `sandbox` fixture's kubeconfig; skips (or fails in CI) without kubectl.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from multus_tui.sandbox.runner import Sandbox, SandboxSettings
from tests.conftest import need

KUBECTL = shutil.which("kubectl")


@pytest.fixture
def make_sandbox(tmp_path: Path) -> Iterator[Callable[..., Sandbox]]:
    """Factory: make_sandbox(scenario="empty", **SandboxSettings fields) -> started Sandbox."""
    started: list[Sandbox] = []

    def make(scenario: str = "empty", **settings: Any) -> Sandbox:
        sb = Sandbox(scenario, settings=SandboxSettings(**settings))
        sb.start()
        started.append(sb)
        sb.write_kubeconfig(tmp_path / f"kubeconfig-{len(started)}.yaml")
        return sb

    yield make
    for sb in reversed(started):
        sb.stop()


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A started sandbox; the scenario comes from an indirect parameter, "empty" by default."""
    param = getattr(request, "param", "empty")
    if isinstance(param, dict):
        settings = dict(param)
        return make_sandbox(settings.pop("scenario", "empty"), **settings)
    return make_sandbox(param)


@pytest.fixture
def kubectl(sandbox: Sandbox) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real kubectl against `sandbox`; returns the CompletedProcess (text)."""
    need(KUBECTL is not None, "kubectl is not installed")

    def run(*args: str, context: str | None = None, input: str | None = None, timeout: float = 90,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(KUBECTL), "--kubeconfig", str(sandbox.kubeconfig_path)]
        if context:
            cmd += ["--context", context]
        cmd += list(args)
        proc = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout,
                              env={"HOME": str(Path(str(sandbox.kubeconfig_path)).parent), "PATH": "/usr/bin:/bin"})
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}{proc.stdout}")
        return proc

    return run


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[Any]:
    """The official client on the test module's `sandbox` (its kubeconfig, as a user loads it)."""
    from kubernetes import client, config

    cfg = client.Configuration()
    config.load_kube_config(config_file=str(sandbox.kubeconfig_path), client_configuration=cfg)
    with client.ApiClient(cfg) as api_client:
        yield api_client
