"""A lone surrogate in a JSON body is stored as U+FFFD, as Go's encoding/json decodes it, and
never poisons later lists (found by the hostile-input tests: every list of the kind failed)."""

from __future__ import annotations

from kubernetes import client, config


def test_lone_surrogate_is_replaced_and_lists_keep_working(sandbox):
    api = client.CoreV1Api(config.new_client_from_config(str(sandbox.kubeconfig_path), context="sandbox"))
    body = {"metadata": {"name": "odd", "annotations": {"note": "a\ud800b", "ok": "\U0001f600"}}}
    api.create_namespace(body)
    ns = api.read_namespace("odd")
    assert ns.metadata.annotations["note"] == "a\ufffdb"
    assert ns.metadata.annotations["ok"] == "\U0001f600"  # a valid pair is kept
    names = [n.metadata.name for n in api.list_namespace().items]
    assert "odd" in names
