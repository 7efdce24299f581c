"""Custom resources checked against their CRD's openAPIV3Schema, as kube-apiserver 1.32 does.

What kube-apiserver does with a custom resource body, and where this module mirrors it
(apiextensions-apiserver v0.32.0 and the kube-openapi it vendors, 32ad38e42d3f):

* pruning (`pkg/apiserver/schema/pruning/algorithm.go`): fields the schema does not declare are
  dropped, except under `x-kubernetes-preserve-unknown-fields` and the root's (and any
  `x-kubernetes-embedded-resource`'s) apiVersion/kind/metadata; the dropped paths are what
  `fieldValidation=Strict|Warn` reports as unknown fields: `prune`;
* nulls (`defaulting/prunenulls.go`): a null in a non-nullable field without a default is dropped:
  `prune_nulls`;
* defaulting (`defaulting/algorithm.go`): missing properties (and non-nullable nulls) with a
  `default` get a copy of it, on create/update and, after a CRD change, on read: `apply_defaults`;
* validation (`pkg/apiserver/validation/validation.go` over kube-openapi's
  `pkg/validation/validate`): types (with `nullable` and `x-kubernetes-int-or-string`), enum,
  minimum/maximum (exclusive too), multipleOf, minLength/maxLength, pattern, the formats kube
  checks (`validation/formats.go`), minItems/maxItems, min/maxProperties, required,
  additionalProperties, anyOf/allOf/oneOf/not; each error becomes a `field.Error` with kube's
  exact text (kube-openapi `errors/schema.go`, apimachinery `util/validation/field/errors.go`):
  `validate`; the status subresource's schema is checked on its own (`validate_status`);
* embedded resources (`objectmeta/validation.go`) and list types (`listtype/validation.go`).

Not done: CEL rules (`x-kubernetes-validations`) are not evaluated, and CRD schemas are not
checked for being structural (a real API server refuses some schemas this one accepts).
Go prints maps in key order while iterating them at random: several errors of one object come
back in a stable (sorted) order here, in kube's in any order.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

Cause = dict[str, str]
META_FIELDS = ("apiVersion", "kind", "metadata")
IN = "body"

# --- Go formatting of values in messages -----------------------------------------------------------


def go_quote(text: str) -> str:
    """Go's strconv.Quote (what %q prints)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\a\b\f\n\r\t\v":
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                        "\v": "\\v"}[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not ch.isprintable():
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_float(value: float) -> str:
    """Go's %v of a float64 (strconv 'g', shortest): the shortest digits that round-trip, in %e form
    when the exponent is below -4 or from 6 on (1e+06, 1.5e-05), else plain (123456, 0.5)."""
    from decimal import Decimal

    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value == 0:
        return "0"
    sign, digit_tuple, exp = Decimal(repr(float(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exp, int)
    point = len("".join(map(str, digit_tuple))) + exp  # digits before the decimal point
    x = point - 1
    neg = "-" if sign else ""
    if x < -4 or x >= 6:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{neg}{body}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{neg}{digits}{'0' * (point - len(digits))}"
    return f"{neg}{digits[:point]}.{digits[point:]}"


def go_v(value: Any) -> str:
    """%v of the simple types field.Error prints plainly (int64, float64, bool)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    return str(value)


def go_sharp_v(value: Any) -> str:
    """%#v of a JSON value (maps and slices as Go spells them)."""
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(_sharp_elem(v) for v in value) + "}"
    if isinstance(value, dict):
        return "map[string]interface {}{" + ", ".join(
            f"{go_quote(k)}:{_sharp_elem(v)}" for k, v in sorted(value.items())) + "}"
    return str(value)


def _sharp_elem(value: Any) -> str:
    # Inside an interface{} container Go prints the dynamic type of numbers: int64(1), 1.5.
    if isinstance(value, bool) or value is None or isinstance(value, (str, list, dict)):
        return go_sharp_v(value)
    if isinstance(value, int):
        return f"{value}"
    return go_sharp_v(value)


def error_body(kind: str, value: Any = "", detail: str = "") -> str:
    """field.Error.ErrorBody(): the cause message without its field."""
    label = {
        "FieldValueRequired": "Required value", "FieldValueForbidden": "Forbidden", "FieldValueTooLong": "Too long",
        "InternalError": "Internal error", "FieldValueInvalid": "Invalid value", "FieldValueTypeInvalid":
        "Invalid value", "FieldValueNotSupported": "Unsupported value", "FieldValueDuplicate": "Duplicate value",
        "FieldValueTooMany": "Too many", "FieldValueNotFound": "Not found",
    }[kind]
    if kind in ("FieldValueRequired", "FieldValueForbidden", "FieldValueTooLong", "InternalError") \
            or value is _OMIT:
        text = label
    elif value is None:
        text = f"{label}: null"
    elif isinstance(value, str):
        text = f"{label}: {go_quote(value)}"
    elif isinstance(value, (bool, int, float)):
        text = f"{label}: {go_v(value)}"
    else:
        text = f"{label}: {go_sharp_v(value)}"
    return f"{text}: {detail}" if detail else text


_OMIT = object()


def cause(kind: str, field: str, value: Any = "", detail: str = "") -> Cause:
    """A metav1.StatusCause as kube-apiserver builds it from a field.Error."""
    return {"type": kind, "message": error_body(kind, value, detail), "field": field}


# --- kube-openapi's validation errors ---------------------------------------------------------------


class _Err:
    """One kube-openapi errors.Validation (or plain error when code is None)."""

    __slots__ = ("code", "name", "value", "valid", "values", "message")

    def __init__(self, code: str | None, name: str, message: str, value: Any = "", valid: Any = None,
                 values: list[Any] | None = None) -> None:
        self.code, self.name, self.message = code, name, message
        self.value, self.valid, self.values = value, valid, values


def _msg(fmt_in: str, name: str, *args: Any) -> str:
    return fmt_in.format(name, IN, *args)


def _invalid_type(name: str, type_name: str, value: Any) -> _Err:
    if isinstance(value, str):
        message = f"{name} in {IN} must be of type {type_name}: {go_quote(value)}"
    else:
        message = f"{name} in {IN} must be of type {type_name}"
    return _Err("type", name, message, value)


def _to_causes(errs: list[_Err], prefix: str) -> list[Cause]:
    """kubeOpenAPIResultToFieldErrors."""
    out: list[Cause] = []
    for err in errs:
        if err.code is None:
            out.append(cause("FieldValueInvalid", prefix or "<nil>", "", err.message))
            continue
        rel = err.name.lstrip(".") if err.name and err.name != "." else ""
        field = f"{prefix}.{rel}" if prefix and rel else (rel or prefix or "<nil>")
        code = err.code
        if code == "required":
            out.append(cause("FieldValueRequired", field))
        elif code == "enum":
            values = [v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for v in err.values or []]
            detail = "supported values: " + ", ".join(go_quote(v) for v in values) if values else ""
            out.append(cause("FieldValueNotSupported", field, err.value, detail))
        elif code == "tooLong":
            out.append(cause("FieldValueTooLong", field, _OMIT,
                             f"may not be more than {err.valid} bytes"))
        elif code in ("maxItems", "maxProperties"):
            out.append(cause("FieldValueTooMany", field, err.value, f"must have at most {err.valid} items"))
        elif code == "type":
            out.append(cause("FieldValueTypeInvalid", field, "" if err.value is None else err.value, err.message))
        else:
            out.append(cause("FieldValueInvalid", field, "" if err.value is None else err.value, err.message))
    return out


# --- formats kube checks (apiextensions validation/formats.go; kube-openapi strfmt) -----------------

_DATE_TIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})?$")
# strfmt's hostname: RFC 1034 labels separated by dots, a last label of letters
_HOSTNAME_RE = re.compile(
    r"^([a-zA-Z0-9]((-?[a-zA-Z0-9]{0,62})?)|([a-zA-Z0-9](([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.)){1,}([a-zA-Z]){2,63})$")
_UUID = {
    "uuid": r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$",
    "uuid3": r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$",
    "uuid4": r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$",
    "uuid5": r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$",
}
_DURATION_RE = re.compile(r"^((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$|^(\d+)\s*(ns|us|ms|s|m|h|d|w|[a-z]+)$")


def _is_date_time(text: str) -> bool:
    if not _DATE_TIME_RE.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("z", "Z").replace("t", "T").replace(" ", "T"))
    except ValueError:
        return False
    return True


def _is_mac(text: str) -> bool:
    # net.ParseMAC: 6, 8 or 20 octets separated by ':' or '-', or dotted groups of 4 hex digits.
    if re.fullmatch(r"([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}|([0-9A-Fa-f]{2}[:-]){7}[0-9A-Fa-f]{2}|"
                    r"([0-9A-Fa-f]{2}[:-]){19}[0-9A-Fa-f]{2}", text):
        return len({c for c in text if c in ":-"}) == 1
    return bool(re.fullmatch(r"([0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}|([0-9A-Fa-f]{4}\.){3}[0-9A-Fa-f]{4}|"
                             r"([0-9A-Fa-f]{4}\.){9}[0-9A-Fa-f]{4}", text))


def _is_cidr(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return "/" in text


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        # net.ParseIP also takes IPv4-in-IPv6 forms; ipv4 format accepts any ParseIP-able string
        return False


def _is_byte(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except ValueError:
        return False
    return True


FORMATS: dict[str, Callable[[str], bool]] = {
    "datetime": _is_date_time,
    "date": lambda s: bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", s)) and _valid_date(s),
    "ipv4": lambda s: _is_ip(s, 4) or _is_ip(s, 6),
    "ipv6": lambda s: _is_ip(s, 6) or _is_ip(s, 4),
    "cidr": _is_cidr,
    "mac": _is_mac,
    "hostname": lambda s: bool(_HOSTNAME_RE.match(s)) and len(s) <= 255,
    "byte": _is_byte,
    "password": lambda s: True,
    "duration": lambda s: bool(_DURATION_RE.match(s)),
    "email": lambda s: bool(re.fullmatch(r"[^@\s]+@[^@\s]+", s)),
    "uri": lambda s: bool(re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|/)", s)),
    "bsonobjectid": lambda s: bool(re.fullmatch(r"[0-9a-fA-F]{24}", s)),
    "hexcolor": lambda s: bool(re.fullmatch(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", s)),
    "rgbcolor": lambda s: bool(re.fullmatch(r"rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)", s)),
    **{name: re.compile(rx).match for name, rx in _UUID.items()},  # type: ignore[misc]
}


def _valid_date(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return False
    return True


def _format_checker(fmt: str | None) -> Callable[[str], bool] | None:
    """kube strips the formats it does not support (StripUnsupportedFormatsPostProcess)."""
    if not fmt:
        return None
    return FORMATS.get(fmt.replace("-", ""))


# --- the schema walker ------------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _types(schema: dict) -> list[str]:
    if schema.get("x-kubernetes-int-or-string"):
        return ["integer", "string"]
    typ = schema.get("type")
    if isinstance(typ, list):
        return [str(t) for t in typ]
    return [typ] if isinstance(typ, str) and typ else []


def _enum_equal(data: Any, enum_value: Any) -> bool:
    if isinstance(data, bool) or isinstance(enum_value, bool):
        return isinstance(data, bool) and isinstance(enum_value, bool) and data == enum_value
    if isinstance(data, (int, float)) and isinstance(enum_value, (int, float)):
        return float(data) == float(enum_value)
    return type(data) is type(enum_value) and data == enum_value


def _child_name(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Validator:
    """kube-openapi's SchemaValidator over one value (validators in its order)."""

    def __init__(self) -> None:
        self.errors: list[_Err] = []

    def run(self, schema: dict, data: Any, path: str) -> list[_Err]:
        errs: list[_Err] = []
        types = _types(schema)
        fmt = schema.get("format") or ""
        if data is None:
            if types and "null" not in types and not schema.get("nullable"):
                errs.append(_invalid_type(path, ",".join(types), "null"))
            enum = schema.get("enum")
            if enum and not any(v is None for v in enum):
                errs.append(_Err("enum", path, f"{path} in {IN} should be one of {_go_list(enum)}", None,
                                 values=list(enum)))
            return errs
        kind = _json_type(data)
        # type
        if types or fmt:
            err = self._type(types, fmt, data, kind, path)
            if err is not None:
                errs.append(err)
        # anyOf/oneOf/allOf/not
        errs.extend(self._props(schema, data, path))
        if kind == "string":
            err = self._string(schema, data, path)
            if err is not None:
                errs.append(err)
            check = _format_checker(fmt)
            if check is not None and not check(data):
                errs.append(_invalid_type(path, fmt, data))
        if kind in ("integer", "number"):
            errs.extend(self._number(schema, data, path))
        if kind == "array":
            errs.extend(self._array(schema, data, path))
        enum = schema.get("enum")
        if enum:
            if not any(_enum_equal(data, v) for v in enum):
                errs.append(_Err("enum", path, f"{path} in {IN} should be one of {_go_list(enum)}", data,
                                 values=list(enum)))
        if kind == "object":
            errs.extend(self._object(schema, data, path))
        return errs

    @staticmethod
    def _type(types: list[str], fmt: str, data: Any, kind: str, path: str) -> _Err | None:
        is_float_int = kind == "number" and float(data).is_integer() and "integer" in types
        is_int_float = kind == "integer" and "number" in types
        if kind not in ("string", "array") and fmt and not (
                kind in types or is_float_int or is_int_float
                or (fmt == "int64" and kind == "integer") or (fmt in ("float64", "double") and kind == "number")):
            return _invalid_type(path, fmt, kind)
        if not ("number" in types or "integer" in types) and fmt and kind in ("string", "array"):
            return None
        if types and not (kind in types or is_float_int or is_int_float):
            return _invalid_type(path, ",".join(types), kind)
        return None

    def _props(self, schema: dict, data: Any, path: str) -> list[_Err]:
        errs: list[_Err] = []
        any_of = schema.get("anyOf")
        if any_of:
            best: list[_Err] | None = None
            ok = False
            for sub in any_of:
                res = self.run(sub, data, path)
                if not res:
                    ok = True
                    best = None
                    break
                if best is None or len(res) < len(best):
                    best = res
            if not ok:
                errs.append(_Err(None, path, f"{go_quote(path)} must validate at least one schema (anyOf)"))
                errs.extend(best or [])
        one_of = schema.get("oneOf")
        if one_of:
            results = [self.run(sub, data, path) for sub in one_of]
            valid = sum(1 for r in results if not r)
            if valid != 1:
                extra = "Found none valid" if valid == 0 else f"Found {valid} valid alternatives"
                errs.append(_Err(None, path, f"{go_quote(path)} must validate one and only one schema (oneOf). {extra}"))
                if valid == 0:
                    errs.extend(min(results, key=len))
        all_of = schema.get("allOf")
        if all_of:
            valid = 0
            for sub in all_of:
                res = self.run(sub, data, path)
                valid += not res
                errs.extend(res)
            if valid != len(all_of):
                extra = ". None validated" if valid == 0 else ""
                errs.append(_Err(None, path, f"{go_quote(path)} must validate all the schemas (allOf){extra}"))
        not_schema = schema.get("not")
        if isinstance(not_schema, dict) and not self.run(not_schema, data, path):
            errs.append(_Err(None, path, f"{go_quote(path)} must not validate the schema (not)"))
        return errs

    @staticmethod
    def _string(schema: dict, data: str, path: str) -> _Err | None:
        max_len, min_len, pattern = schema.get("maxLength"), schema.get("minLength"), schema.get("pattern")
        if isinstance(max_len, int) and len(data) > max_len:
            return _Err("tooLong", path, f"{path} in {IN} should be at most {max_len} chars long", data, max_len)
        if isinstance(min_len, int) and len(data) < min_len:
            return _Err("tooShort", path, f"{path} in {IN} should be at least {min_len} chars long", data, min_len)
        if isinstance(pattern, str) and pattern:
            try:
                rx = _regex(pattern)
            except re.error as exc:
                return _Err("pattern", path, f"{path} in {IN} should match '{pattern}, but pattern is invalid: "
                                             f"{exc}'", data)
            if not rx.search(data):
                return _Err("pattern", path, f"{path} in {IN} should match '{pattern}'", data)
        return None

    @staticmethod
    def _number(schema: dict, data: int | float, path: str) -> list[_Err]:
        errs: list[_Err] = []
        is_int = isinstance(data, int)

        def bound(value: float) -> str:
            # MaximumInt/MinimumInt print the bound as int64 for integer data, else Go's %v of a float64
            return str(int(value)) if is_int else go_float(float(value))

        mult = schema.get("multipleOf")
        if isinstance(mult, (int, float)) and not isinstance(mult, bool):
            if mult <= 0:
                errs.append(_Err("multipleOf", path, f"factor MultipleOf declared for {path} must be positive: "
                                                     f"{go_v(mult)}", mult))
            elif is_int and float(mult).is_integer():
                if data % int(mult):
                    errs.append(_Err("multipleOf", path, f"{path} in {IN} should be a multiple of {int(mult)}", data))
            else:
                q = data / mult if mult >= 1 else (1 / mult) * data
                if not float(q).is_integer():
                    errs.append(_Err("multipleOf", path, f"{path} in {IN} should be a multiple of "
                                                         f"{go_float(float(mult))}", data))
        minimum, maximum = schema.get("minimum"), schema.get("maximum")
        if isinstance(minimum, (int, float)) and not isinstance(minimum, bool):
            lo = int(minimum) if is_int else float(minimum)
            exclusive = bool(schema.get("exclusiveMinimum"))
            if (data <= lo) if exclusive else (data < lo):
                word = "greater than" if exclusive else "greater than or equal to"
                errs.append(_Err("minimum", path, f"{path} in {IN} should be {word} {bound(minimum)}", data))
        if isinstance(maximum, (int, float)) and not isinstance(maximum, bool):
            hi = int(maximum) if is_int else float(maximum)
            exclusive = bool(schema.get("exclusiveMaximum"))
            if (data >= hi) if exclusive else (data > hi):
                word = "less than" if exclusive else "less than or equal to"
                errs.append(_Err("maximum", path, f"{path} in {IN} should be {word} {bound(maximum)}", data))
        return errs

    def _array(self, schema: dict, data: list, path: str) -> list[_Err]:
        errs: list[_Err] = []
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(data):
                errs.extend(self.run(items, item, f"{path}[{i}]"))
        min_items, max_items = schema.get("minItems"), schema.get("maxItems")
        if isinstance(min_items, int) and len(data) < min_items:
            errs.append(_Err("minItems", path, f"{path} in {IN} should have at least {min_items} items", len(data),
                             min_items))
        if isinstance(max_items, int) and len(data) > max_items:
            errs.append(_Err("maxItems", path, f"{path} in {IN} should have at most {max_items} items", len(data),
                             max_items))
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for item in data:
                if item in seen:
                    errs.append(_Err("unique", path, f"{path} in {IN} shouldn't contain duplicates"))
                    break
                seen.append(item)
        return errs

    def _object(self, schema: dict, data: dict, path: str) -> list[_Err]:
        errs: list[_Err] = []
        n = len(data)
        min_p, max_p = schema.get("minProperties"), schema.get("maxProperties")
        if isinstance(min_p, int) and n < min_p:
            errs.append(_Err("minProperties", path, f"{path} in {IN} should have at least {min_p} properties", n,
                             min_p))
        if isinstance(max_p, int) and n > max_p:
            errs.append(_Err("maxProperties", path, f"{path} in {IN} should have at most {max_p} properties", n,
                             max_p))
        props = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        if additional is False:
            for key in sorted(data):
                if key not in props:
                    errs.append(_Err("forbidden", path, f"{path}.{key} in {IN} is a forbidden property", key))
        elif isinstance(additional, dict):
            for key in sorted(data):
                if key not in props:
                    errs.extend(self.run(additional, data[key], f"{path}.{key}"))
        for key in sorted(props):
            if key in data:
                errs.extend(self.run(props[key], data[key], _child_name(path, key)))
        for key in schema.get("required") or []:
            if key not in data:
                errs.append(_Err("required", f"{path}.{key}", f"{path}.{key} in {IN} is required"))
        return errs


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _regex(pattern: str) -> re.Pattern[str]:
    rx = _REGEX_CACHE.get(pattern)
    if rx is None:
        # Go's RE2 and Python's re agree on the syntax CRD patterns use; \z is Python's \Z.
        rx = _REGEX_CACHE[pattern] = re.compile(pattern.replace(r"\z", r"\Z"))
    return rx


def _go_list(values: list[Any]) -> str:
    """%v of a []interface{} (an enum's values in a message)."""
    def one(v: Any) -> str:
        if v is None:
            return "<nil>"
        if isinstance(v, (bool, int, float)):
            return go_v(v)
        if isinstance(v, str):
            return v
        return go_sharp_v(v)
    return "[" + " ".join(one(v) for v in values) + "]"


# --- pruning, nulls, defaults -----------------------------------------------------------------------


def _sub_schema(schema: dict | None, key: str) -> dict | None:
    if schema is None:
        return None
    props = schema.get("properties") or {}
    if key in props:
        return props[key]
    add = schema.get("additionalProperties")
    return add if isinstance(add, dict) else None


def prune(obj: Any, schema: dict | None, *, root: bool = True) -> list[str]:
    """Drop the fields the schema does not declare; returns their paths, sorted (kube's unknown fields)."""
    unknown: list[str] = []
    if root:
        schema = dict(schema or {})
        schema["x-kubernetes-embedded-resource"] = True
    _prune(obj, schema, "", unknown)
    return sorted(unknown)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _prune(x: Any, s: dict | None, path: str, unknown: list[str]) -> None:
    """pruning.prune; under x-kubernetes-preserve-unknown-fields (skipPrune) unknown keys stay but the
    declared ones are still pruned inside."""
    preserve = s is not None and bool(s.get("x-kubernetes-preserve-unknown-fields"))
    if isinstance(x, dict):
        if s is None:
            for k in list(x):
                unknown.append(_join(path, k))
                del x[k]
            return
        embedded = s.get("x-kubernetes-embedded-resource")
        props = s.get("properties") or {}
        add = s.get("additionalProperties")
        for k in list(x):
            if embedded and k in META_FIELDS:
                if k == "metadata" and path:
                    _coerce_meta(x)
                continue
            if k in props:
                _prune(x[k], props[k], _join(path, k), unknown)
            elif isinstance(add, dict):
                _prune(x[k], add, _join(path, k), unknown)
            elif add is True or preserve:
                continue
            else:
                if k not in META_FIELDS or path:
                    unknown.append(_join(path, k))
                del x[k]
    elif isinstance(x, list):
        items = s.get("items") if s is not None else None
        if preserve:  # skipPrune goes on into the items: their unknown keys stay too
            if not isinstance(items, dict):
                return
            items = {**items, "x-kubernetes-preserve-unknown-fields": True}
        for i, v in enumerate(x):
            _prune(v, items if isinstance(items, dict) else None, f"{path}[{i}]", unknown)


_EMBEDDED_META = ("name", "namespace", "labels", "annotations", "generateName", "finalizers", "ownerReferences")


def _coerce_meta(x: dict) -> None:
    # objectmeta.Coerce on an embedded resource: only ObjectMeta's own fields survive.
    meta = x.get("metadata")
    if isinstance(meta, dict):
        for k in list(meta):
            if k not in _EMBEDDED_META and k not in ("uid", "resourceVersion", "generation", "creationTimestamp",
                                                     "deletionTimestamp", "deletionGracePeriodSeconds",
                                                     "managedFields", "selfLink"):
                del meta[k]


def prune_nulls(x: Any, s: dict | None) -> None:
    """PruneNonNullableNullsWithoutDefaults."""
    if isinstance(x, dict):
        for k in list(x):
            sub = _sub_schema(s, k)
            v = x[k]
            if v is None and sub is not None and not sub.get("nullable") and "default" not in sub:
                del x[k]
            else:
                prune_nulls(v, sub)
    elif isinstance(x, list):
        items = s.get("items") if s is not None else None
        for v in x:
            prune_nulls(v, items if isinstance(items, dict) else None)


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


def apply_defaults(x: Any, s: dict | None) -> None:
    """defaulting.Default: missing properties (and non-nullable nulls) with a default get a copy of it."""
    if s is None:
        return
    if isinstance(x, dict):
        props = s.get("properties") or {}
        for k, prop in props.items():
            if "default" not in prop or prop["default"] is None:
                continue
            if k not in x or (x[k] is None and not prop.get("nullable")):
                x[k] = _copy(prop["default"])
        add = s.get("additionalProperties")
        for k in list(x):
            if k in props:
                apply_defaults(x[k], props[k])
            elif isinstance(add, dict):
                if x[k] is None and not add.get("nullable") and add.get("default") is not None:
                    x[k] = _copy(add["default"])
                apply_defaults(x[k], add)
    elif isinstance(x, list):
        items = s.get("items")
        if isinstance(items, dict):
            for i in range(len(x)):
                if x[i] is None and not items.get("nullable") and items.get("default") is not None:
                    x[i] = _copy(items["default"])
                apply_defaults(x[i], items)


def has_defaults(schema: Any) -> bool:
    """Whether any node of the schema declares a default."""
    if isinstance(schema, dict):
        return "default" in schema or any(has_defaults(v) for v in schema.values())
    if isinstance(schema, list):
        return any(has_defaults(v) for v in schema)
    return False


# --- embedded resources and list types --------------------------------------------------------------


def _embedded_causes(x: Any, s: dict | None, path: str, out: list[Cause]) -> None:
    from .validation import metadata_causes

    if s is None:
        return
    if isinstance(x, dict):
        if s.get("x-kubernetes-embedded-resource") and path:
            for k in ("apiVersion", "kind"):
                if k not in x:
                    out.append(cause("FieldValueRequired", f"{path}.{k}", detail="must not be empty"))
                elif not isinstance(x[k], str):
                    out.append(cause("FieldValueInvalid", f"{path}.{k}", x[k], "must be a string"))
                elif not x[k]:
                    out.append(cause("FieldValueInvalid", f"{path}.{k}", x[k], "must not be empty"))
            meta = x.get("metadata")
            if isinstance(meta, dict):
                probe = {"metadata": {**meta, "name": meta.get("name") or "fakename"}}
                for c in metadata_causes(probe, name_kind="path", namespaced=bool(meta.get("namespace"))):
                    out.append({**c, "field": f"{path}.{c['field']}"})
        props = s.get("properties") or {}
        add = s.get("additionalProperties")
        for k in sorted(x):
            if k in props:
                _embedded_causes(x[k], props[k], _join(path, k), out)
            elif isinstance(add, dict):
                _embedded_causes(x[k], add, f"{path}[{k}]", out)
    elif isinstance(x, list):
        items = s.get("items")
        for i, v in enumerate(x):
            _embedded_causes(v, items if isinstance(items, dict) else None, f"{path}[{i}]", out)


def _list_causes(x: Any, s: dict | None, path: str, out: list[Cause]) -> None:
    if s is None:
        return
    if isinstance(x, list):
        list_type = s.get("x-kubernetes-list-type")
        if list_type == "set":
            seen: dict[str, int] = {}
            for i, v in enumerate(x):
                key = json.dumps(v, sort_keys=True)
                seen[key] = seen.get(key, 0) + 1
                if seen[key] == 2:
                    out.append(cause("FieldValueDuplicate", f"{path}[{i}]", v))
        elif list_type == "map":
            keys = [str(k) for k in s.get("x-kubernetes-list-map-keys") or []]
            bad = next((i for i, v in enumerate(x) if v is not None and not isinstance(v, dict)), None)
            if bad is not None:
                out.append(cause("FieldValueInvalid", f"{path}[{bad}]", x[bad],
                                 "must be an object for an array of list-type map"))
            elif keys:
                counts: dict[str, int] = {}
                for i, v in enumerate(x):
                    keyval = {k: v[k] for k in keys if isinstance(v, dict) and k in v}
                    key = json.dumps(keyval, sort_keys=True)
                    counts[key] = counts.get(key, 0) + 1
                    if counts[key] == 2:
                        out.append(cause("FieldValueDuplicate", f"{path}[{i}]", keyval))
        items = s.get("items")
        for i, v in enumerate(x):
            _list_causes(v, items if isinstance(items, dict) else None, f"{path}[{i}]", out)
    elif isinstance(x, dict):
        props = s.get("properties") or {}
        add = s.get("additionalProperties")
        for k in sorted(x):
            if k in props:
                _list_causes(x[k], props[k], _join(path, k), out)
            elif isinstance(add, dict):
                _list_causes(x[k], add, f"{path}[{k}]", out)


# --- the public face --------------------------------------------------------------------------------


class CrdSchema:
    """The schema of one served version of a CRD (its openAPIV3Schema, None when it has none)."""

    def __init__(self, schema: dict | None) -> None:
        self.schema = schema if isinstance(schema, dict) else None
        self.defaults = has_defaults(self.schema)

    @property
    def status_schema(self) -> dict | None:
        return _sub_schema(self.schema, "status") if self.schema else None

    def coerce(self, obj: dict) -> list[str]:
        """What kube does to a decoded body before validation: prune (returning the unknown field
        paths), drop non-nullable nulls, apply defaults. Mutates obj."""
        if self.schema is None:
            return []
        unknown = prune(obj, self.schema)
        prune_nulls(obj, self.schema)
        apply_defaults(obj, self.schema)
        return unknown

    def validate(self, obj: dict, old: dict | None = None) -> list[Cause]:
        """The causes kube-apiserver reports for the whole object (ratcheting: on update, an error
        at a path whose value did not change is dropped, as CRDValidationRatcheting does)."""
        if self.schema is None:
            return []
        causes = _to_causes(_Validator().run(self.schema, obj, ""), "")
        _embedded_causes(obj, self.schema, "", causes)
        _list_causes(obj, self.schema, "", causes)
        return _ratchet(causes, obj, old)

    def validate_status(self, obj: dict, old: dict | None = None) -> list[Cause]:
        """The status subresource's validation: only `status`, against its own schema."""
        status_schema = self.status_schema
        if status_schema is None or "status" not in obj:
            return []
        causes = _to_causes(_Validator().run(status_schema, obj["status"], ""), "status")
        _list_causes(obj["status"], status_schema, "status", causes)
        return _ratchet(causes, obj, old)


def _value_at(obj: Any, field: str) -> tuple[bool, Any]:
    cur = obj
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", field):
        if part.startswith("["):
            idx = int(part[1:-1])
            if not isinstance(cur, list) or idx >= len(cur):
                return False, None
            cur = cur[idx]
        else:
            if not isinstance(cur, dict) or part not in cur:
                return False, None
            cur = cur[part]
    return True, cur


def _ratchet(causes: list[Cause], obj: dict, old: dict | None) -> list[Cause]:
    if old is None:
        return _dedupe(causes)
    kept = []
    for c in causes:
        field = c.get("field", "")
        if field and field != "<nil>" and c["type"] != "FieldValueRequired":
            now, was = _value_at(obj, field), _value_at(old, field)
            if now[0] and was[0] and now[1] == was[1]:
                continue
        kept.append(c)
    return _dedupe(kept)


def _dedupe(causes: list[Cause]) -> list[Cause]:
    seen: set[tuple[str, str]] = set()
    out = []
    for c in causes:
        key = (c.get("field", ""), c.get("message", ""))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
