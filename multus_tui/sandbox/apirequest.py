"""A parsed resource request and what its verbs share: the JSON answer, the object as served at the
request's version, label/field selection, the Table content type, and ListOptions validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import errors
from .discovery import ResourceType
from .store import Entry, dumps, field_matches, label_matches, parse_field_selector, parse_label_selector

JSON = "application/json"


def json_response(obj: Any, status: int = 200, content_type: str = JSON) -> web.Response:
    return web.Response(body=dumps(obj), status=status, headers={"Content-Type": content_type})


def error_response(err: errors.ApiError) -> web.Response:
    return json_response(err.to_status(), status=err.code)


def _other_version(rt: ResourceType) -> bool:
    """A custom resource served at a version other than the one it is stored at."""
    return rt.custom and bool(rt.storage_version) and rt.version != rt.storage_version


def converted(rt: ResourceType, obj: dict) -> dict:
    """The object as served at rt's version (the None conversion strategy: apiVersion only)."""
    if _other_version(rt) and isinstance(obj, dict) and obj.get("apiVersion") != rt.api_version:
        return {**obj, "apiVersion": rt.api_version}
    return obj


def entry_bytes(rt: ResourceType, entry: Entry) -> bytes:
    return dumps(converted(rt, entry.obj)) if _other_version(rt) else entry.raw


class Req:
    """A parsed resource request."""

    __slots__ = ("rt", "namespace", "name", "subresource")

    def __init__(self, rt: ResourceType, namespace: str | None, name: str | None, subresource: str | None) -> None:
        self.rt = rt
        self.namespace = namespace
        self.name = name
        self.subresource = subresource

    @property
    def version(self) -> str | None:
        """The version a custom resource request speaks (its schema validates the body)."""
        return self.rt.version if self.rt.custom else None


def wants_table(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "as=Table" in accept and "g=meta.k8s.io" in accept


def selected(request: web.Request, req: Req) -> Callable[[dict], bool] | None:
    """The request's label and field selectors as one predicate; None when it selects everything."""
    q = request.query
    lreqs = parse_label_selector(q.get("labelSelector"))
    freqs = parse_field_selector(req.rt.plural, q.get("fieldSelector"), custom=req.rt.custom)
    if not lreqs and not freqs:
        return None

    def match(obj: dict) -> bool:
        return (not lreqs or label_matches(obj["metadata"].get("labels"), lreqs)) and \
            (not freqs or field_matches(obj, freqs))

    return match


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def check_list_options(q: Any, *, watch: bool) -> bool | None:
    """kube-apiserver 1.32's ListOptions validation (apimachinery's ValidateListOptions, the WatchList
    feature gate on, as it is by default in 1.32): 422 Invalid with its causes. Returns
    sendInitialEvents (None when not given)."""
    raw = q.get("sendInitialEvents")
    send_initial: bool | None = None
    if raw is not None:
        if raw not in _TRUE + _FALSE:
            raise errors.bad_request(f'strconv.ParseBool: parsing "{raw}": invalid syntax')
        send_initial = raw in _TRUE
    match = q.get("resourceVersionMatch", "")
    rv, cont = q.get("resourceVersion", ""), q.get("continue", "")
    causes: list[dict[str, str]] = []

    def forbidden(field: str, why: str) -> None:
        causes.append({"type": "FieldValueForbidden", "message": f"Forbidden: {why}", "field": field})

    def not_supported(supported: list[str]) -> None:
        values = ", ".join(f'"{v}"' for v in supported)
        causes.append({"type": "FieldValueNotSupported",
                       "message": f'Unsupported value: "{match}": supported values: {values}',
                       "field": "resourceVersionMatch"})

    if not watch:
        if match:
            if not rv:
                forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided")
            if cont:
                forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided")
            if match not in ("Exact", "NotOlderThan"):
                not_supported(["Exact", "NotOlderThan", ""])
            if match == "Exact" and rv == "0":
                forbidden("resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"')
        if send_initial is not None:
            forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list")
    else:
        if send_initial is not None and match != "NotOlderThan":
            forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
        if match:
            if send_initial is None:
                forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents "
                                                  "is provided")
            if match != "NotOlderThan":
                not_supported(["NotOlderThan"])
            if cont:
                forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided")
    if causes:
        err = errors.invalid("ListOptions", "meta.k8s.io", "", causes)
        err.details.pop("name", None)  # kube's Status omits an empty name
        raise err
    return send_initial

