"""IP networks parsed once per text.

A whole-cluster diagnosis reads each NAD's ranges in several rules (validation, overlaps, pools):
15,000 NADs asked ipaddress to parse the same few strings 75,000 times. Networks are immutable, so
one parse per distinct text serves every caller; what does not parse raises each time, as before.
"""

from __future__ import annotations

import functools
import ipaddress


@functools.lru_cache(maxsize=65_536)
def network(text: str, strict: bool = False) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """ipaddress.ip_network(text, strict), remembered (raises ValueError like it)."""
    return ipaddress.ip_network(text, strict=strict)
