"""Any CRD served as kube-apiserver serves it: the upstream whereabouts, kubernetes-nmstate and SR-IOV
operator manifests applied unchanged with the real kubectl, and a CRD of our own exercising each
openAPIV3Schema rule, checked with kubectl and the official Python client (CustomObjectsApi, watch).

The expected texts are kube-apiserver 1.32's: kube-openapi's validate/errors messages
("spec.vlan in body should be less than or equal to 4094"), wrapped by apiextensions-apiserver's
kubeOpenAPIResultToFieldErrors into apimachinery field.Errors ("Invalid value: 5000: ...",
"Unsupported value: ...: supported values: ...", "Required value", "Too long: may not be more than
N bytes", "Too many: N: must have at most M items").
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import yaml
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from multus_tui.sandbox import upstream

pytestmark = pytest.mark.kubectl

GROUP = "example.multus-tui.io"
WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": f"widgets.{GROUP}"},
    "spec": {
        "group": GROUP, "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wg"]},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "subresources": {"status": {}},
            "additionalPrinterColumns": [
                {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                {"name": "Ready", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
            ],
            "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                    "spec": {
                        "type": "object", "required": ["size"],
                        "properties": {
                            "size": {"type": "integer", "minimum": 1, "maximum": 10},
                            "ratio": {"type": "number", "exclusiveMinimum": True, "minimum": 0,
                                      "exclusiveMaximum": True, "maximum": 1},
                            "mode": {"type": "string", "enum": ["fast", "slow"], "default": "slow"},
                            "label": {"type": "string", "minLength": 3, "maxLength": 8,
                                     "pattern": "^[a-z]+$"},
                            "tags": {"type": "array", "minItems": 1, "maxItems": 2,
                                     "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                            "when": {"type": "string", "format": "date-time"},
                            "note": {"type": "string", "nullable": True},
                            "port": {"x-kubernetes-int-or-string": True,
                                     "anyOf": [{"type": "integer"}, {"type": "string"}]},
                            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                            "template": {"type": "object", "x-kubernetes-embedded-resource": True,
                                         "x-kubernetes-preserve-unknown-fields": True},
                            "limits": {"type": "object", "default": {"cpu": 1},
                                       "properties": {"cpu": {"type": "integer"},
                                                      "mem": {"type": "integer", "default": 64}}},
                        },
                    },
                    "status": {
                        "type": "object",
                        "properties": {
                            "phase": {"type": "string", "enum": ["Pending", "Running"]},
                            "conditions": {"type": "array", "items": {
                                "type": "object", "required": ["type", "status"],
                                "properties": {"type": {"type": "string"}, "status": {"type": "string"}}}},
                        },
                    },
                },
            }},
        }],
    },
}


def _widget(name: str = "w1", **spec) -> dict:
    return {"apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": name},
            "spec": {"size": 3, **spec}}


@pytest.fixture
def widgets(kubectl, tmp_path: Path):
    path = tmp_path / "widget-crd.yaml"
    path.write_text(yaml.safe_dump(WIDGET_CRD))
    kubectl("apply", "-f", str(path))
    return path


def _apply(kubectl, obj: dict, *extra: str, check: bool = False):
    return kubectl("apply", "-f", "-", *extra, input=yaml.safe_dump(obj), check=check)


# --- the upstream manifests ----------------------------------------------------------------------


def test_every_upstream_crd_file_has_its_origin():
    assert len(upstream.files()) >= 9
    for path in upstream.files():
        first = path.read_text().splitlines()[0]
        assert first.startswith("# origin: https://github.com/") and "/blob/" in first, path.name


@pytest.mark.parametrize("sandbox", ["no-multus"], indirect=True)
def test_upstream_crds_apply_unchanged_and_are_served(kubectl):
    # every scenario ships kubernetes-nmstate's NodeNetworkState CRD (the nodes report their interfaces):
    # take it away first, so each upstream CRD is created here from its file
    kubectl("delete", "crd", "nodenetworkstates.nmstate.io")
    for path in upstream.files():
        out = kubectl("apply", "-f", str(path)).stdout
        assert "customresourcedefinition.apiextensions.k8s.io/" in out and "created" in out
    for path in upstream.files():
        assert "unchanged" in kubectl("apply", "-f", str(path)).stdout
    resources = kubectl("api-resources").stdout
    for plural, short in (("ippools", ""), ("nodenetworkstates", "nns"), ("sriovnetworknodestates", ""),
                          ("nodenetworkconfigurationpolicies", "nncp"), ("overlappingrangeipreservations", "")):
        line = next(ln for ln in resources.splitlines() if ln.startswith(plural + " "))
        assert short in line
    for args in (("ippools", "-A"), ("nns",), ("sriovnetworknodestates", "-A"), ("nncp",)):
        proc = kubectl("get", *args)
        assert "No resources found" in proc.stderr + proc.stdout


def test_ippool_as_whereabouts_writes_it(kubectl):
    kubectl("apply", "-f", str(upstream.CRD_DIR / "whereabouts.cni.cncf.io_ippools.yaml"))
    pool = {"apiVersion": "whereabouts.cni.cncf.io/v1alpha1", "kind": "IPPool",
            "metadata": {"name": "192.168.2.0-24", "namespace": "kube-system"},
            "spec": {"range": "192.168.2.0/24",
                     "allocations": {"1": {"id": "c0ffee", "podref": "default/a", "ifname": "net1"}}}}
    assert "ippool.whereabouts.cni.cncf.io/192.168.2.0-24 created" in _apply(kubectl, pool, check=True).stdout
    out = kubectl("get", "ippools", "-A").stdout.splitlines()
    assert out[0].split() == ["NAMESPACE", "NAME", "AGE"]
    assert out[1].split()[:2] == ["kube-system", "192.168.2.0-24"]
    pool["spec"]["allocations"]["2"] = {"id": "beef"}
    proc = _apply(kubectl, pool)
    assert proc.returncode == 1
    assert 'The IPPool "192.168.2.0-24" is invalid: spec.allocations.2.podref: Required value' in proc.stderr


def test_sriov_network_validation_defaulting_and_columns(kubectl):
    kubectl("apply", "-f", str(upstream.CRD_DIR / "sriovnetwork.openshift.io_sriovnetworks.yaml"))
    bad = {"apiVersion": "sriovnetwork.openshift.io/v1", "kind": "SriovNetwork",
           "metadata": {"name": "net1", "namespace": "default"},
           "spec": {"resourceName": "intel_sriov", "vlan": 5000, "linkState": "sideways", "vlanQoS": -1,
                    "maxTxRate": "fast"}}
    proc = _apply(kubectl, bad)
    assert proc.returncode == 1
    err = proc.stderr
    assert 'The SriovNetwork "net1" is invalid:' in err
    assert '* spec.linkState: Unsupported value: "sideways": supported values: "auto", "enable", "disable"' in err
    assert ('* spec.maxTxRate: Invalid value: "string": spec.maxTxRate in body must be of type integer: '
            '"string"') in err
    assert "* spec.vlan: Invalid value: 5000: spec.vlan in body should be less than or equal to 4094" in err
    assert "* spec.vlanQoS: Invalid value: -1: spec.vlanQoS in body should be greater than or equal to 0" in err
    good = {**bad, "spec": {"resourceName": "intel_sriov", "vlan": 10}}
    _apply(kubectl, good, check=True)
    live = json.loads(kubectl("get", "sriovnetwork", "net1", "-o", "json").stdout)
    assert live["spec"]["logLevel"] == "info"  # the schema's default
    header = kubectl("get", "sriovnetworks").stdout.splitlines()[0].split()
    assert header == ["NAME", "READY", "AGE"]


def test_sriov_node_state_columns_read_annotations_and_status(kubectl, sandbox):
    kubectl("apply", "-f", str(upstream.CRD_DIR / "sriovnetwork.openshift.io_sriovnetworknodestates.yaml"))
    state = {"apiVersion": "sriovnetwork.openshift.io/v1", "kind": "SriovNetworkNodeState",
             "metadata": {"name": "node-1", "namespace": "default",
                          "annotations": {"sriovnetwork.openshift.io/desired-state": "Idle",
                                          "sriovnetwork.openshift.io/current-state": "Idle"}},
             "spec": {}}
    _apply(kubectl, state, check=True)
    sandbox.store.mutate("sriovnetworknodestates", "default", "node-1",
                         lambda o: o.setdefault("status", {}).update(syncStatus="Succeeded"), subresource="status")
    lines = kubectl("get", "sriovnetworknodestates", "-A").stdout.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "SYNC", "STATUS", "DESIRED", "SYNC", "STATE", "CURRENT",
                                "SYNC", "STATE", "AGE"]
    assert lines[1].split()[:5] == ["default", "node-1", "Succeeded", "Idle", "Idle"]


def test_nncp_is_served_at_both_versions_with_its_filter_columns(kubectl, sandbox):
    kubectl("apply", "-f", str(upstream.CRD_DIR / "nmstate.io_nodenetworkconfigurationpolicies.yaml"))
    policy = {"apiVersion": "nmstate.io/v1", "kind": "NodeNetworkConfigurationPolicy", "metadata": {"name": "p1"},
              "spec": {"desiredState": {"interfaces": [{"name": "eth1", "type": "ethernet"}]},
                       "maxUnavailable": "50%"}}
    _apply(kubectl, policy, check=True)
    sandbox.store.mutate("nodenetworkconfigurationpolicies", None, "p1", lambda o: o.update(status={
        "conditions": [{"type": "Available", "status": "True", "reason": "SuccessfullyConfigured"},
                       {"type": "Degraded", "status": "False"}]}), subresource="status")
    lines = kubectl("get", "nncp").stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "REASON"]
    assert lines[1].split() == ["p1", "Available", "SuccessfullyConfigured"]
    beta = json.loads(kubectl("get", "nodenetworkconfigurationpolicies.v1beta1.nmstate.io", "p1",
                              "-o", "json").stdout)
    assert beta["apiVersion"] == "nmstate.io/v1beta1"
    assert beta["spec"]["desiredState"]["interfaces"][0]["name"] == "eth1"
    assert json.loads(kubectl("get", "nncp", "p1", "-o", "json").stdout)["apiVersion"] == "nmstate.io/v1"
    policy["spec"]["maxUnavailable"] = True
    proc = _apply(kubectl, policy)
    assert ('spec.maxUnavailable: Invalid value: "boolean": spec.maxUnavailable in body must be of type '
            'integer,string: "boolean"') in proc.stderr


# --- a CRD of our own: each rule ----------------------------------------------------------------


def _invalid(api, body: dict) -> dict:
    custom = client.CustomObjectsApi(api)
    with pytest.raises(ApiException) as exc:
        custom.create_namespaced_custom_object(GROUP, "v1", "default", "widgets", body)
    assert exc.value.status == 422
    status = json.loads(exc.value.body)
    assert status["reason"] == "Invalid" and status["details"]["kind"] == "Widget"
    causes: dict[str, tuple[str, str]] = {}
    for c in status["details"]["causes"]:
        causes.setdefault(c["field"], (c["type"], c["message"]))  # the first cause of each field
    return causes


def test_each_schema_rule_answers_with_kube_text(api, widgets):
    causes = _invalid(api, _widget(size=11, ratio=1, mode="warp", label="Ab", tags=["a", "b", "c"],
                                   when="yesterday", note=None, port=True))
    assert causes["spec.size"] == ("FieldValueInvalid",
                                   "Invalid value: 11: spec.size in body should be less than or equal to 10")
    assert causes["spec.ratio"] == ("FieldValueInvalid", "Invalid value: 1: spec.ratio in body should be less than 1")
    assert causes["spec.mode"] == ("FieldValueNotSupported",
                                   'Unsupported value: "warp": supported values: "fast", "slow"')
    assert causes["spec.label"] == ("FieldValueInvalid",
                                   'Invalid value: "Ab": spec.label in body should be at least 3 chars long')
    assert causes["spec.tags"] == ("FieldValueTooMany", "Too many: 3: must have at most 2 items")
    assert causes["spec.when"] == ("FieldValueTypeInvalid", 'Invalid value: "yesterday": spec.when in body must '
                                                            'be of type date-time: "yesterday"')
    assert causes["spec.port"][1] == ('Invalid value: "boolean": spec.port in body must be of type '
                                      'integer,string: "boolean"')
    assert "spec.note" not in causes  # nullable
    causes = _invalid(api, _widget(size=0, ratio=0, label="toolongname", tags=[]))
    assert causes["spec.size"][1] == "Invalid value: 0: spec.size in body should be greater than or equal to 1"
    assert causes["spec.ratio"][1] == "Invalid value: 0: spec.ratio in body should be greater than 0"
    assert causes["spec.label"] == ("FieldValueTooLong", "Too long: may not be more than 8 bytes")
    assert causes["spec.tags"][1] == "Invalid value: 0: spec.tags in body should have at least 1 items"
    causes = _invalid(api, _widget(label="abc1", ratio=0.5, tags=["x", "x"]))
    assert causes["spec.label"][1] == "Invalid value: \"abc1\": spec.label in body should match '^[a-z]+$'"
    assert causes["spec.tags[1]"] == ("FieldValueDuplicate", 'Duplicate value: "x"')
    body = _widget()
    del body["spec"]["size"]
    assert _invalid(api, body) == {"spec.size": ("FieldValueRequired", "Required value")}
    causes = _invalid(api, _widget(template={"spec": {}}))
    assert causes["spec.template.apiVersion"] == ("FieldValueRequired", "Required value: must not be empty")
    assert causes["spec.template.kind"] == ("FieldValueRequired", "Required value: must not be empty")


def test_the_message_sums_the_causes_as_kube_does(api, widgets):
    custom = client.CustomObjectsApi(api)
    with pytest.raises(ApiException) as exc:
        custom.create_namespaced_custom_object(GROUP, "v1", "default", "widgets", _widget(size=11, mode="x"))
    message = json.loads(exc.value.body)["message"]
    assert message == ('Widget.example.multus-tui.io "w1" is invalid: [spec.mode: Unsupported value: "x": supported '
                       'values: "fast", "slow", spec.size: Invalid value: 11: spec.size in body should be less than '
                       'or equal to 10]')


def test_defaults_pruning_and_preserved_fields(api, widgets, kubectl):
    custom = client.CustomObjectsApi(api)
    body = _widget(extra={"anything": {"goes": 1}}, template={"apiVersion": "v1", "kind": "Pod",
                                                               "metadata": {"name": "x", "bogus": 1},
                                                               "spec": {"whatever": True}},
                   unknown="dropped", limits={"cpu": 2})
    body["status"] = {"phase": "Running"}
    body["bogusTop"] = 1
    made = custom.create_namespaced_custom_object(GROUP, "v1", "default", "widgets", body)
    spec = made["spec"]
    assert "unknown" not in spec and "bogusTop" not in made
    assert spec["mode"] == "slow" and spec["limits"] == {"cpu": 2, "mem": 64}
    assert spec["extra"] == {"anything": {"goes": 1}}
    assert spec["template"]["spec"] == {"whatever": True} and "bogus" not in spec["template"]["metadata"]
    assert "status" not in made  # create cannot set status with the subresource enabled
    assert made["metadata"]["generation"] == 1
    # kubectl's default (fieldValidation=Strict) refuses the unknown field with kube's text
    proc = _apply(kubectl, {**_widget("w2"), "spec": {"size": 2, "unknown": 1}})
    assert proc.returncode == 1
    assert 'strict decoding error: unknown field "spec.unknown"' in proc.stderr


def test_status_subresource_splits_spec_and_status(api, widgets):
    custom = client.CustomObjectsApi(api)
    custom.create_namespaced_custom_object(GROUP, "v1", "default", "widgets", _widget())
    st = custom.patch_namespaced_custom_object_status(
        GROUP, "v1", "default", "widgets", "w1", {"spec": {"size": 9}, "status": {"phase": "Running"}})
    assert st["status"] == {"phase": "Running"} and st["spec"]["size"] == 3
    assert st["metadata"]["generation"] == 1
    main = custom.patch_namespaced_custom_object(
        GROUP, "v1", "default", "widgets", "w1", {"spec": {"size": 4}, "status": {"phase": "Pending"}})
    assert main["spec"]["size"] == 4 and main["status"] == {"phase": "Running"}
    assert main["metadata"]["generation"] == 2
    with pytest.raises(ApiException) as exc:
        custom.patch_namespaced_custom_object_status(GROUP, "v1", "default", "widgets", "w1",
                                                     {"status": {"phase": "Gone"}})
    causes = json.loads(exc.value.body)["details"]["causes"]
    assert causes == [{"type": "FieldValueNotSupported", "field": "status.phase",
                       "message": 'Unsupported value: "Gone": supported values: "Pending", "Running"'}]


def test_update_without_resource_version_is_refused(api, widgets):
    custom = client.CustomObjectsApi(api)
    custom.create_namespaced_custom_object(GROUP, "v1", "default", "widgets", _widget())
    with pytest.raises(ApiException) as exc:
        custom.replace_namespaced_custom_object(GROUP, "v1", "default", "widgets", "w1", _widget(size=5))
    assert exc.value.status == 422
    assert "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update" in exc.value.body


def test_printer_columns_in_kubectl_get(api, widgets, kubectl):
    custom = client.CustomObjectsApi(api)
    custom.create_namespaced_custom_object(GROUP, "v1", "default", "widgets", _widget(size=7))
    custom.patch_namespaced_custom_object_status(GROUP, "v1", "default", "widgets", "w1", {"status": {
        "phase": "Running", "conditions": [{"type": "Synced", "status": "False"}, {"type": "Ready", "status": "True"}]}})
    lines = kubectl("get", "wg").stdout.splitlines()
    assert lines[0].split() == ["NAME", "SIZE", "PHASE", "READY", "AGE"]
    assert lines[1].split()[:4] == ["w1", "7", "Running", "True"]


def test_crd_change_defaults_objects_on_read_without_a_new_version(api, widgets, kubectl, tmp_path: Path):
    custom = client.CustomObjectsApi(api)
    made = custom.create_namespaced_custom_object(GROUP, "v1", "default", "widgets", _widget())
    crd = json.loads(json.dumps(WIDGET_CRD))
    props = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    props["color"] = {"type": "string", "default": "blue"}
    path = tmp_path / "crd2.yaml"
    path.write_text(yaml.safe_dump(crd))
    kubectl("apply", "-f", str(path))
    read = custom.get_namespaced_custom_object(GROUP, "v1", "default", "widgets", "w1")
    assert read["spec"]["color"] == "blue"
    assert read["metadata"]["resourceVersion"] == made["metadata"]["resourceVersion"]


def test_python_client_watch_of_custom_objects(api, widgets):
    custom = client.CustomObjectsApi(api)
    rv = custom.list_namespaced_custom_object(GROUP, "v1", "default", "widgets")["metadata"]["resourceVersion"]

    def writer() -> None:
        custom.create_namespaced_custom_object(GROUP, "v1", "default", "widgets", _widget())
        custom.patch_namespaced_custom_object(GROUP, "v1", "default", "widgets", "w1", {"spec": {"size": 5}})
        custom.delete_namespaced_custom_object(GROUP, "v1", "default", "widgets", "w1")

    thread = threading.Thread(target=writer)
    thread.start()
    w = watch.Watch()
    seen: list[tuple[str, int, str]] = []
    for ev in w.stream(custom.list_namespaced_custom_object, GROUP, "v1", "default", "widgets",
                       resource_version=rv, timeout_seconds=20):
        seen.append((ev["type"], ev["object"]["spec"]["size"], ev["object"]["spec"]["mode"]))
        if ev["type"] == "DELETED":
            w.stop()
    thread.join(timeout=10)
    # every event carries the stored (defaulted) object
    assert seen == [("ADDED", 3, "slow"), ("MODIFIED", 5, "slow"), ("DELETED", 5, "slow")]


def test_pruning_keeps_what_is_preserved_down_the_tree():
    from multus_tui.sandbox.crd_schema import go_float, prune

    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "known": {"type": "string"},
        "free": {"type": "array", "x-kubernetes-preserve-unknown-fields": True,
                 "items": {"type": "object", "properties": {"n": {"type": "object", "properties": {}}}}}}}}}
    obj = {"spec": {"known": "a", "gone": 1, "free": [{"any": 1, "n": {"x": 2}}]}, "status": {}}
    assert prune(obj, schema) == ["spec.free[0].n.x", "spec.gone", "status"]
    assert obj == {"spec": {"known": "a", "free": [{"any": 1, "n": {}}]}}
    # Go's %v of float64 bounds in messages
    assert [go_float(v) for v in (4094.0, 1e6, 123456.0, 0.5, 1e-05)] == ["4094", "1e+06", "123456", "0.5", "1e-05"]
