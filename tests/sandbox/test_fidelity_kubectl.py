"""Fidelity audit: behaviours of kube-apiserver that the real kubectl can observe, each proved against the sandbox.

Every test names the kube-apiserver behaviour it pins; a failure means kubectl (or a client) could tell
the sandbox from a real cluster.
"""

from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.kubectl


def _rv(kubectl, *what: str) -> str:
    return kubectl("get", *what, "-o", "jsonpath={.metadata.resourceVersion}").stdout


@pytest.mark.parametrize("sandbox", [{"scenario": "seed", "pod_start_delay_s": 60}], indirect=True)
def test_repeated_patch_is_a_no_op_across_seconds(kubectl):
    # kube-apiserver ignores managedFields timestamps when nothing else changed
    # (IgnoreManagedFieldsTimestampsTransformer): the same patch again keeps the resourceVersion and
    # kubectl says "(no change)", whichever patch type and however much later.
    for typ, body in (("merge", '{"metadata":{"labels":{"m":"1"}}}'),
                      ("strategic", '{"metadata":{"labels":{"s":"1"}}}'),
                      ("json", '[{"op":"add","path":"/metadata/labels/j","value":"1"}]')):
        assert kubectl("patch", "pod", "samplepod", "--type", typ, "-p", body).stdout.strip() == \
            "pod/samplepod patched"
        before = _rv(kubectl, "pod", "samplepod")
        time.sleep(1.1)  # managedFields times have a one-second resolution
        out = kubectl("patch", "pod", "samplepod", "--type", typ, "-p", body).stdout.strip()
        assert out == "pod/samplepod patched (no change)", typ
        assert _rv(kubectl, "pod", "samplepod") == before


@pytest.mark.parametrize("sandbox", [{"scenario": "seed", "pod_start_delay_s": 60}], indirect=True)
def test_label_overwrite_with_same_value_keeps_resource_version(kubectl):
    kubectl("label", "pod", "samplepod", "tier=a")
    before = _rv(kubectl, "pod", "samplepod")
    time.sleep(1.1)
    kubectl("label", "pod", "samplepod", "tier=a", "--overwrite")
    assert _rv(kubectl, "pod", "samplepod") == before
    live = json.loads(kubectl("get", "pod", "samplepod", "-o", "json").stdout)
    assert live["metadata"]["labels"]["tier"] == "a"


def test_auth_can_i_list_uses_self_subject_rules_review(kubectl):
    # kubectl auth can-i --list POSTs a SelfSubjectRulesReview (protobuf); kube answers with the
    # user's RBAC rules plus the bootstrap basic-user/discovery rules every user has.
    lines = kubectl("auth", "can-i", "--list").stdout.splitlines()
    assert lines[0].split() == ["Resources", "Non-Resource", "URLs", "Resource", "Names", "Verbs"]
    rows = [ln.split() for ln in lines[1:]]
    assert ["*.*", "[]", "[]", "[*]"] in rows
    assert ["[*]", "[]", "[*]"] in rows
    assert ["selfsubjectaccessreviews.authorization.k8s.io", "[]", "[]", "[create]"] in rows
    assert ["[/version]", "[]", "[get]"] in rows
    ro = [ln.split() for ln in kubectl("auth", "can-i", "--list", context="sandbox-readonly").stdout.splitlines()]
    assert ["*.*", "[]", "[]", "[get", "list", "watch]"] in ro
    assert ["*.*", "[]", "[]", "[*]"] not in ro


def test_responses_carry_kube_apiserver_headers(kubectl):
    # kube-apiserver stamps every response with Audit-Id, Cache-Control and the APF flow schema and
    # priority level UIDs, and sends no Server header; kubectl -v=8 prints them.
    err = kubectl("get", "ns", "default", "-v=8").stderr
    headers = {}
    for ln in err.splitlines():
        # client-go logs response headers as `    Name: value` lines after "Response Status".
        if "round_trippers.go" in ln and ": " in ln.split("] ", 1)[-1]:
            name, _, value = ln.split("] ", 1)[-1].strip().partition(": ")
            headers.setdefault(name, value)
    assert len(headers.get("Audit-Id", "")) == 36, headers
    assert headers.get("Cache-Control") == "no-cache, private"
    assert headers.get("X-Kubernetes-Pf-Flowschema-Uid")
    assert headers.get("X-Kubernetes-Pf-Prioritylevel-Uid")
    assert "Server" not in headers


NEW_NAD = """apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: difftest
  labels: {a: "1"}
spec:
  config: '{"cniVersion":"0.3.1","type":"macvlan","master":"eth0","ipam":{"type":"static"}}'
"""


def test_diff_of_a_new_object_shows_no_resource_version(kubectl, tmp_path):
    # A dry-run create is never written to etcd: kube returns uid, creationTimestamp and
    # generation but no resourceVersion, and `kubectl diff` shows exactly that (exit 1 = differences).
    f = tmp_path / "nad.yaml"
    f.write_text(NEW_NAD)
    proc = kubectl("diff", "-f", str(f), check=False)
    assert proc.returncode == 1, proc.stderr
    added = [ln[1:].strip() for ln in proc.stdout.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    assert "generation: 1" in added and any(a.startswith("uid: ") for a in added)
    assert not any(a.startswith("resourceVersion") for a in added), added
    out = kubectl("create", "--dry-run=server", "-f", str(f), "-o", "json").stdout
    assert "resourceVersion" not in json.loads(out)["metadata"]
    # Once applied, the same file diffs clean (exit 0), and a label change shows only that line.
    kubectl("apply", "-f", str(f))
    assert kubectl("diff", "-f", str(f)).stdout == ""
    f.write_text(NEW_NAD.replace('a: "1"', 'a: "2"'))
    proc = kubectl("diff", "-f", str(f), check=False)
    assert proc.returncode == 1
    changed = [ln for ln in proc.stdout.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
    assert [c.strip() for c in changed] == ['-    a: "1"', '+    a: "2"']


@pytest.mark.parametrize("sandbox", ["seed"], indirect=True)
def test_pod_deletion_is_graceful_terminating_then_deleted(kubectl, sandbox, monkeypatch):
    # A pod bound to a node gets a deletionTimestamp first (kubectl shows Terminating, watchers see
    # MODIFIED), the kubelet stops it, then it is DELETED; `kubectl delete` waits for that. A forced
    # grace-0 delete removes it at once.
    from multus_tui.sandbox import server

    # The simulated kubelet confirms after 0.5 s; on a loaded machine the next kubectl may start
    # later than that, so give it time to see Terminating.
    monkeypatch.setattr(server, "POD_TERMINATION_S", 5.0)
    kubectl("wait", "--for=condition=Ready", "pod/pool-twin", "--timeout=60s")
    out = kubectl("delete", "pod", "pool-twin", "--wait=false").stdout
    assert out.strip() == 'pod "pool-twin" deleted'
    live = json.loads(kubectl("get", "pod", "pool-twin", "-o", "json").stdout)
    assert live["metadata"]["deletionTimestamp"] and live["metadata"]["deletionGracePeriodSeconds"] == 30
    assert "Terminating" in kubectl("get", "pod", "pool-twin").stdout
    kubectl("wait", "--for=delete", "pod/pool-twin", "--timeout=60s")
    assert kubectl("get", "pod", "pool-twin", check=False).returncode == 1
    proc = kubectl("delete", "pod", "samplepod", "--grace-period=0", "--force")
    assert "Immediate deletion does not wait for confirmation" in proc.stderr
    assert kubectl("get", "pod", "samplepod", check=False).returncode == 1


@pytest.mark.parametrize("sandbox", [{"scenario": "seed", "pod_start_delay_s": 60}], indirect=True)
def test_failed_json_patch_operation_is_kube_generic_invalid(kubectl):
    # kube-apiserver answers a JSON patch operation that does not apply with
    # NewGenericServerResponse(422): reason Invalid, the generic message, json-patch's text dropped.
    for ops in ('[{"op":"remove","path":"/metadata/labels/absent"}]',
                '[{"op":"test","path":"/metadata/name","value":"other"}]'):
        proc = kubectl("patch", "pod", "samplepod", "--type", "json", "-p", ops, check=False)
        assert proc.returncode == 1
        assert proc.stderr.strip() == ("The request is invalid: the server rejected our request due to an error "
                                       "in our request")


def test_explain_net_attach_def_as_with_the_upstream_crd(kubectl):
    # The NAD CRD's schema is multus-cni's deployments/multus-daemonset.yml one, with the field
    # descriptions `kubectl explain` prints.
    out = kubectl("explain", "net-attach-def").stdout
    assert "APIVersion defines the versioned schema of this represen tation" in " ".join(out.split())
    assert "Kind is a string value representing the REST resource" in " ".join(out.split())
    out = kubectl("explain", "nad.spec.config").stdout
    assert "NetworkAttachmentDefinition config is a JSON-formatted CNI configuration" in out


def test_cluster_info_and_services_are_served(kubectl):
    # kubectl cluster-info lists kube-system services labelled kubernetes.io/cluster-service=true; without
    # a services resource it failed with 'the server doesn't have a resource type "services"'.
    out = kubectl("cluster-info").stdout
    assert out.startswith("Kubernetes control plane is running at https://127.0.0.1:")
    kubectl("apply", "-f", "-", input="apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
                                      "spec:\n  selector: {app: web}\n  ports: [{port: 80}]\n")
    lines = kubectl("get", "svc", "-o", "wide").stdout.splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]
    assert lines[1].split()[:2] == ["web", "ClusterIP"] and "80/TCP" in lines[1] and "app=web" in lines[1]
    assert "service/web" in kubectl("get", "all").stdout
