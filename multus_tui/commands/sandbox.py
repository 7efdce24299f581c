"""`multus-tui sandbox --kubeconfig PATH [--port N] [--scenario NAME]`: run the sandbox cluster.

Starts the embedded API server with the simulated Multus on 127.0.0.1, writes a kubeconfig
(contexts `sandbox` and `sandbox-readonly`), says how to use it, and serves until Ctrl-C or
SIGTERM, then stops cleanly with exit status 0.

Exit status: 0 after a clean stop, 1 when the sandbox cannot start or the kubeconfig cannot be
written (e.g. port in use), 2 for bad arguments (unknown scenario, port out of range).
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import time
from types import FrameType
from typing import Any


def _err(message: str) -> None:
    print(f"multus-tui sandbox: {message}", file=sys.stderr, flush=True)


def _root_cause(exc: BaseException) -> BaseException:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def run(args: argparse.Namespace) -> int:
    """Run the sandbox until interrupted; see the module docstring for exit statuses."""
    from multus_tui.sandbox.runner import Sandbox
    from multus_tui.sandbox.scenarios import check_scenario

    scenario = args.scenario or "seed"
    try:
        check_scenario(scenario)
    except ValueError as exc:
        _err(str(exc))
        return 2
    port = int(args.port or 0)
    if not 0 <= port <= 65535:
        _err(f"--port {port}: must be between 0 and 65535 (0 picks a free port)")
        return 2

    # Set by the signal handler. Not a threading.Event: the handler runs in the main thread between
    # two bytecodes, possibly inside Event.wait() holding the Event's lock, and Event.set() would then
    # wait for that lock forever (seen: Ctrl-C ignored, the process hung).
    signalled: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        signalled.append(signum)

    previous: dict[int, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            previous[sig] = signal.signal(sig, on_signal)
        except ValueError:  # not the main thread (embedded use): Ctrl-C still raises
            pass

    started = time.monotonic()
    sandbox = Sandbox(scenario, port=port)
    running = False
    try:
        try:
            sandbox.start()
            running = True
        except (RuntimeError, OSError) as exc:
            cause = _root_cause(exc)
            if isinstance(cause, OSError) and cause.errno == errno.EADDRINUSE:
                _err(f"cannot listen on 127.0.0.1:{port}: address already in use (try another --port, or 0)")
            else:
                _err(f"cannot start: {cause}")
            return 1
        except ValueError as exc:
            _err(str(exc))
            return 2
        try:
            sandbox.write_kubeconfig(args.kubeconfig)
        except OSError as exc:
            _err(f"cannot write the kubeconfig {args.kubeconfig}: {exc.strerror or exc}")
            return 1
        took = time.monotonic() - started
        path = args.kubeconfig
        print(
            f"sandbox cluster (scenario {scenario}) listening on {sandbox.url} (loaded in {took:.1f} s)\n"
            f"kubeconfig: {path} (contexts: sandbox, sandbox-readonly)\n"
            f"  kubectl --kubeconfig {path} get pods -A\n"
            f"  kubectl --kubeconfig {path} get net-attach-def -A\n"
            f"  multus-tui --kubeconfig {path}\n"
            f"Ctrl-C to stop.",
            flush=True,
        )
        try:
            while not signalled:
                time.sleep(0.2)  # a signal interrupts it; the loop then sees the flag
        except KeyboardInterrupt:
            pass
        return 0
    finally:
        # Runner.stop() after a failed start would wait on an event loop that never ran.
        if running:
            sandbox.stop()
        for sig, handler in previous.items():
            try:
                signal.signal(sig, handler)
            except (ValueError, TypeError):
                pass
