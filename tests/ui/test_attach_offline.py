"""The attach builder without a cluster: S2/S3/S4 outputs, editing, order, pre-checks, readonly."""

from __future__ import annotations

import json

import yaml

from multus_tui.multus.selection import NETWORKS_ANNOTATION
from multus_tui.ui.attach import AttachBuilderScreen
from tests.ui.test_attach_harness import AttachApp, offline_ctx

SIZE = (160, 60)


async def _type(pilot, selector: str, text: str) -> None:
    screen = pilot.app.screen
    inp = screen.query_one(selector)
    inp.value = text
    await pilot.pause()


def _screen(app) -> AttachBuilderScreen:
    assert isinstance(app.screen, AttachBuilderScreen)
    return app.screen


async def test_s2_json_annotation_with_ips_and_default_route():
    app = AttachApp(offline_ctx(), preselect=[("default", "vlan1-internal-static")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _type(pilot, "#attach-ips", "192.168.0.20/24")
        await _type(pilot, "#attach-default-route", "192.168.0.254")
        s = _screen(app)
        value = s.annotation()
        assert json.loads(value) == [{"name": "vlan1-internal-static", "ips": ["192.168.0.20/24"],
                                      "default-route": ["192.168.0.254"]}]
        shown = str(s.query_one("#attach-out-annotation").render())
        assert value in shown
        pod = yaml.safe_load(s.output_text("pod"))
        assert pod["metadata"]["annotations"][NETWORKS_ANNOTATION] == value
        assert [f for f in s.findings if f.severity == "error"] == []


async def test_s4_short_form_across_namespaces_and_s5_defaults():
    app = AttachApp(offline_ctx(), preselect=[("kube-system", "vlan1-internal-pool")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        s = _screen(app)
        assert s.annotation() == "kube-system/vlan1-internal-pool"
        pod = yaml.safe_load(s.output_text("pod"))
        assert pod["metadata"]["name"] == "samplepod" and pod["metadata"]["namespace"] == "default"
        c = pod["spec"]["containers"][0]
        assert c["image"] == "dougbtv/centos-network"
        assert c["command"] == ["/bin/bash", "-c", "trap : TERM INT; sleep infinity & wait"]
        snippet = yaml.safe_load(s.output_text("template"))
        assert snippet == {"metadata": {"annotations": {NETWORKS_ANNOTATION: "kube-system/vlan1-internal-pool"}}}
        # offline: no create/patch
        assert not s.query_one("#attach-create-btn").display
        assert s.check_action("create_pod", ()) is False


async def test_s3_dns_override_with_the_cluster_names_warning():
    app = AttachApp(offline_ctx(), preselect=[("default", "vlan1-internal-static")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        s = _screen(app)
        s.query_one("#attach-dns").value = True
        await pilot.pause()
        await _type(pilot, "#attach-dns-nameservers", "192.168.0.1, 192.168.0.2")
        await _type(pilot, "#attach-dns-searches", "zencoffee.org")
        pod = yaml.safe_load(s.output_text("pod"))
        assert pod["spec"]["dnsPolicy"] == "None"
        assert pod["spec"]["dnsConfig"] == {"nameservers": ["192.168.0.1", "192.168.0.2"],
                                            "searches": ["zencoffee.org"]}
        assert "svc.cluster.local" in str(s.query_one("#attach-dns-warning").render())
        assert "svc.cluster.local" in str(s.query_one("#attach-findings").render())
        snippet = yaml.safe_load(s.output_text("template"))
        assert snippet["spec"]["dnsPolicy"] == "None"
        # an empty nameserver list is what the API server refuses
        await _type(pilot, "#attach-dns-nameservers", "")
        assert "dns-no-nameserver" in [f.code for f in s.findings if f.severity == "error"]


async def test_add_edit_reorder_remove_selections():
    app = AttachApp(offline_ctx())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        s = _screen(app)
        assert s.annotation() is None
        assert "no-selection" in [f.code for f in s.findings]
        # add through the picker by typing ns/name
        for target in ("kube-system/vlan1-internal-pool", "vlan1-internal-static"):
            await pilot.press("ctrl+g")
            await pilot.pause()
            app.screen.query_one("#attach-picker-input").value = target
            await pilot.press("enter")
            await pilot.pause()
        assert s.annotation() == "kube-system/vlan1-internal-pool,vlan1-internal-static"
        await _type(pilot, "#attach-interface", "vlan1")
        assert s.annotation() == "kube-system/vlan1-internal-pool,vlan1-internal-static@vlan1"
        s.query_one("#attach-selections").focus()
        await pilot.press("shift+up")
        await pilot.pause()
        assert s.annotation() == "vlan1-internal-static@vlan1,kube-system/vlan1-internal-pool"
        assert s.query_one("#attach-interface").value == "vlan1"  # the editor follows the moved row
        await pilot.press("delete")
        await pilot.pause()
        assert s.annotation() == "kube-system/vlan1-internal-pool"


async def test_prechecks_shown_offline():
    app = AttachApp(offline_ctx(), preselect=[("default", "a"), ("default", "b")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        s = _screen(app)
        await _type(pilot, "#attach-interface", "averyverylongname")
        codes = [f.code for f in s.findings if f.severity == "error"]
        assert "bad-interface" in codes
        await _type(pilot, "#attach-interface", "net2")  # b gets net2 by position
        assert "duplicate-interface" in [f.code for f in s.findings]
        await _type(pilot, "#attach-interface", "eth0")
        assert "interface-taken" in [f.code for f in s.findings]
        await _type(pilot, "#attach-interface", "")
        await _type(pilot, "#attach-default-route", "192.168.0.254")
        s.query_one("#attach-selections").move_cursor(row=1)
        await pilot.pause()
        await _type(pilot, "#attach-default-route", "192.168.0.1")
        assert "ecmp-default-route" in [f.code for f in s.findings]
        await _type(pilot, "#attach-ips", "not-an-ip")
        assert "annotation-invalid" in [f.code for f in s.findings]
        # isolation assumption: kube-system refused for a pod in default
        s.add_selection("kube-system", "vlan1-internal-pool")
        s.query_one("#attach-isolation").value = True
        await pilot.pause()
        assert "namespace-isolation" in [f.code for f in s.findings]
        await _type(pilot, "#attach-global-ns", "default, kube-system")
        assert "namespace-isolation" not in [f.code for f in s.findings]


async def test_bad_pod_fields_are_findings_not_tracebacks():
    app = AttachApp(offline_ctx(), preselect=[("default", "a")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        s = _screen(app)
        await _type(pilot, "#attach-pod-command", '["unterminated')
        await _type(pilot, "#attach-pod-node-selector", "novalue")
        await _type(pilot, "#attach-pod-name", "Bad_Name")
        codes = {f.code for f in s.findings}
        assert {"pod-command-invalid", "pod-node-selector-invalid", "pod-name-invalid"} <= codes
        await _type(pilot, "#attach-pod-command", "sleep 3600")
        await _type(pilot, "#attach-pod-node-selector", "kubernetes.io/hostname=node-1")
        await _type(pilot, "#attach-pod-name", "samplepod-2")
        pod = yaml.safe_load(s.output_text("pod"))
        assert pod["spec"]["containers"][0]["command"] == ["sleep", "3600"]
        assert pod["spec"]["nodeSelector"] == {"kubernetes.io/hostname": "node-1"}
        assert pod["metadata"]["name"] == "samplepod-2"


async def test_copy_and_export(tmp_path):
    app = AttachApp(offline_ctx(), preselect=[("kube-system", "vlan1-internal-pool")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        s = _screen(app)
        await pilot.press("ctrl+y")
        assert app.copied == ["kube-system/vlan1-internal-pool"]
        s.query_one("#attach-output-tabs").active = "attach-tab-pod"
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        target = tmp_path / "pod.yaml"
        app.screen.query_one("#attach-export-path").value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert yaml.safe_load(target.read_text())["metadata"]["name"] == "samplepod"
        # an unwritable path is a notice, not a crash
        await pilot.press("ctrl+l")
        await pilot.pause()
        app.screen.query_one("#attach-export-path").value = str(tmp_path / "missing" / "dir" / "x.yaml")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AttachBuilderScreen)


async def test_readonly_hides_create_and_patch():
    app = AttachApp(offline_ctx(readonly=True), preselect=[("default", "a")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        s = _screen(app)
        assert not s.query_one("#attach-create-btn").display
        assert not s.query_one("#attach-patch-btn").display
        assert s.check_action("create_pod", ()) is False and s.check_action("patch_workload", ()) is False
        assert s.check_action("copy", ()) is True
