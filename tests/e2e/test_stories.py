"""Every user story, end to end, in a real terminal, as a person does it.

The installed `multus-tui` console script runs in tmux against a sandbox started as its own process
(`multus-tui sandbox`). Each story is driven through the UI only (send-keys; no kubectl writes except
where the story is "someone else changes the cluster"), its result is checked on the screen and with
the real kubectl, and the app must still be alive at the end and quit with exit code 0.

Keys are counted (`Term.keys_pressed`, beyond the characters of typed values) and printed, so the cost
of a story from the keyboard is visible in the test output.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time

import pytest

from tests.e2e.conftest import Sandbox, Term

pytestmark = pytest.mark.kubectl

ATTACHED_IP = re.compile(r"attached")


def open_namespace(t: Term, namespace: str) -> None:
    """From home: filter to the namespace and open it (k9s-style `/`)."""
    t.wait("Namespaces", 60, "the home screen")
    t.wait(lambda s: "live" in s and namespace in s, 30, "the store to be live")
    filter_to(t, namespace)
    t.wait(lambda s: _rows_after(s, "NAMESPACE") == [namespace], 10, f"home filtered to {namespace}")
    t.keys("Enter", "Enter")
    t.wait(f"Namespace {namespace}", 10)


def filter_to(t: Term, text: str) -> None:
    """`/` then the text, once the filter shows (keys on their way before it opens stay with the table)."""
    t.keys("/")
    t.wait("filter (substring", 10, "the filter input")
    t.type(text)


def _rows_after(screen: str, header: str) -> list[str]:
    lines = screen.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith(header):
            rows = []
            for row in lines[i + 1:]:
                words = row.split()
                if not words or not re.match(r"^[a-z0-9][-a-z0-9.]*$", words[0]):
                    break
                rows.append(words[0])
            return rows
    return []


def network_status(sb: Sandbox, namespace: str, pod: str) -> list[dict]:
    obj = sb.get("pod", pod, namespace)
    value = (obj["metadata"].get("annotations") or {}).get("k8s.v1.cni.cncf.io/network-status")
    return json.loads(value) if value else []


def secondary(sb: Sandbox, namespace: str, pod: str) -> list[dict]:
    return [e for e in network_status(sb, namespace, pod) if "/" in e.get("name", "")]


def report(t: Term, story: str) -> None:
    tabs = sum(1 for k in t.log if k == "Tab")
    print(f"\n[{story}] keys pressed beyond typed values: {t.keys_pressed} ({tabs} Tab); characters typed: {t.typed}")
    print(f"[{story}] sequence: {' '.join(t.log)}")


def test_s5_test_pod_created_and_followed_until_attached(sandbox_factory, term_factory):
    """S5: a test pod from the pool NAD, followed live until attached; its address is kubectl's."""
    sb = sandbox_factory("seed")
    t = term_factory(sb)
    open_namespace(t, "default")
    # the Attachments tab lists the pool of kube-system; attach from its row
    filter_to(t, "pool")
    t.wait(lambda s: "vlan1-internal-pool" in s and "vlan1-internal-static " not in s, 10, "the pool's row")
    t.keys("Enter", "a")
    screen = t.wait("Networks (in order", 15, "the attach builder")
    # samplepod exists (the seed's S5 pod): the builder proposes a free name, never one the API refuses
    assert "samplepod-2" in screen
    # node-4 has no k8s-vlan1: the pre-check says so before anything is created, naming the nodes
    t.wait("which has no k8s-vlan1", 10, "the placement warning")
    t.keys("C-s")
    dialog = t.wait(lambda s: "Create the test pod?" in s and "y Yes" in s, 10, "the confirm dialog")
    assert "node-4" in dialog and "Pin (kubernetes.io/hostname=node-1) and create" in dialog
    # the dialog's own keys are in its footer, not the builder's
    footer = dialog.rstrip().splitlines()[-1]
    assert "y Yes" in footer and "Create pod" not in footer, footer
    t.keys("Tab", "Enter")  # Cancel has the focus: Tab wraps to the first button, "Pin … and create"
    screen = t.wait(ATTACHED_IP, 45, "samplepod-2 attached")
    t.assert_alive()
    pod = sb.get("pod", "samplepod-2")
    assert pod["spec"]["nodeSelector"] == {"kubernetes.io/hostname": "node-1"}
    assert pod["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"] == "kube-system/vlan1-internal-pool"
    (entry,) = secondary(sb, "default", "samplepod-2")
    (ip,) = entry["ips"]
    assert ipaddress.ip_address("192.168.0.20") <= ipaddress.ip_address(ip) <= ipaddress.ip_address("192.168.0.49")
    row = next(line for line in screen.splitlines() if "kube-system/vlan1-internal-pool" in line)
    assert ip in row and entry["interface"] in row and "attached" in row
    # the toast of the creation did not end the app (it did, with a Text handed to notify)
    t.wait("Created pod default/samplepod-2", 5)
    report(t, "S5")
    t.quit()


# --------------------------------------------------------------------------- the NAD builder


def help_line(screen: str) -> str:
    """The builders' help line: the focused field (its config path, or its label) and what it is for."""
    for line in screen.splitlines():
        if "▸ " in line:
            return line.split("▸ ", 1)[1].strip()
    return ""


def tab_to(t: Term, text: str, limit: int = 40) -> None:
    """Tab until the focused field is the one whose help line starts with `text` (every Tab counted)."""
    for _ in range(limit):
        before = help_line(t.screen())
        if before.startswith(text):
            # a busy app may still be drawing what earlier keys did: the focus must stay put
            time.sleep(0.4)
            if help_line(t.screen()).startswith(text):
                return
            continue
        t.keys("Tab")
        # the next check must see this Tab's result, not a screen not yet redrawn (every focusable
        # widget names itself on the help line, so the line changes)
        t.wait(lambda s, b=before: help_line(s) != b, 30, f"the focus to move on from {before!r} (keys: {t.log})")
    raise AssertionError(f"never reached {text!r} with Tab; help line: {help_line(t.screen())!r}")


def goto(t: Term, path: str) -> None:
    """ctrl+f, the field's path, enter: the builder's field finder (robust where Tab counts are not)."""
    t.keys("C-f")
    t.wait("Go to field", 10)
    t.type(path)
    time.sleep(0.2)
    t.keys("Enter")
    t.wait(lambda s: help_line(s).startswith(path), 10, f"the focus on {path}")


def choose(t: Term, text: str) -> None:
    """In a focused Select: open it, type to find the option, take it. Each step waits for the one
    before it to show (a loaded machine draws late, and text typed before the list is open is lost):
    the list is open when the help line no longer names the Select (the focus is in the list), and
    closed when it names it again."""
    closed = help_line(t.screen())
    t.keys("Enter")
    opened = t.wait(lambda s: help_line(s) != closed, 15, f"the options list to open (to choose {text!r})")
    t.type(text)
    try:  # typing moves the highlight, unless it already was on the option
        t.wait(lambda s: s != opened, 2)
    except AssertionError:
        pass
    time.sleep(0.2)
    t.keys("Enter")
    t.wait(lambda s: help_line(s) == closed, 15, f"the options list to close (chose {text!r})")

def new_macvlan_nad(t: Term, namespace: str, name: str, ipam: str, ready: str) -> None:
    """From home: the namespace, `c`, then the fields every story's NAD shares (name, cniVersion 0.3.1,
    macvlan master k8s-vlan1) and its IPAM type; returns once `ready` shows and the focus is back on
    the IPAM type (the section is rebuilt for the type)."""
    open_namespace(t, namespace)
    t.keys("c")
    t.wait("New NetworkAttachmentDefinition", 15)
    t.wait(lambda s: help_line(s).startswith("metadata.name"), 10, "focus in the name field")
    t.type(name)
    tab_to(t, "cniVersion")
    choose(t, "0.3.1")
    t.wait('"cniVersion": "0.3.1"', 10)
    goto(t, "plugins[0].master")
    t.type("k8s-vlan1")
    goto(t, "plugins[0].ipam.type")
    choose(t, ipam)
    t.wait(lambda s: ready in s and help_line(s).startswith("plugins[0].ipam.type"), 10, f"{ipam}'s fields")


def review_and_apply(t: Term, back_to: str) -> None:
    """ctrl+s; node-4 has no k8s-vlan1 (NodeNetworkState): confirm that warning with y; the dry run; apply."""
    t.keys("C-s")
    t.wait(lambda s: "Apply anyway?" in s and "node-4" in s, 15, "the warnings' confirmation")
    t.keys("y")
    t.wait(lambda s: "Accepted by the server" in s, 20, "the dry run")
    t.keys("C-s")
    t.wait(back_to, 15, "back after the apply")


def test_s1_built_through_the_form_and_applied(sandbox_factory, term_factory):
    """S1: macvlan on k8s-vlan1 + static 192.168.0.20/24 gw .254 + sbr, cniVersion 0.3.1, built field by
    field (no template), reviewed, applied; kubectl reads back exactly that config."""
    sb = sandbox_factory("empty")
    t = term_factory(sb)
    new_macvlan_nad(t, "default", "vlan1-internal-static", "static", "+ address")
    goto(t, "+ address")
    t.keys("Enter")
    # the new row's first field has the focus
    t.wait(lambda s: help_line(s).startswith("plugins[0].ipam.addresses[0].address"), 10, "the new address row")
    t.type("192.168.0.20/24")
    t.keys("Tab")
    t.wait(lambda s: help_line(s).startswith("plugins[0].ipam.addresses[0].gateway"), 10, "the gateway")
    t.type("192.168.0.254")
    goto(t, "add-chained")
    choose(t, "sbr")
    t.wait("1. sbr — ", 10, "sbr chained")
    # focus is not on the new plugin's ✕: Enter again must not remove it
    assert "remove this plugin" not in help_line(t.screen())
    review_and_apply(t, "applied")
    obj = sb.get("net-attach-def", "vlan1-internal-static")
    config = json.loads(obj["spec"]["config"])
    assert config == {
        "cniVersion": "0.3.1", "name": "vlan1-internal-static",
        "plugins": [{"type": "macvlan", "master": "k8s-vlan1",
                     "ipam": {"type": "static",
                              "addresses": [{"address": "192.168.0.20/24", "gateway": "192.168.0.254"}]}},
                    {"type": "sbr"}]}, config
    report(t, "S1")
    t.quit()


def in_row(screen: str, *words: str) -> str | None:
    """The first screen line containing every word."""
    return next((line for line in screen.splitlines() if all(w in line for w in words)), None)


def test_s2_nad_with_ips_capability_then_a_pod_passing_ips_and_default_route(sandbox_factory, term_factory):
    """S2: a single-plugin macvlan NAD with capability ips and static IPAM without addresses, built in the
    form; then a pod whose JSON annotation carries ips and default-route, created and attached."""
    sb = sandbox_factory("empty")
    t = term_factory(sb)
    new_macvlan_nad(t, "default", "vlan1-internal-static-dr", "static", "ips —")
    # a new NAD is a single-plugin config until a plugin is chained: S2 needs no list
    assert '"plugins"' not in t.screen()
    goto(t, "plugins[0].capabilities.ips")
    t.keys("space")
    t.wait('"ips": true', 10)
    review_and_apply(t, "Namespace default")
    config = json.loads(sb.get("net-attach-def", "vlan1-internal-static-dr")["spec"]["config"])
    assert config.get("capabilities") == {"ips": True} and config["ipam"] == {"type": "static"}, config
    assert "plugins" not in config and config["master"] == "k8s-vlan1"

    # the pod side: attach from the new NAD's row
    t.wait("vlan1-internal-static-dr", 15, "the new NAD in the list")
    t.keys("a")
    t.wait("Networks (in order", 15, "the attach builder")
    screen = t.wait(lambda s: "ips honoured" in s and help_line(s).startswith("networks"), 10,
                    "the ips hint (the NAD honours ips), focus on the networks")
    assert 'does not declare the "ips" capability' not in screen
    tab_to(t, "ips")
    t.type("192.168.0.20/24")
    tab_to(t, "default-route")
    t.type("192.168.0.254")
    screen = t.wait('"default-route"', 10, "the JSON form of the annotation")
    assert "capability" not in "\n".join(line for line in screen.splitlines() if line.lstrip().startswith(("!", "✗")))
    t.keys("C-s")
    t.wait(lambda s: "Create the test pod?" in s and "y Yes" in s, 10)
    t.keys("Tab", "Enter")  # Pin to a node with k8s-vlan1 and create
    t.wait("attached", 45, "the pod attached")
    pod = sb.get("pod", "samplepod")
    assert json.loads(pod["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"]) == [
        {"name": "vlan1-internal-static-dr", "ips": ["192.168.0.20/24"], "default-route": ["192.168.0.254"]}]
    (entry,) = secondary(sb, "default", "samplepod")
    assert entry["ips"] == ["192.168.0.20"]
    # the default route leaves through the attachment (the sandbox's shell answers from what Multus set up)
    routes = sb.kubectl("exec", "samplepod", "--", "ip", "route")
    assert re.search(rf"^default via 192\.168\.0\.254 dev {entry['interface']}", routes, re.M), routes
    report(t, "S2")
    t.quit()


def test_s3_dns_override_on_a_test_pod(sandbox_factory, term_factory):
    """S3: per-pod DNS servers (dnsPolicy None) on a test pod, with the warning that cluster names stop
    resolving; kubectl reads back the pod's dnsPolicy and dnsConfig."""
    sb = sandbox_factory("seed")
    t = term_factory(sb)
    open_namespace(t, "default")
    filter_to(t, "static")
    t.wait(lambda s: in_row(s, "vlan1-internal-static ") is not None and "vlan1-internal-pool" not in s, 10)
    t.keys("Enter", "a")
    t.wait(lambda s: help_line(s).startswith("networks"), 15, "the attach builder, focus on the networks")
    tab_to(t, "override")
    t.keys("space")
    t.wait("nameservers", 10)
    tab_to(t, "nameservers")
    t.type("192.168.0.1, 192.168.0.2")
    tab_to(t, "searches")
    t.type("zencoffee.org")
    screen = t.wait("stop resolving", 10, "the cluster-DNS warning")
    assert "*.svc.cluster.local" in screen
    t.keys("C-s")
    t.wait(lambda s: "Create the test pod?" in s and "y Yes" in s, 15)
    t.keys("Tab", "Enter")  # Pin to a node with k8s-vlan1 and create
    t.wait(re.compile(r"attached\s+\(pod Running"), 45, "the pod attached")
    pod = sb.get("pod", "samplepod-2")
    assert pod["spec"]["dnsPolicy"] == "None"
    assert pod["spec"]["dnsConfig"] == {"nameservers": ["192.168.0.1", "192.168.0.2"], "searches": ["zencoffee.org"]}
    report(t, "S3")
    t.quit()


def test_s4_pool_in_kube_system_used_from_another_namespace(sandbox_factory, term_factory):
    """S4: a host-local pool NAD built in kube-system (range .20-.49, gateway .254, sbr), then a pod in
    tenant-a attached to it as kube-system/vlan1-internal-pool: its address is in the range."""
    sb = sandbox_factory("empty")
    t = term_factory(sb)
    new_macvlan_nad(t, "kube-system", "vlan1-internal-pool", "host-local", "+ range set")
    goto(t, "+ range set")
    t.keys("Enter")
    t.wait(lambda s: help_line(s).startswith("plugins[0].ipam.ranges[0][0].subnet"), 10, "the new range's subnet")
    t.type("192.168.0.0/24")
    tab_to(t, "plugins[0].ipam.ranges[0][0].rangeStart")
    t.type("192.168.0.20")
    tab_to(t, "plugins[0].ipam.ranges[0][0].rangeEnd")
    t.type("192.168.0.49")
    tab_to(t, "plugins[0].ipam.ranges[0][0].gateway")
    t.type("192.168.0.254")
    goto(t, "add-chained")
    choose(t, "sbr")
    t.wait("1. sbr — ", 10, "sbr chained")
    review_and_apply(t, "Namespace kube-system")
    ipam = json.loads(sb.get("net-attach-def", "vlan1-internal-pool", "kube-system")["spec"]["config"])
    assert ipam["plugins"][0]["ipam"] == {"type": "host-local", "ranges": [[{
        "subnet": "192.168.0.0/24", "rangeStart": "192.168.0.20", "rangeEnd": "192.168.0.49",
        "gateway": "192.168.0.254"}]]}
    assert [p["type"] for p in ipam["plugins"]] == ["macvlan", "sbr"]

    # from tenant-a (k9s' `:ns`): the pool is offered as a NAD of another namespace (↗ kube-system)
    t.keys(":")
    t.wait("ns NAME", 10, "the command line")
    t.type("ns tenant-a")
    t.keys("Enter")
    t.wait("Namespace tenant-a", 15)
    screen = t.wait("vlan1-internal-pool", 15)
    assert "↗ kube-system" in in_row(screen, "vlan1-internal-pool")
    t.keys("a")
    t.wait("kube-system/vlan1-internal-pool", 15)
    t.keys("C-s")
    t.wait(lambda s: "Create the test pod?" in s and "y Yes" in s, 15)
    t.keys("Tab", "Enter")  # Pin to a node with k8s-vlan1 and create
    t.wait(re.compile(r"attached\s+\(pod Running"), 45, "the pod attached")
    pod = sb.get("pod", "samplepod", "tenant-a")
    assert pod["metadata"]["annotations"]["k8s.v1.cni.cncf.io/networks"] == "kube-system/vlan1-internal-pool"
    (entry,) = secondary(sb, "tenant-a", "samplepod")
    (ip,) = entry["ips"]
    assert ipaddress.ip_address("192.168.0.20") <= ipaddress.ip_address(ip) <= ipaddress.ip_address("192.168.0.49")
    report(t, "S4")
    t.quit()


def test_a_pod_waiting_for_a_missing_nad_turns_attached_when_it_is_created(sandbox_factory, term_factory):
    """tenant-a/waiting-for-nad references vlan1-later, which does not exist: the Pods tab says why it
    fails; someone creates the NAD with kubectl; the same row turns attached, with the address."""
    sb = sandbox_factory("seed")
    t = term_factory(sb)
    open_namespace(t, "tenant-a")
    t.keys("2")
    screen = t.wait(lambda s: (row := in_row(s, "waiting-for-nad", "vlan1-later")) is not None and "fail" in row,
                    30, "the waiting pod failing")
    row = in_row(screen, "waiting-for-nad", "vlan1-later")
    assert "failed" in row, row
    sb.kubectl("apply", "-f", "-", stdin=json.dumps({
        "apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": "vlan1-later", "namespace": "tenant-a"},
        "spec": {"config": json.dumps({"cniVersion": "0.3.1", "name": "vlan1-later", "type": "macvlan",
                                       "master": "k8s-vlan1",
                                       "ipam": {"type": "static", "addresses": [{"address": "192.168.7.5/24"}]}})}}))
    screen = t.wait(lambda s: (row := in_row(s, "waiting-for-nad", "vlan1-later")) is not None and "attached" in row,
                    60, "the same pod attached")
    assert "192.168.7.5" in in_row(screen, "waiting-for-nad", "vlan1-later")
    (entry,) = secondary(sb, "tenant-a", "waiting-for-nad")
    assert entry["ips"] == ["192.168.7.5"]
    report(t, "missing NAD")
    t.quit()


def test_editing_a_nad_that_kubectl_created(sandbox_factory, term_factory):
    """`e` on a NAD made by `kubectl apply`: the review names the field kubectl owns, the takeover is
    confirmed, the change lands with every other key where it was (kubectl reads it back)."""
    sb = sandbox_factory("seed")
    before = json.loads(sb.get("net-attach-def", "vlan1-internal-static")["spec"]["config"])
    t = term_factory(sb)
    open_namespace(t, "default")
    filter_to(t, "static")
    t.wait(lambda s: in_row(s, "vlan1-internal-static ") is not None and "vlan1-internal-pool" not in s, 10)
    t.keys("Enter", "e")
    t.wait("Edit default/vlan1-internal-static", 15)
    t.wait(lambda s: help_line(s).startswith("metadata.description"), 15, "focus on the first editable field")
    goto(t, "plugins[0].mode")
    choose(t, "vepa")
    t.wait('"mode": "vepa"', 10)
    t.keys("C-s")
    t.wait(lambda s: "Apply anyway?" in s, 15, "the warnings' confirmation (node-4 has no k8s-vlan1)")
    t.keys("y")
    screen = t.wait(lambda s: "Other field managers own fields" in s and "Take over & apply" in s, 20,
                    "the takeover in the review")
    assert ".spec.config is owned by kubectl-client-side-apply" in screen
    t.keys("C-s")
    dialog = t.wait(lambda s: "Take over .spec.config from kubectl-client-side-apply?" in s and "y Yes" in s, 10)
    assert "with force" in " ".join(dialog.split())
    t.keys("y")
    t.wait("applied", 20)
    obj = json.loads(sb.kubectl("get", "net-attach-def", "vlan1-internal-static", "-o", "json", "--show-managed-fields"))
    after = json.loads(obj["spec"]["config"])
    assert after["plugins"][0]["mode"] == "vepa"
    assert list(after["plugins"][0]) == list(before["plugins"][0]) and after["plugins"][1:] == before["plugins"][1:]
    owners = [e["manager"] for e in obj["metadata"]["managedFields"] if "f:config" in json.dumps(e.get("fieldsV1"))]
    assert owners == ["multus-tui"], owners
    report(t, "edit")
    t.quit()


def test_deleting_a_nad_in_use(sandbox_factory, term_factory):
    """ctrl+d on a NAD a running pod uses: the dialog names the pod; y deletes; the pod keeps running."""
    sb = sandbox_factory("seed")
    t = term_factory(sb)
    open_namespace(t, "default")
    filter_to(t, "static")
    t.wait(lambda s: in_row(s, "vlan1-internal-static ") is not None and "vlan1-internal-pool" not in s, 10)
    t.keys("Enter")
    t.wait("vlan1-internal-static", 10)
    t.keys("C-d")
    dialog = t.wait(lambda s: "Delete NetworkAttachmentDefinition default/vlan1-internal-static?" in s
                    and "y Yes, delete" in s, 15, "the delete dialog")
    assert "default/dns-override" in dialog and "1 pod(s) reference it" in dialog
    t.keys("y")
    t.wait("default/vlan1-internal-static deleted", 20)
    assert not sb.kubectl_ok("get", "net-attach-def", "vlan1-internal-static", "-n", "default")
    assert sb.get("pod", "dns-override")["status"]["phase"] == "Running"
    report(t, "delete")
    t.quit()


def test_read_only_context_and_switching_back(sandbox_factory, term_factory):
    """--context sandbox-readonly: [readonly], the write keys hidden or relabelled offline; ctrl+o to the
    admin context: writes are back (a delete confirmed with y reaches the cluster); and back again."""
    sb = sandbox_factory("seed")
    t = term_factory(sb, "--context", "sandbox-readonly")
    screen = t.wait(lambda s: "[readonly]" in s and "live" in s, 60, "the read-only header")
    open_namespace(t, "default")
    screen = t.wait("Build (offline)", 10, "the builder key relabelled")
    assert "Delete" not in screen.splitlines()[-1]
    t.keys("C-o")
    # the picker itself (its filter and the current context marked), not the footer's "Context" key:
    # text typed before it has the focus would go to the screen behind as key presses
    t.wait(lambda s: "type to filter" in s and "sandbox-readonly  (current)" in s, 10, "the context picker")
    t.type("sandbox")
    t.keys("Up", "Up")  # "sandbox" before "sandbox-readonly": the first match
    t.keys("Enter")
    screen = t.wait(lambda s: "Context sandbox" in s or ("Namespaces" in s and "live" in s and "[readonly]" not in s),
                    30, "the admin context")
    t.wait(lambda s: "[readonly]" not in s and "live" in s, 30, "read-only gone")
    open_namespace(t, "default")
    t.keys("2")
    t.wait("pool-twin", 20)
    filter_to(t, "pool-twin")
    t.wait(lambda s: "samplepod" not in s, 10)
    t.keys("Enter")  # leave the filter for the table
    t.keys("C-d")
    t.wait(lambda s: "Delete pod default/pool-twin?" in s and "y Yes" in s, 15, "the pod delete dialog")
    t.keys("y")
    def gone_or_going() -> object:  # one read: the pod can vanish between two
        out = sb.kubectl("get", "pod", "pool-twin", "-n", "default", "--ignore-not-found", "-o", "json")
        return not out.strip() or json.loads(out)["metadata"].get("deletionTimestamp")
    sb.wait(gone_or_going, 30, "pool-twin deleted")
    # and back to the read-only context: [readonly] again
    t.keys("C-o")
    t.wait(lambda s: "type to filter" in s and re.search(r"^\W*sandbox  \(current\)", s, re.M), 10,
           "the context picker")
    t.type("readonly")
    t.keys("Enter")
    t.wait(lambda s: "[readonly]" in s and "live" in s, 30, "read-only again")
    report(t, "read-only")
    t.quit()
