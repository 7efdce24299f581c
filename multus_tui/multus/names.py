"""Kubernetes object names: the one definition of the DNS-1123 patterns every layer checks against.

A namespace, a pod's interface name in the networks annotation and a NAD referenced in the short form
must be DNS-1123 labels (at most 63 characters); a NAD or pod name may be a DNS-1123 subdomain (at
most 253 characters, dots between labels). Multus' own parsers demand the label form for the short
annotation (multus-reference.md 2.2). The sandbox keeps an independent copy on purpose: it plays the
API server, and a shared bug would hide from the tests that use it.
"""

from __future__ import annotations

import re

LABEL_MAX = 63
SUBDOMAIN_MAX = 253
LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def is_dns_label(value: str) -> bool:
    """A DNS-1123 label: lower-case alphanumerics and '-', alphanumeric at both ends, <= 63 characters."""
    return len(value) <= LABEL_MAX and LABEL_RE.match(value) is not None


def is_dns_subdomain(value: str) -> bool:
    """A DNS-1123 subdomain: labels joined by '.', <= 253 characters."""
    return len(value) <= SUBDOMAIN_MAX and SUBDOMAIN_RE.match(value) is not None
