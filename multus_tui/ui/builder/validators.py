"""Textual `Validator`s for single form values, backed by the domain's own parser.

`SpecValidator` asks `multus_tui.multus.specs.parse_value` (the one parser the form and lint
share), so the message under a field is the domain's. Whole-NAD rules (ranges inside subnets,
chaining, capabilities) come from `multus_tui.multus.validate` and are shown by the builder.
"""

from __future__ import annotations

from textual.validation import ValidationResult, Validator

from multus_tui.multus.errors import ConfigError
from multus_tui.multus.names import is_dns_label
from multus_tui.multus.specs import FieldSpec, parse_value


class SpecValidator(Validator):
    """Valid when the domain can turn the text into the field's JSON value."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__()
        self.spec = spec

    def validate(self, value: str) -> ValidationResult:
        try:
            parse_value(self.spec, value)
        except ConfigError as exc:
            return self.failure(str(exc))
        return self.success()


class DNSLabel(Validator):
    """NAD names and namespaces: DNS-1123 labels (Multus' short form accepts nothing else)."""

    def validate(self, value: str) -> ValidationResult:
        if value and not is_dns_label(value):
            return self.failure("lower case letters, digits and '-', starting and ending with a letter "
                                "or digit, at most 63 characters")
        return self.success()
