"""The real kubectl against the sandbox API server (issue 3's conformance list)."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES
from tests.waiting import TIMEOUT, wait_until

pytestmark = pytest.mark.kubectl

CORPUS = FIXTURES / "sandbox"
MY_NETWORK = CORPUS / "nad-client__artifacts__my-network.yaml"
SRIOV = CORPUS / "sriov-dp__deployments__sriov-crd.yaml"
MACVLAN_AND_POD = CORPUS / "dynamic-networks__examples__original-setup.yaml"
OVS_AND_DEPLOYMENT = CORPUS / "ovs-cni__examples__mirror-producer.yaml"


def test_api_resources_lists_nads_with_short_name(kubectl):
    out = kubectl("api-resources").stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("network-attachment-definitions "))
    assert "net-attach-def" in line
    assert "k8s.cni.cncf.io/v1" in line
    assert "NetworkAttachmentDefinition" in line
    assert any(ln.startswith("pods ") and " po " in ln for ln in out.splitlines())


def test_get_namespaces_prints_kube_columns(kubectl):
    out = kubectl("get", "ns").stdout.splitlines()
    assert out[0].split() == ["NAME", "STATUS", "AGE"]
    names = {ln.split()[0] for ln in out[1:]}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names


@pytest.mark.parametrize("sandbox", ["no-multus"], indirect=True)
def test_without_the_crd_nads_are_not_served(kubectl):
    assert "network-attachment-definitions" not in kubectl("api-resources").stdout
    proc = kubectl("get", "net-attach-def", check=False)
    assert proc.returncode != 0
    assert "doesn't have a resource type" in proc.stderr


def test_client_side_apply_creates_then_is_unchanged_then_configures(kubectl, tmp_path: Path):
    first = kubectl("apply", "-f", str(MY_NETWORK)).stdout
    assert "networkattachmentdefinition.k8s.cni.cncf.io/foo-conf created" in first
    again = kubectl("apply", "-f", str(MY_NETWORK)).stdout
    assert "networkattachmentdefinition.k8s.cni.cncf.io/foo-conf unchanged" in again
    doc = yaml.safe_load("\n".join(ln for ln in MY_NETWORK.read_text().splitlines() if not ln.startswith("#")))
    doc["metadata"]["labels"] = {"tier": "x"}
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(doc))
    assert "configured" in kubectl("apply", "-f", str(changed)).stdout
    live = json.loads(kubectl("get", "net-attach-def", "foo-conf", "-o", "json").stdout)
    assert live["metadata"]["labels"] == {"tier": "x"}
    assert "kubectl.kubernetes.io/last-applied-configuration" in live["metadata"]["annotations"]


def test_client_side_apply_of_a_nad_and_a_pod(kubectl):
    out = kubectl("apply", "-f", str(MACVLAN_AND_POD)).stdout
    assert "networkattachmentdefinition.k8s.cni.cncf.io/macvlan1-config created" in out
    assert "pod/macvlan1-worker1 created" in out
    out = kubectl("apply", "-f", str(MACVLAN_AND_POD)).stdout
    assert "pod/macvlan1-worker1 unchanged" in out
    assert "warning" not in out.lower()


def test_apply_into_a_namespace_with_a_deployment_then_patch_template(kubectl):
    kubectl("create", "namespace", "emu-cni")
    out = kubectl("apply", "-f", str(OVS_AND_DEPLOYMENT)).stdout
    assert "deployment.apps/cni-client-1 created" in out
    kubectl("patch", "deployment", "cni-client-1", "-n", "emu-cni", "-p",
            '{"spec":{"template":{"metadata":{"annotations":{"k8s.v1.cni.cncf.io/networks":"other"}}}}}')
    dep = json.loads(kubectl("get", "deploy", "cni-client-1", "-n", "emu-cni", "-o", "json").stdout)
    assert dep["spec"]["template"]["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"] == "other"
    assert dep["spec"]["template"]["spec"]["containers"][0]["name"] == "samplepod"
    assert dep["metadata"]["generation"] == 2


def test_server_side_apply_twice_and_conflict(kubectl, tmp_path: Path):
    out = kubectl("apply", "--server-side", "-f", str(SRIOV)).stdout
    assert "sriov-net1 serverside-applied" in out
    out = kubectl("apply", "--server-side", "-f", str(SRIOV)).stdout
    assert "sriov-net1 serverside-applied" in out
    live = json.loads(kubectl("get", "nad", "sriov-net1", "-o", "json", "--show-managed-fields").stdout)
    managers = {(m["manager"], m["operation"]) for m in live["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in managers
    doc = json.loads(json.dumps(live))
    other = {"apiVersion": doc["apiVersion"], "kind": doc["kind"], "metadata": {"name": "sriov-net1"},
             "spec": {"config": '{"cniVersion":"0.3.1","type":"sriov","name":"other"}'}}
    f = tmp_path / "other.yaml"
    f.write_text(yaml.safe_dump(other))
    proc = kubectl("apply", "--server-side", "--field-manager", "someone-else", "-f", str(f), check=False)
    assert proc.returncode != 0
    assert 'Apply failed with 1 conflict: conflict with "kubectl": .spec.config' in proc.stderr
    kubectl("apply", "--server-side", "--force-conflicts", "--field-manager", "someone-else", "-f", str(f))
    live = json.loads(kubectl("get", "nad", "sriov-net1", "-o", "json").stdout)
    assert json.loads(live["spec"]["config"])["name"] == "other"


def test_get_nads_all_namespaces_yaml(kubectl):
    kubectl("apply", "-f", str(MY_NETWORK))
    kubectl("apply", "-f", str(SRIOV), "-n", "kube-system")
    doc = yaml.safe_load(kubectl("get", "net-attach-def", "-A", "-o", "yaml").stdout)
    assert doc["kind"] == "List"
    got = {(i["metadata"]["namespace"], i["metadata"]["name"]) for i in doc["items"]}
    assert got == {("default", "foo-conf"), ("kube-system", "sriov-net1")}
    assert all(i["kind"] == "NetworkAttachmentDefinition" for i in doc["items"])
    table = kubectl("get", "net-attach-def", "-A").stdout.splitlines()
    assert table[0].split() == ["NAMESPACE", "NAME", "AGE"]


def test_create_dry_run_server_persists_nothing(kubectl, sandbox):
    seen: list[str] = []
    unsubscribe = sandbox.store.subscribe(lambda typ, res, obj: seen.append(res))
    out = kubectl("create", "--dry-run=server", "-f", str(SRIOV)).stdout
    assert "created (server dry run)" in out
    proc = kubectl("get", "nad", "sriov-net1", check=False)
    assert proc.returncode == 1 and "NotFound" in proc.stderr
    unsubscribe()
    assert "network-attachment-definitions" not in seen


def test_replace_with_stale_resource_version_conflicts(kubectl, tmp_path: Path):
    kubectl("apply", "-f", str(SRIOV))
    stale = tmp_path / "stale.yaml"
    stale.write_text(kubectl("get", "nad", "sriov-net1", "-o", "yaml").stdout)
    kubectl("annotate", "nad", "sriov-net1", "touched=yes")
    proc = kubectl("replace", "-f", str(stale), check=False)
    assert proc.returncode == 1
    assert (f'Error from server (Conflict): error when replacing "{stale}": Operation cannot be fulfilled on '
            'network-attachment-definitions.k8s.cni.cncf.io "sriov-net1": the object has been modified; please '
            'apply your changes to the latest version and try again') in proc.stderr


def test_delete_and_namespace_delete_removes_contents(kubectl):
    kubectl("create", "namespace", "tenant")
    kubectl("apply", "-f", str(SRIOV), "-n", "tenant")
    kubectl("apply", "-f", str(MY_NETWORK), "-n", "tenant")
    assert 'networkattachmentdefinition.k8s.cni.cncf.io "foo-conf" deleted' in \
        kubectl("delete", "nad", "foo-conf", "-n", "tenant").stdout
    assert 'namespace "tenant" deleted' in kubectl("delete", "namespace", "tenant").stdout
    assert "No resources found" in kubectl("get", "nad", "-A").stderr
    proc = kubectl("delete", "nad", "foo-conf", "-n", "tenant", check=False)
    assert proc.returncode == 1 and "NotFound" in proc.stderr


def test_get_pods_watch_shows_a_new_pod(kubectl, sandbox):
    kubectl("run", "before", "--image=busybox:1.36")
    cmd = ["kubectl", "--kubeconfig", str(sandbox.kubeconfig_path), "get", "pods", "-w", "--request-timeout=0"]
    watcher = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={"HOME": str(Path(str(sandbox.kubeconfig_path)).parent), "PATH": "/usr/bin:/bin"})
    out: list[str] = []
    err: list[str] = []
    for stream, lines in ((watcher.stdout, out), (watcher.stderr, err)):
        threading.Thread(target=lambda s=stream, ls=lines: ls.extend(s), daemon=True).start()
    try:
        # kubectl printed its list: it watches from that list's resourceVersion on, so the pod created
        # next reaches it as a watch event, whenever it is created
        wait_until(lambda: any(ln.startswith("before ") for ln in out), what="kubectl's list")
        kubectl("run", "watched", "--image=busybox:1.36")
        wait_until(lambda: any(ln.startswith("watched ") for ln in out), what="the new pod on the watch")
    finally:
        watcher.terminate()
        watcher.wait(TIMEOUT)
    lines = [ln for ln in out if ln.startswith("watched ")]
    assert lines[0].split()[1:3] == ["0/1", "Pending"], "".join(out + err)


def test_get_pods_wide_columns(kubectl):
    kubectl("run", "p1", "--image=busybox:1.36")
    header = kubectl("get", "pods", "-o", "wide").stdout.splitlines()[0].split()
    assert header[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]


def test_describe_pod_and_event_field_selector(kubectl, sandbox):
    kubectl("run", "described", "--image=busybox:1.36")
    uid = sandbox.store.get("pods", "default", "described")["metadata"]["uid"]
    # kubectl describe selects the events by involvedObject name, namespace, kind and uid.
    sandbox.store.create("events", {
        "metadata": {"name": "described.1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": "described", "apiVersion": "v1",
                           "uid": uid},
        "reason": "TestReason", "message": "a test event", "type": "Normal",
        "source": {"component": "test"}, "firstTimestamp": "2026-01-01T00:00:00Z",
        "lastTimestamp": "2026-01-01T00:00:00Z", "count": 1})
    sandbox.store.create("events", {
        "metadata": {"name": "other.1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": "other", "apiVersion": "v1"},
        "reason": "OtherReason", "message": "not this one", "type": "Normal"})
    out = kubectl("describe", "pod", "described").stdout
    assert "Name:" in out and "described" in out
    events = out.split("Events:", 1)[1]
    assert "TestReason" in events and "a test event" in events
    assert "OtherReason" not in events
    out = kubectl("get", "events", "--field-selector", "involvedObject.name=described").stdout
    assert "TestReason" in out and "OtherReason" not in out
    proc = kubectl("get", "events", "--field-selector", "bogus=1", check=False)
    assert proc.returncode == 1 and "field label not supported: bogus" in proc.stderr


def test_readonly_context_is_forbidden_to_write(kubectl):
    assert kubectl("get", "ns", context="sandbox-readonly").returncode == 0
    proc = kubectl("apply", "-f", str(SRIOV), context="sandbox-readonly", check=False)
    assert proc.returncode == 1
    assert ('networkattachmentdefinitions' not in proc.stderr)
    assert ('is forbidden: User "sandbox-readonly" cannot create resource "network-attachment-definitions" in API '
            'group "k8s.cni.cncf.io" in the namespace "default"') in proc.stderr
    proc = kubectl("run", "x", "--image=busybox", context="sandbox-readonly", check=False)
    assert proc.returncode == 1
    assert ('pods is forbidden: User "sandbox-readonly" cannot create resource "pods" in API group "" in the '
            'namespace "default"') in proc.stderr


def test_auth_can_i(kubectl):
    assert kubectl("auth", "can-i", "create", "pods").stdout.strip() == "yes"
    ro = kubectl("auth", "can-i", "create", "pods", context="sandbox-readonly", check=False)
    assert ro.returncode == 1 and ro.stdout.strip() == "no"
    assert kubectl("auth", "can-i", "list", "net-attach-def", context="sandbox-readonly").stdout.strip() == "yes"


def test_unknown_field_is_rejected_by_strict_validation(kubectl, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                                   "metadata": {"name": "bad"}, "spec": {"config": "{}", "conifg": "x"}}))
    proc = kubectl("apply", "-f", str(bad), check=False)
    assert proc.returncode == 1
    assert 'unknown field "spec.conifg"' in proc.stderr


def test_invalid_name_is_rejected_with_kube_message(kubectl, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                                   "metadata": {"name": "Bad_Name"}, "spec": {"config": "{}"}}))
    proc = kubectl("create", "-f", str(bad), check=False)
    assert proc.returncode == 1
    assert ('The NetworkAttachmentDefinition "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": '
            'a lowercase RFC 1123 subdomain must consist of') in proc.stderr


def test_auth_whoami(kubectl):
    assert "sandbox-admin" in kubectl("auth", "whoami").stdout
    assert "sandbox-readonly" in kubectl("auth", "whoami", context="sandbox-readonly").stdout


def test_kubectl_typed_clients_protobuf_bodies(kubectl):
    # create namespace / run / create deployment send protobuf bodies; the sandbox decodes them.
    kubectl("create", "namespace", "pb")
    kubectl("run", "pbpod", "-n", "pb", "--image=busybox:1.36", "--labels=a=b",
            "--annotations=k8s.v1.cni.cncf.io/networks=net1", "--", "sleep", "3600")
    kubectl("create", "deployment", "pbdep", "-n", "pb", "--image=nginx:1.25", "--replicas=2")
    pod = json.loads(kubectl("get", "pod", "pbpod", "-n", "pb", "-o", "json").stdout)
    assert pod["metadata"]["labels"] == {"a": "b"}
    assert pod["metadata"]["annotations"] == {"k8s.v1.cni.cncf.io/networks": "net1"}
    assert pod["spec"]["containers"][0]["args"] == ["sleep", "3600"]
    dep = json.loads(kubectl("get", "deploy", "pbdep", "-n", "pb", "-o", "json").stdout)
    assert dep["spec"]["replicas"] == 2
    assert dep["spec"]["selector"] == {"matchLabels": {"app": "pbdep"}}
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"


def _running_pod_with_attachment(sandbox, name: str = "execpod") -> dict:
    """A running pod whose network-status lists net1, created in one write (the simulator adopts it as is)."""
    sandbox.store.create("nodes", {"metadata": {"name": "exec-node"}})
    status = [{"name": "sandbox-pod-network", "interface": "eth0", "ips": ["10.244.9.7"], "mac": "0a:00:00:00:00:01",
               "default": True, "dns": {}},
              {"name": "default/macvlan", "interface": "net1", "ips": ["192.168.7.20"],
               "mac": "0a:00:00:00:00:02", "dns": {}}]
    return sandbox.store.create("pods", {
        "metadata": {"name": name, "namespace": "default",
                     "annotations": {"k8s.v1.cni.cncf.io/network-status": json.dumps(status)}},
        "spec": {"nodeName": "exec-node", "containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": "Running", "podIP": "10.244.9.7"}})


@pytest.mark.parametrize("sandbox", ["no-multus"], indirect=True)
def test_exec_shows_the_pod_attachments(kubectl, sandbox):
    _running_pod_with_attachment(sandbox)
    out = kubectl("exec", "execpod", "--", "ip", "addr").stdout
    assert "inet 192.168.7.20/24" in out and "net1" in out and "inet 10.244.9.7/24" in out
    assert "dev net1" in kubectl("exec", "execpod", "--", "ip", "route").stdout
    proc = kubectl("exec", "execpod", "--", "nosuch", check=False)
    assert proc.returncode == 127 and "command terminated with exit code 127" in proc.stderr
    piped = kubectl("exec", "-i", "execpod", "--", "sh", input="hostname\nexit 4\n", check=False)
    assert piped.stdout == "execpod\n" and piped.returncode == 4
    ro = kubectl("exec", "execpod", "--", "ip", "a", context="sandbox-readonly", check=False)
    assert ro.returncode == 1
    assert 'cannot create resource "pods/exec" in API group "" in the namespace "default"' in ro.stderr


@pytest.mark.parametrize("sandbox", ["no-multus"], indirect=True)
def test_exec_interactive_tty_shell(kubectl, sandbox):
    import os
    import pty
    import select

    _running_pod_with_attachment(sandbox)
    pid, fd = pty.fork()
    if pid == 0:  # child: kubectl on a real terminal
        os.execv("/usr/bin/kubectl", ["kubectl", "--kubeconfig", str(sandbox.kubeconfig_path), "exec", "-it",
                                      "execpod", "--", "sh"])
    out = b""

    def read_until(marker: bytes, timeout: float = 10) -> None:
        nonlocal out
        end = time.monotonic() + timeout
        while marker not in out and time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return

    try:
        read_until(b"/ # ")
        os.write(fd, b"ip a\r")
        read_until(b"192.168.7.20")
        os.write(fd, b"exit\r")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    assert b"/ # " in out and b"inet 192.168.7.20/24" in out
    assert os.WEXITSTATUS(status) == 0


@pytest.mark.parametrize("sandbox", [{"scenario": "empty", "pod_start_delay_s": 120}], indirect=True)
def test_logs_of_a_pending_pod_explain_why(kubectl, sandbox):
    sandbox.store.create("pods", {"metadata": {"name": "waiting", "namespace": "default"},
                                  "spec": {"nodeName": "nowhere", "containers": [{"name": "c", "image": "busybox"}]},
                                  "status": {"phase": "Pending", "containerStatuses": [{
                                      "name": "c", "ready": False, "restartCount": 0,
                                      "state": {"waiting": {"reason": "ContainerCreating"}}}]}})
    proc = kubectl("logs", "waiting", check=False)
    assert proc.returncode == 1
    assert 'container "c" in pod "waiting" is waiting to start: ContainerCreating' in proc.stderr


def test_apply_of_a_kind_the_cluster_does_not_serve_fails_like_kube(kubectl, tmp_path: Path):
    # kubectl validates it against /openapi/v2 (protobuf), finds no schema, then fails the mapping.
    f = tmp_path / "claim.yaml"
    f.write_text(yaml.safe_dump({"apiVersion": "resource.k8s.io/v1beta1", "kind": "ResourceClaimTemplate",
                                 "metadata": {"name": "x"}, "spec": {}}))
    proc = kubectl("apply", "-f", str(f), check=False)
    assert proc.returncode == 1
    assert 'no matches for kind "ResourceClaimTemplate" in version "resource.k8s.io/v1beta1"' in proc.stderr
    assert "ensure CRDs are installed first" in proc.stderr
