"""Request bodies: decoding (JSON, YAML, protobuf), the checks kube's decoder makes on an object's
kind, version and metadata, unknown-field validation, and the field manager a write is recorded under."""

from __future__ import annotations

import json
from typing import Any

import yaml
from aiohttp import web

from multus_tui.multus.yamlread import load_yaml

from . import errors, openapi, patch, validation
from .apirequest import JSON, Req
from .protobuf import decode_protobuf_body
from .store import dumps


def decode(raw: bytes, request: web.Request) -> dict:
    ctype = request.headers.get("Content-Type", JSON)
    if "protobuf" in ctype:
        return decode_protobuf_body(raw)
    if "yaml" in ctype:
        body = load_yaml_body(raw)
    else:
        body = patch.parse_body(raw, "body")
    if not isinstance(body, dict):
        raise errors.bad_request("Object 'Kind' is missing in '" + raw.decode(errors="replace")[:200] + "'")
    return body


def check_kind(req: Req, body: dict, *, patched: bool = False) -> None:
    rt = req.rt
    wrong = validation.metadata_decode_error(body)
    if wrong:
        # what kube's decoder says about a wrongly typed field: a 400 for a body (transformDecodeError),
        # a 422 on the field "patch" for the result of a JSON/merge patch (its jsonPatcher)
        if patched:
            shown = dumps(body).decode(errors="replace")
            shown = shown if len(shown) <= 1024 else shown[:1024] + "..."
            raise errors.invalid("", "", "", [{"type": "FieldValueInvalid", "field": "patch",
                                               "message": f"Invalid value: {json.dumps(shown)}: {wrong}"}])
        raise errors.bad_request(f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {wrong}')
    kind = body.get("kind")
    api_version = body.get("apiVersion")
    if kind and kind != rt.kind:
        raise errors.bad_request(
            f"the object provided is unrecognized (must be of type {rt.kind}): couldn't get version/kind; "
            f"json parse error: Object 'Kind' is {kind}")
    if api_version and api_version != rt.api_version:
        raise errors.bad_request(
            f"the API version in the data ({api_version}) does not match the expected API version "
            f"({rt.api_version})")
    meta = body.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise errors.bad_request("metadata must be an object")
    if req.namespace and isinstance(meta, dict) and meta.get("namespace") and meta["namespace"] != req.namespace:
        raise errors.bad_request("the namespace of the provided object does not match the namespace sent on the "
                                 "request")


def manager(request: web.Request) -> str:
    fm = request.query.get("fieldManager")
    if fm:
        if len(fm) > 128:
            raise errors.bad_request("fieldManager: Too long: must have at most 128 bytes")
        return fm
    ua = request.headers.get("User-Agent", "unknown")
    return ua.split("/", 1)[0] or "unknown"


def validate_fields(request: web.Request, req: Req, body: dict) -> list[str]:
    """Unknown-field check (fieldValidation=Strict/Warn); returns warnings for Warn."""
    mode = request.query.get("fieldValidation", "")
    if mode not in ("Strict", "Warn"):
        return []
    unknown = openapi.unknown_fields(req.rt, body)
    if not unknown:
        return []
    if mode == "Strict":
        if len(unknown) == 1:
            raise errors.bad_request(f'strict decoding error: unknown field "{unknown[0]}"')
        raise errors.bad_request("strict decoding error: " + ", ".join(f'unknown field "{u}"' for u in unknown))
    return [f'unknown field "{u}"' for u in unknown]


def load_yaml_body(raw: bytes) -> Any:
    """A YAML request body through the project's guarded reader; what does not load is a 400 in
    kube-apiserver's words (its apply handler: "error decoding YAML: " + sigs.k8s.io/yaml's
    "error converting YAML to JSON: yaml: ..."), e.g. go-yaml's "document contains excessive aliasing"."""
    try:
        return load_yaml(raw.decode("utf-8") or "null")
    except UnicodeDecodeError as exc:
        raise errors.bad_request(f"error decoding YAML: error converting YAML to JSON: yaml: invalid "
                                 f"UTF-8 ({exc.reason})") from None
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise errors.bad_request(f"error decoding YAML: error converting YAML to JSON: yaml: {where}"
                                 f"{problem}") from None
    except (ValueError, TypeError) as exc:  # a constructor's complaint (e.g. a bad !!timestamp)
        raise errors.bad_request(f"error decoding YAML: error converting YAML to JSON: yaml: {exc}") from None



def patch_sets_rv(ctype: str, body: Any) -> bool:
    if ctype == "application/json-patch+json":
        return any(isinstance(op, dict) and op.get("path") == "/metadata/resourceVersion" for op in body or [])
    if isinstance(body, dict):
        return bool((body.get("metadata") or {}).get("resourceVersion"))
    return False
