"""The doctor findings of one NAD or pod on its detail screen, kept current from the app's shared
diagnosis (`MultusApp.doctor`, a `DoctorCache`): never a diagnosis of its own, never on the event loop."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events
from textual.widget import Widget
from textual.widgets import Static

from multus_tui.multus.diagnose import DoctorFinding, findings_for
from multus_tui.ui.text import sanitize

PANEL_ID = "doctor-findings"


def doctor_panel(kind: str, namespace: str, name: str) -> Widget:
    """A CachedFindingsPanel with id "doctor-findings", or a line saying why there is none (the
    detail screens must open even if the doctor view cannot be imported)."""
    try:
        from multus_tui.ui.doctor import FindingsPanel
    except Exception as exc:
        return Static(Text(f"doctor: not available ({sanitize(exc)})", style="dim"), id=PANEL_ID)

    class CachedFindingsPanel(FindingsPanel):
        """FindingsPanel for one object ("nad" or "pod"): subscribes to `app.doctor` while mounted,
        says "running the checks…" until the first diagnosis, and filters each with `findings_for`."""

        ready = False  # True once a diagnosis was shown (tests wait on it)

        def on_mount(self, event: events.Mount) -> None:  # type: ignore[override]  # replaces the base's
            event.prevent_default()  # FindingsPanel's own on_mount would say "no findings" before any ran
            app: Any = self.app
            doctor = getattr(app, "doctor", None)
            if doctor is None or getattr(getattr(app, "ctx", None), "store", None) is None:
                self.update(Text("doctor: not connected to a cluster", style="dim"))
                return
            self.update(Text("doctor: running the checks…", style="dim"))
            doctor.subscribe(self, self._diagnosed)

        def on_unmount(self) -> None:
            doctor = getattr(self.app, "doctor", None)
            if doctor is not None:
                doctor.unsubscribe(self)

        def _diagnosed(self, findings: list[DoctorFinding], error: str | None) -> None:
            if error:
                self.update(Text(f"doctor: could not run the checks: {sanitize(error)}", style="red"))
            else:
                self.show(findings_for(findings, kind, namespace, name))
            self.ready = True

    return CachedFindingsPanel(id=PANEL_ID)
