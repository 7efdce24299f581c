"""The sandbox's resource registry and the discovery documents built from it.

Built-in kinds are fixed; custom resources appear when their CustomResourceDefinition is stored,
as on a real cluster (no NAD CRD, no network-attachment-definitions endpoint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

VERBS_ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@dataclass(frozen=True)
class ResourceType:
    """One API resource: where it is served and how its objects look."""

    plural: str
    singular: str
    kind: str
    group: str
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = tuple(VERBS_ALL)
    subresources: tuple[str, ...] = ()
    # How metadata.name is validated: "subdomain" (most), "label" (namespaces), "path" (events).
    name_kind: str = "subdomain"
    custom: bool = False
    # For custom resources: the CRD's versions' schemas, for OpenAPI.
    schema: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    # Custom resources: the version objects are stored at (another served version is converted with
    # the None strategy: only apiVersion changes), and the version's additionalPrinterColumns.
    storage_version: str = ""
    printer_columns: tuple[dict[str, Any], ...] = field(default=(), compare=False, hash=False)
    # Custom resources: the version's schema ready for pruning, defaulting and validation.
    checker: Any = field(default=None, compare=False, hash=False, repr=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"


BUILTIN: tuple[ResourceType, ...] = (
    ResourceType("namespaces", "namespace", "Namespace", "", "v1", False, ("ns",),
                 verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
                 subresources=("status", "finalize"), name_kind="label"),
    ResourceType("nodes", "node", "Node", "", "v1", False, ("no",), subresources=("status",)),
    ResourceType("pods", "pod", "Pod", "", "v1", True, ("po",), ("all",), subresources=("status", "exec", "log")),
    ResourceType("events", "event", "Event", "", "v1", True, ("ev",), name_kind="path"),
    # Served (empty unless created) so `kubectl cluster-info` and `kubectl get all` work as on a cluster.
    ResourceType("services", "service", "Service", "", "v1", True, ("svc",), ("all",), subresources=("status",),
                 name_kind="label"),
    ResourceType("customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition",
                 "apiextensions.k8s.io", "v1", False, ("crd", "crds"), ("api-extensions",), subresources=("status",)),
    ResourceType("deployments", "deployment", "Deployment", "apps", "v1", True, ("deploy",), ("all",),
                 subresources=("status",)),
    ResourceType("statefulsets", "statefulset", "StatefulSet", "apps", "v1", True, ("sts",), ("all",),
                 subresources=("status",)),
    ResourceType("daemonsets", "daemonset", "DaemonSet", "apps", "v1", True, ("ds",), ("all",),
                 subresources=("status",)),
    ResourceType("selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview",
                 "authorization.k8s.io", "v1", False, verbs=("create",)),
    ResourceType("selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview",
                 "authorization.k8s.io", "v1", False, verbs=("create",)),
    ResourceType("selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview",
                 "authentication.k8s.io", "v1", False, verbs=("create",)),
)

# Resources that exist only as a create-and-answer endpoint, never stored.
VIRTUAL = frozenset({"selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"})

NAD_CRD_NAME = "network-attachment-definitions.k8s.cni.cncf.io"


def nad_crd() -> dict[str, Any]:
    """The NetworkAttachmentDefinition CRD as Multus deployments install it (with the `nad` short name some add)."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": NAD_CRD_NAME},
        "spec": {
            "group": "k8s.cni.cncf.io",
            "scope": "Namespaced",
            "names": {
                "plural": "network-attachment-definitions",
                "singular": "network-attachment-definition",
                "kind": "NetworkAttachmentDefinition",
                "shortNames": ["net-attach-def", "nad"],
            },
            "versions": [{
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {
                    "description": "NetworkAttachmentDefinition is a CRD schema specified by the Network Plumbing "
                                   "Working Group to express the intent for attaching pods to one or more logical "
                                   "or physical networks. More information available at: "
                                   "https://github.com/k8snetworkplumbingwg/multi-net-spec",
                    "type": "object",
                    "properties": {
                        # As in multus-cni deployments/multus-daemonset.yml (its "represen tation" included):
                        # `kubectl explain net-attach-def` prints these.
                        "apiVersion": {
                            "description": "APIVersion defines the versioned schema of this represen tation of an "
                                           "object. Servers should convert recognized schemas to the latest "
                                           "internal value, and may reject unrecognized values. More info: "
                                           "https://git.k8s.io/community/contributors/devel/sig-architecture/"
                                           "api-conventions.md#resources",
                            "type": "string"},
                        "kind": {
                            "description": "Kind is a string value representing the REST resource this object "
                                           "represents. Servers may infer this from the endpoint the client submits "
                                           "requests to. Cannot be updated. In CamelCase. More info: "
                                           "https://git.k8s.io/community/contributors/devel/sig-architecture/"
                                           "api-conventions.md#types-kinds",
                            "type": "string"},
                        "metadata": {"type": "object"},
                        "spec": {
                            "description": "NetworkAttachmentDefinition spec defines the desired state of a "
                                           "network attachment",
                            "type": "object",
                            "properties": {
                                "config": {"description": "NetworkAttachmentDefinition config is a JSON-formatted "
                                                          "CNI configuration", "type": "string"},
                            },
                        },
                    },
                }},
            }],
        },
    }


_VERSION_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key of kube's version priority (apimachinery version.CompareKubeAwareVersionStrings):
    GA before beta before alpha, higher numbers first, then anything else alphabetically."""
    m = _VERSION_RE.match(version)
    if not m:
        return (3, 0, 0, version)
    major, level, minor = int(m.group(1)), m.group(2), int(m.group(3) or 0)
    return ({None: 0, "beta": 1, "alpha": 2}[level], -major, -minor, "")


def resource_from_crd(crd: dict[str, Any]) -> list[ResourceType]:
    """The resource types a CRD serves (one per served version, the preferred one first)."""
    from .crd_schema import CrdSchema

    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    versions = [v for v in spec.get("versions") or [] if isinstance(v, dict)]
    storage = next((str(v.get("name")) for v in versions if v.get("storage")),
                   str(versions[0].get("name", "v1")) if versions else "v1")
    out = []
    for ver in sorted(versions, key=lambda v: version_priority(str(v.get("name", "")))):
        if not ver.get("served", True):
            continue
        schema = ((ver.get("schema") or {}).get("openAPIV3Schema")) or None
        out.append(ResourceType(
            plural=names.get("plural", ""),
            singular=names.get("singular") or names.get("kind", "").lower(),
            kind=names.get("kind", ""),
            group=spec.get("group", ""),
            version=ver.get("name", "v1"),
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()),
            categories=tuple(names.get("categories") or ()),
            subresources=tuple(k for k in (ver.get("subresources") or {}) if k == "status"),
            custom=True,
            schema=schema,
            storage_version=storage,
            printer_columns=tuple(c for c in ver.get("additionalPrinterColumns") or [] if isinstance(c, dict)),
            checker=CrdSchema(schema),
        ))
    return out


# --- discovery documents -------------------------------------------------------------------------


_SUB_VERBS = {"status": ["get", "patch", "update"], "exec": ["create", "get"], "log": ["get"],
              "finalize": ["update"]}


def _resource_entry(rt: ResourceType) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "name": rt.plural,
        "singularName": rt.singular,
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    entries = [entry]
    for sub in rt.subresources:
        verbs = _SUB_VERBS.get(sub, ["update"])
        entries.append({"name": f"{rt.plural}/{sub}", "singularName": "", "namespaced": rt.namespaced,
                        "kind": rt.kind, "verbs": verbs})
    return entries


def resource_list(group_version: str, types: list[ResourceType]) -> dict[str, Any]:
    """APIResourceList for /api/v1 or /apis/<group>/<version>."""
    resources: list[dict[str, Any]] = []
    for rt in sorted(types, key=lambda t: t.plural):
        resources.extend(_resource_entry(rt))
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}


def api_versions() -> dict[str, Any]:
    """APIVersions for /api (legacy discovery)."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}


def group_versions(types: list[ResourceType]) -> dict[str, list[str]]:
    """{group: [versions]} of the named groups, in registry order, each group's versions by kube's
    version priority (the first is the preferred version)."""
    out: dict[str, list[str]] = {}
    for rt in types:
        if rt.group:
            versions = out.setdefault(rt.group, [])
            if rt.version not in versions:
                versions.append(rt.version)
    for versions in out.values():
        versions.sort(key=version_priority)
    return out


def api_group_list(types: list[ResourceType]) -> dict[str, Any]:
    """APIGroupList for /apis (legacy discovery)."""
    groups = []
    for group, versions in group_versions(types).items():
        vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        groups.append({"name": group, "versions": vs, "preferredVersion": vs[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(group: str, types: list[ResourceType]) -> dict[str, Any] | None:
    """APIGroup for /apis/<group>, or None when the group is not served."""
    versions = group_versions(types).get(group)
    if not versions:
        return None
    vs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": vs, "preferredVersion": vs[0]}


def _aggregated_resource(rt: ResourceType) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resource": rt.plural,
        "responseKind": {"group": "", "version": "", "kind": rt.kind},
        "scope": "Namespaced" if rt.namespaced else "Cluster",
        "singularResource": rt.singular,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        res["shortNames"] = list(rt.short_names)
    if rt.categories:
        res["categories"] = list(rt.categories)
    if rt.subresources:
        res["subresources"] = [
            {"subresource": sub, "responseKind": {"group": "", "version": "", "kind": rt.kind},
             "verbs": _SUB_VERBS.get(sub, ["update"])}
            for sub in rt.subresources
        ]
    return res


def aggregated(types: list[ResourceType], *, core: bool) -> dict[str, Any]:
    """APIGroupDiscoveryList (apidiscovery.k8s.io/v2) for /api (core=True) or /apis."""
    items = []
    if core:
        rts = [rt for rt in types if not rt.group]
        items.append({"metadata": {"creationTimestamp": None}, "versions": [{
            "version": "v1", "freshness": "Current",
            "resources": [_aggregated_resource(rt) for rt in sorted(rts, key=lambda t: t.plural)],
        }]})
    else:
        for group, versions in group_versions(types).items():
            vlist = []
            for v in versions:
                rts = [rt for rt in types if rt.group == group and rt.version == v]
                vlist.append({"version": v, "freshness": "Current",
                              "resources": [_aggregated_resource(rt) for rt in sorted(rts, key=lambda t: t.plural)]})
            items.append({"metadata": {"name": group, "creationTimestamp": None}, "versions": vlist})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}


def version_info() -> dict[str, str]:
    """/version: a kube-apiserver 1.32 as kubectl 1.32 expects (no version-skew warning)."""
    return {
        "major": "1", "minor": "32", "gitVersion": "v1.32.0-multus-tui-sandbox",
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.4", "compiler": "gc", "platform": "linux/amd64",
    }
