"""Our own exception types.

Every parser of the domain raises one of these (never ValueError/KeyError/TypeError) so callers
(CLI commands, the UI, the sandbox) can turn bad input into a one-line message instead of a
traceback; the property tests in tests/unit/test_parsers_property.py hold the parsers to that.
"""

from __future__ import annotations


class MultusTuiError(Exception):
    """Base of every error the domain raises on bad input."""


class AnnotationError(MultusTuiError):
    """A pod annotation (`networks`, `network-status`) cannot be parsed."""


class ConfigError(MultusTuiError):
    """A CNI config (NAD `spec.config`, an IPAM block) is unusable."""


class ManifestError(MultusTuiError):
    """A Kubernetes manifest is not what it should be (e.g. not a NAD at all)."""
