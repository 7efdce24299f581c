"""Editing a NAD that multus-tui did not create, as `kubectl edit` users expect.

Each NAD is made by the real kubectl (client-side apply, create, server-side apply, or server-side
apply under another field manager). The edit (`review_nad` with the loaded object as `base`, then
`apply_nad` with its resourceVersion) must:
- name the fields another manager owns and apply only when told to take them over (force);
- refuse to overwrite a change someone made in between, and say what changed on the server;
- keep every key of the config, an edited key in its place.
kubectl reads the result back: the evidence is the server's object, not our model.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from multus_tui.cluster.client import FIELD_MANAGER, Cluster
from multus_tui.cluster.errors import ClusterError
from multus_tui.cluster.kubeconfig import load_cluster
from multus_tui.cluster.writes import apply_nad, review_nad, strip_noise
from multus_tui.multus.nad import NAD
from tests.conftest import need

# a config with keys the form does not know and an mtu in the middle: the edit must keep both
CONFIG = {"cniVersion": "0.3.1", "name": "edited", "type": "macvlan", "master": "k8s-vlan1", "mtu": 1500,
          "mode": "bridge", "x-vendor-key": {"keep": [1, 2]},
          "ipam": {"type": "static", "addresses": [{"address": "192.168.0.30/24"}]}}


def nad_yaml(name: str, config: dict) -> str:
    return json.dumps({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
                       "metadata": {"name": name, "namespace": "default", "labels": {"team": "net"}},
                       "spec": {"config": json.dumps(config, indent=2)}})


def kubectl(kc: str, *args: str, stdin: str | None = None) -> str:
    proc = subprocess.run(["kubectl", "--kubeconfig", kc, *args], input=stdin, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "KUBECONFIG": kc})
    assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr}"
    return proc.stdout


HOW = {
    "kubectl apply": (["apply", "-f", "-"], "kubectl-client-side-apply"),
    "kubectl create": (["create", "-f", "-"], "kubectl-create"),
    "kubectl apply --server-side": (["apply", "--server-side", "-f", "-"], "kubectl"),
    "another field manager": (["apply", "--server-side", "--field-manager", "gitops-bot", "-f", "-"],
                              "gitops-bot"),
}


@pytest.fixture
def admin_kc(seed) -> tuple[Cluster, str]:
    need(shutil.which("kubectl") is not None, "kubectl is not installed")
    _, kc = seed
    return Cluster(load_cluster(kc, "sandbox")), kc


def edited_manifest(loaded: dict, **changes) -> dict:
    """What the builder sends: the loaded NAD with config values changed in place, noise stripped."""
    nad = NAD.from_manifest(loaded)
    for k, v in changes.items():
        nad.config[k] = v
    return strip_noise(nad.to_manifest()) or {}


@pytest.mark.kubectl
@pytest.mark.parametrize("how", list(HOW))
def test_edit_takes_over_only_when_told_and_keeps_every_key(admin_kc, how):
    admin, kc = admin_kc
    args, manager = HOW[how]
    kubectl(kc, *args, stdin=nad_yaml("edited", CONFIG))
    loaded = admin.get_raw("nad", "default", "edited")
    new = edited_manifest(loaded, mtu=1400)

    # without force the apply is refused, naming the owner of .spec.config
    with pytest.raises(ClusterError) as ei:
        apply_nad(admin, new, dry_run=False, resource_version=loaded["metadata"]["resourceVersion"])
    assert (".spec.config", manager) in ei.value.owners, ei.value.owners
    # the review names it too, with what managedFields say about it, and dry-runs the takeover
    review = review_nad(admin, new, base=loaded)
    assert not review.stale
    assert [(o.field, o.manager) for o in review.takeover if o.field == ".spec.config"] == [(".spec.config", manager)]
    owner = next(o for o in review.takeover if o.field == ".spec.config")
    assert owner.operation in ("Apply", "Update") and owner.time
    assert re.search(r'^-\s+"mtu": 1500,$', review.diff, re.M) and re.search(r'^\+\s+"mtu": 1400,$', review.diff, re.M), review.diff
    assert json.loads(review.result["spec"]["config"])["mtu"] == 1400

    apply_nad(admin, new, dry_run=False, force=True, resource_version=loaded["metadata"]["resourceVersion"])
    after = json.loads(kubectl(kc, "get", "net-attach-def", "edited", "-n", "default", "-o", "json",
                               "--show-managed-fields"))
    config = json.loads(after["spec"]["config"])
    assert list(config) == list(CONFIG), "an edited key keeps its place and no key is lost"
    assert config == {**CONFIG, "mtu": 1400}
    assert after["metadata"]["labels"] == {"team": "net"}
    managers = {e["manager"] for e in after["metadata"]["managedFields"]
                if "f:config" in json.dumps(e.get("fieldsV1", {}))}
    assert FIELD_MANAGER in managers and manager not in managers  # ownership moved, as the user confirmed


@pytest.mark.kubectl
def test_a_change_in_between_is_refused_and_shown(admin_kc):
    admin, kc = admin_kc
    kubectl(kc, "apply", "-f", "-", stdin=nad_yaml("edited", CONFIG))
    loaded = admin.get_raw("nad", "default", "edited")
    mine = edited_manifest(loaded, mtu=1400)
    # someone else changes the NAD while the user edits
    kubectl(kc, "apply", "-f", "-", stdin=nad_yaml("edited", {**CONFIG, "mode": "vepa"}))

    review = review_nad(admin, mine, base=loaded)
    assert review.stale and review.result is None
    assert review.base_rv == loaded["metadata"]["resourceVersion"] != review.live_rv
    assert '"mode": "bridge"' in review.server_diff and '"mode": "vepa"' in review.server_diff
    # even forced, an apply based on the old version never overwrites the newer one
    with pytest.raises(ClusterError) as ei:
        apply_nad(admin, mine, dry_run=False, force=True, resource_version=loaded["metadata"]["resourceVersion"])
    assert ei.value.is_stale and ei.value.code == 409
    after = json.loads(kubectl(kc, "get", "net-attach-def", "edited", "-n", "default", "-o", "json"))
    assert json.loads(after["spec"]["config"])["mode"] == "vepa"  # the other change survived

    # reloaded (based on the live version), the same edit goes through
    live = admin.get_raw("nad", "default", "edited")
    again = review_nad(admin, edited_manifest(live, mtu=1400), base=live)
    assert not again.stale and again.takeover
    apply_nad(admin, edited_manifest(live, mtu=1400), dry_run=False, force=True,
              resource_version=live["metadata"]["resourceVersion"])
    final = json.loads(json.loads(kubectl(kc, "get", "net-attach-def", "edited", "-o", "json"))["spec"]["config"])
    assert final["mode"] == "vepa" and final["mtu"] == 1400


@pytest.mark.kubectl
def test_a_deleted_nad_is_reported_not_recreated(admin_kc):
    admin, kc = admin_kc
    kubectl(kc, "apply", "-f", "-", stdin=nad_yaml("edited", CONFIG))
    loaded = admin.get_raw("nad", "default", "edited")
    kubectl(kc, "delete", "net-attach-def", "edited", "-n", "default")
    review = review_nad(admin, edited_manifest(loaded, mtu=1400), base=loaded)
    assert review.stale and review.live is None
