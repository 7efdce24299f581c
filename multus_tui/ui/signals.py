"""The terminal comes back on every catchable signal, as vim and htop do.

Python's default for SIGTERM, SIGHUP and the other terminating signals is to die on the spot, which
left the terminal in the alternate screen with a hidden cursor and mouse reporting on (the user had
to type `reset`). While the TUI runs, `terminal_restored_on_signals(app)` turns each of them into a
clean exit: the app is asked to exit (Textual's driver then restores the terminal as on `q`), and
the process ends with the conventional status 128 + the signal's number. If the app cannot exit
within a few seconds (a blocked event loop, a terminal that is gone), a watchdog restores the
terminal itself, from the state saved before the app started, and ends the process.

SIGTSTP/SIGCONT stay Textual's (suspend and resume); SIGKILL and SIGSTOP cannot be caught; faults
(SIGSEGV, SIGBUS, ...) are left to faulthandler.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import FrameType

    from textual.app import App

# every signal whose default action ends the process and that Python can catch
_NAMES = ("SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM", "SIGPROF",
          "SIGXCPU", "SIGXFSZ", "SIGPWR", "SIGIO", "SIGSYS", "SIGTRAP", "SIGABRT")
SIGNALS = tuple(getattr(signal, n) for n in _NAMES if hasattr(signal, n))

# what Textual's driver turns on, turned off: kitty keys, mouse (all modes), focus events, bracketed
# paste, line wrap back on, alternate screen off, cursor shown
RESTORE = ("\x1b[<u\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1016l\x1b[?1004l"
           "\x1b[?2004l\x1b[?2048l\x1b[?7h\x1b[?1049l\x1b[?25h")
GRACE_S = 3.0


def restore_terminal(attrs: list[Any] | None) -> None:
    """Put the terminal back as it was before the app started (best effort: it may be gone)."""
    try:
        import termios

        if attrs is not None and sys.__stdin__ is not None:
            termios.tcsetattr(sys.__stdin__.fileno(), termios.TCSANOW, attrs)
    except Exception:  # noqa: BLE001 - nothing more can be done for a terminal that is gone
        pass
    try:
        if sys.__stderr__ is not None:
            os.write(sys.__stderr__.fileno(), RESTORE.encode())
    except Exception:  # noqa: BLE001
        pass


@contextlib.contextmanager
def terminal_restored_on_signals(app: App[Any]) -> Iterator[dict[str, int]]:
    """Around `app.run()`: yields {"signal": n} once a signal ended the app (exit with 128 + n)."""
    got: dict[str, int] = {}
    attrs: list[Any] | None = None
    try:
        import termios

        if sys.__stdin__ is not None and sys.__stdin__.isatty():
            attrs = termios.tcgetattr(sys.__stdin__.fileno())
    except Exception:  # noqa: BLE001 - not a terminal: nothing to restore
        attrs = None

    def force(signum: int) -> None:
        restore_terminal(attrs)
        os._exit(128 + signum)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if "signal" in got:  # a second one while exiting: do not wait any longer
            force(signum)
        got["signal"] = signum
        timer = threading.Timer(GRACE_S, force, (signum,))
        timer.daemon = True
        timer.start()
        loop = getattr(app, "_loop", None)
        try:
            if loop is not None and loop.is_running():
                loop.call_soon_threadsafe(lambda: app.exit(return_code=128 + signum))
            else:
                app.exit(return_code=128 + signum)
        except Exception:  # noqa: BLE001 - the app is not in a state to exit: the watchdog will
            pass

    previous: dict[int, Any] = {}
    for sig in SIGNALS:
        try:
            previous[sig] = signal.signal(sig, on_signal)
        except (OSError, ValueError, RuntimeError):  # not the main thread, or not catchable here
            pass
    try:
        yield got
    finally:
        for sig, handler in previous.items():
            try:
                signal.signal(sig, handler)
            except (OSError, ValueError, TypeError):
                pass
