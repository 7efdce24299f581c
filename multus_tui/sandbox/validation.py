"""Object name validation, with kube-apiserver's messages (k8s.io/apimachinery/pkg/util/validation)."""

from __future__ import annotations

import re

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_LABEL_RE = re.compile(f"^{_LABEL}$")
_SUBDOMAIN_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")

LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)

_QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def dns1123_label_errors(value: str) -> list[str]:
    """Why `value` is not a DNS-1123 label (namespace names); empty when valid."""
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(f"must be no more than {DNS1123_LABEL_MAX} characters")
    if not _LABEL_RE.match(value):
        errs.append(LABEL_MSG)
    return errs


def dns1123_subdomain_errors(value: str) -> list[str]:
    """Why `value` is not a DNS-1123 subdomain (most object names); empty when valid."""
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(f"must be no more than {DNS1123_SUBDOMAIN_MAX} characters")
    if not _SUBDOMAIN_RE.match(value):
        errs.append(SUBDOMAIN_MSG)
    return errs


def path_segment_errors(value: str) -> list[str]:
    """Names that can never be a URL path segment (kube's IsValidPathSegmentName)."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    for bad in ("/", "%"):
        if bad in value:
            return [f"may not contain '{bad}'"]
    return []


def qualified_name_errors(key: str) -> list[str]:
    """Why a label/annotation key is not a qualified name ("prefix/name"); empty when valid."""
    errs = []
    prefix, _, name = key.rpartition("/")
    if "/" in key:
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + e for e in dns1123_subdomain_errors(prefix))
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    elif not _QUALIFIED_NAME_RE.match(name):
        errs.append(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        )
    return errs


def label_value_errors(value: str) -> list[str]:
    """Why a label value is invalid; empty when valid."""
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _LABEL_VALUE_RE.match(value):
        errs.append(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
            "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        )
    return errs


#: kube's TotalAnnotationSizeLimitB (apimachinery ValidateAnnotationsSize): keys and values, in bytes
ANNOTATIONS_MAX_BYTES = 256 * 1024

# ObjectMeta fields and their Go types, for the decoding error a wrongly typed value gets in kube
_META_GO_TYPES = {"name": "string", "generateName": "string", "namespace": "string", "uid": "string",
                  "resourceVersion": "string", "labels": "map[string]string",
                  "annotations": "map[string]string", "finalizers": "[]string"}


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "value")


def metadata_decode_error(obj: dict) -> str | None:
    """What Go's JSON decoder says about a wrongly typed ObjectMeta field, before any validation runs
    (`json: cannot unmarshal array into Go struct field ObjectMeta.metadata.annotations of type
    map[string]string`), or None. Validation assumes these types (a list of annotations crashed it)."""
    meta = obj.get("metadata")
    if meta is None:
        return None
    if not isinstance(meta, dict):
        return f"json: cannot unmarshal {_json_type(meta)} into Go struct field .metadata of type v1.ObjectMeta"
    for field, go in _META_GO_TYPES.items():
        value = meta.get(field)
        if value is None:
            continue
        where = f"Go struct field ObjectMeta.metadata.{field}"
        if go == "string":
            ok, items = isinstance(value, str), ()
        elif go == "[]string":
            ok, items = isinstance(value, list), (value if isinstance(value, list) else ())
        else:
            ok, items = isinstance(value, dict), (value.values() if isinstance(value, dict) else ())
        if not ok:
            return f"json: cannot unmarshal {_json_type(value)} into {where} of type {go}"
        for item in items:
            if not isinstance(item, str):
                return f"json: cannot unmarshal {_json_type(item)} into {where} of type string"
    return None


def annotations_size_causes(meta: dict) -> list[dict[str, str]]:
    """kube's ValidateAnnotationsSize: keys plus values over 256 KiB is one TooLong cause."""
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict):
        return []
    total = 0
    for k, v in annotations.items():
        total += len(str(k).encode("utf-8", "surrogatepass")) + len(str(v).encode("utf-8", "surrogatepass"))
    if total <= ANNOTATIONS_MAX_BYTES:
        return []
    return [{"type": "FieldValueTooLong", "message": f"Too long: must have at most {ANNOTATIONS_MAX_BYTES} bytes",
             "field": "metadata.annotations"}]


def metadata_causes(obj: dict, *, name_kind: str, namespaced: bool) -> list[dict[str, str]]:
    """Validation causes for metadata (name, generateName, labels, annotations), as ValidateObjectMeta.

    name_kind is "label" (namespaces), "subdomain" (most kinds) or "path" (events: any path segment).
    """
    causes: list[dict[str, str]] = []
    meta = obj.get("metadata") or {}
    name = meta.get("name") or ""
    check = {
        "label": dns1123_label_errors,
        "subdomain": dns1123_subdomain_errors,
        "path": path_segment_errors,
    }[name_kind]
    if not name:
        if meta.get("generateName"):
            causes.append({"type": "FieldValueRequired", "message": "Required value: name or generateName is required",
                           "field": "metadata.name"})
        else:
            causes.append({"type": "FieldValueRequired", "message": "Required value: name or generateName is required",
                           "field": "metadata.name"})
    else:
        for err in check(name):
            causes.append({"type": "FieldValueInvalid", "message": f"Invalid value: \"{name}\": {err}",
                           "field": "metadata.name"})
    for key, value in (meta.get("labels") or {}).items():
        for err in qualified_name_errors(str(key)):
            causes.append({"type": "FieldValueInvalid", "message": f"Invalid value: \"{key}\": {err}",
                           "field": "metadata.labels"})
        if not isinstance(value, str):
            causes.append({"type": "FieldValueInvalid", "message": f"Invalid value: {value!r}: must be a string",
                           "field": f"metadata.labels.{key}"})
            continue
        for err in label_value_errors(value):
            causes.append({"type": "FieldValueInvalid", "message": f"Invalid value: \"{value}\": {err}",
                           "field": "metadata.labels"})
    for key, value in (meta.get("annotations") or {}).items():
        for err in qualified_name_errors(str(key).lower()):
            causes.append({"type": "FieldValueInvalid", "message": f"Invalid value: \"{key}\": {err}",
                           "field": "metadata.annotations"})
        if not isinstance(value, str):
            causes.append({"type": "FieldValueInvalid", "message": f"Invalid value: {value!r}: must be a string",
                           "field": f"metadata.annotations.{key}"})
    causes.extend(annotations_size_causes(meta))
    return causes
