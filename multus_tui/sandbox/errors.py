"""API errors as kube-apiserver reports them: a metav1.Status body with its reason and code.

Messages follow k8s.io/apimachinery/pkg/api/errors so that kubectl prints exactly what it prints
against a real cluster ("Error from server (NotFound): pods \"x\" not found").
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error the API server returns as a metav1.Status object."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def to_status(self) -> dict[str, Any]:
        """The metav1.Status body kube-apiserver sends for this error."""
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if not self.reason:
            del status["reason"]  # omitempty: e.g. an admission webhook's denial carries none
        if self.reason == "Unauthorized":
            # kube-apiserver's 401 has no reason-specific details.
            return status
        if self.details is not None:
            status["details"] = self.details
        return status

    def __repr__(self) -> str:
        return f"ApiError({self.code}, {self.reason!r}, {self.message!r})"


def _qualified(resource: str, group: str) -> str:
    """`pods` for the core group, `network-attachment-definitions.k8s.cni.cncf.io` otherwise."""
    return f"{resource}.{group}" if group else resource


def _details(resource: str, group: str, name: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = resource
    return details


def not_found(resource: str, group: str, name: str) -> ApiError:
    """404 NotFound: `pods "x" not found`."""
    return ApiError(404, "NotFound", f'{_qualified(resource, group)} "{name}" not found', _details(resource, group, name))


def already_exists(resource: str, group: str, name: str) -> ApiError:
    """409 AlreadyExists: `pods "x" already exists`."""
    return ApiError(
        409, "AlreadyExists", f'{_qualified(resource, group)} "{name}" already exists', _details(resource, group, name)
    )


def conflict(resource: str, group: str, name: str, why: str | None = None) -> ApiError:
    """409 Conflict on a stale resourceVersion, with kube's exact wording."""
    why = why or "the object has been modified; please apply your changes to the latest version and try again"
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {_qualified(resource, group)} "{name}": {why}',
        _details(resource, group, name),
    )


def invalid(kind: str, group: str, name: str, causes: list[dict[str, str]]) -> ApiError:
    """422 Invalid with field causes, as validation errors come back from kube-apiserver.

    Each cause is {"type": "FieldValueInvalid"|"FieldValueRequired"|..., "message": ..., "field": ...}.
    """
    parts = []
    for cause in causes:
        field = cause.get("field", "")
        parts.append(f"{field}: {cause.get('message', '')}" if field else cause.get("message", ""))
    summary = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    qualified = f"{kind}.{group}" if group else kind
    details: dict[str, Any] = {"name": name, "kind": kind, "causes": causes}
    if group:
        details = {"name": name, "group": group, "kind": kind, "causes": causes}
    return ApiError(422, "Invalid", f'{qualified} "{name}" is invalid: {summary}', details)


def forbidden(resource: str, group: str, name: str | None, message: str) -> ApiError:
    """403 Forbidden: `pods is forbidden: User "u" cannot create resource ...`."""
    target = f'{_qualified(resource, group)} "{name}"' if name else _qualified(resource, group)
    return ApiError(403, "Forbidden", f"{target} is forbidden: {message}", _details(resource, group, name))


def unauthorized() -> ApiError:
    """401 Unauthorized, as for a missing or unknown bearer token."""
    return ApiError(401, "Unauthorized", "Unauthorized")


def too_large(limit: int) -> ApiError:
    """413, as kube-apiserver's limitedReadBody: `Request entity too large: limit is 3145728`."""
    return ApiError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {limit}")


def bad_request(message: str) -> ApiError:
    """400 BadRequest."""
    return ApiError(400, "BadRequest", message)


def method_not_allowed(message: str = "the server does not allow this method on the requested resource") -> ApiError:
    """405 MethodNotAllowed."""
    return ApiError(405, "MethodNotAllowed", message, {})


def gone(message: str, reason: str = "Expired") -> ApiError:
    """410 Gone: a watch from a compacted resourceVersion, or an expired continue token."""
    return ApiError(410, reason, message)


def unsupported_media_type(content_type: str) -> ApiError:
    """415 UnsupportedMediaType for a patch or body type the server cannot decode."""
    return ApiError(415, "UnsupportedMediaType", f"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {content_type})")


def not_found_path() -> ApiError:
    """404 for a URL that names no resource (kube-apiserver answers "the server could not find the requested resource")."""
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})
