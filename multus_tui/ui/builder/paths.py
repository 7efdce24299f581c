"""Widget ids for the builder's fields.

Findings (multus_tui.multus.validate) carry paths in the dialect of multus_tui.multus.paths, like
``plugins[0].ipam.addresses[0].address`` or ``metadata.name``. The form gives every field widget the
id derived from the same path, so a finding lands on the widget that edits the value it is about.
``plugins[i]`` is virtual for a single-plugin config: index 0 is the config object itself.
"""

from __future__ import annotations

import re


def field_id(path: str) -> str:
    """The widget id for the field editing `path` (ids allow only letters, digits, _ and -)."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "_", path)
