"""Each fact is defined once, in the lowest layer that needs it.

The checks read the package's own source as Python syntax (string constants, dict and tuple
displays), so a second spelling of a fact anywhere in multus_tui fails here with the places named.
The sandbox keeps its own copy of the DNS-1123 patterns on purpose: it plays the API server (see
multus/names.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from multus_tui.multus.names import is_dns_label, is_dns_subdomain

PACKAGE = Path(__file__).resolve().parents[2] / "multus_tui"
LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"


def _trees() -> list[tuple[str, ast.AST]]:
    return [(str(p.relative_to(PACKAGE)), ast.parse(p.read_text(), str(p))) for p in sorted(PACKAGE.rglob("*.py"))]


def _constant_homes(value: str, *, skip: str = "\0") -> set[str]:
    return {path for path, tree in _trees() if not path.startswith(skip)
            for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value == value}


def test_the_networks_annotation_name_is_spelled_once():
    assert _constant_homes("k8s.v1.cni.cncf.io/networks") == {"multus/selection.py"}


def test_the_network_status_annotation_name_is_spelled_once():
    assert _constant_homes("k8s.v1.cni.cncf.io/network-status") == {"multus/status.py"}


@pytest.mark.parametrize("pattern", [LABEL, SUBDOMAIN])
def test_the_dns_patterns_are_defined_once_outside_the_sandbox(pattern):
    assert _constant_homes(pattern, skip="sandbox/") == {"multus/names.py"}


def test_the_severity_order_is_defined_once():
    homes = {path for path, tree in _trees() for node in ast.walk(tree)
             if isinstance(node, ast.Dict)
             and {getattr(k, "value", None) for k in node.keys} >= {"error", "warning", "info"}
             and all(isinstance(v, ast.Constant) and isinstance(v.value, int) for v in node.values)}
    assert homes == set(), f"a severity order spelled out again in {sorted(homes)} (use policy.severity_rank)"


def test_server_metadata_keys_are_listed_once():
    # (the sandbox is the server that maintains them: it is not a client's second list)
    homes = {path for path, tree in _trees() if not path.startswith("sandbox/") for node in ast.walk(tree)
             if isinstance(node, ast.Tuple | ast.List | ast.Set)
             and {"managedFields", "resourceVersion", "uid"} <= {getattr(e, "value", None) for e in node.elts}}
    assert homes == {"multus/manifests.py"}


@pytest.mark.parametrize(("value", "label", "subdomain"), [
    ("net1", True, True),
    ("a" * 63, True, True),
    ("a" * 64, False, True),           # a label has at most 63 characters
    ("a.b", False, True),              # dots only in a subdomain
    ("Net1", False, False),            # lower case only
    ("-a", False, False), ("a-", False, False),
    ("", False, False),
    (".".join(["a" * 63] * 4), False, False),  # 255 > 253
])
def test_dns_names(value, label, subdomain):
    assert is_dns_label(value) is label
    assert is_dns_subdomain(value) is subdomain


@pytest.mark.parametrize("ch", ["\x1b", "\x07", "\x85", "\u202e", "\u2066", "\u200b", "\ufeff", "\u00ad", "\u2028",
                                "\ue000", "\U000e0041", "\u3164", "\u115f", "\U0010fffe"])
def test_the_tui_and_the_command_line_escape_the_same_characters(ch):
    """One rule (multus_tui/safetext.py): what lint prints escaped, the TUI shows escaped, and back."""
    from multus_tui.commands.lint import escape
    from multus_tui.ui.text import sanitize

    text = f"a{ch}b"
    assert sanitize(text) == escape(text) != text
    assert ch not in sanitize(text)


def test_safe_text_keeps_what_is_printable():
    from multus_tui.safetext import escape

    assert escape("vlan1 · ünïcode 名前 ✗ \u00a0nbsp") == "vlan1 · ünïcode 名前 ✗ \u00a0nbsp"
    assert escape("a\tb\nc") == "a\\x09b\\x0ac"
    assert escape("a\tb\nc", keep="\n", names={"\t": "\\t"}) == "a\\tb\nc"


def _function_homes(name: str) -> set[str]:
    return {path for path, tree in _trees() for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name == name and node.col_offset == 0}


def test_credentials_have_one_registry_and_one_redactor():
    """What the kubeconfig loader registers (through the cluster layer) is removed by the redactor every
    layer uses, and neither function is defined twice."""
    from multus_tui import logs
    from multus_tui.cluster import errors

    assert _function_homes("register_secret") == {"logs.py"}
    assert _function_homes("redact") == {"logs.py"}
    errors.register_secret("Bearer s3cr3t-token-value-1234")
    assert "s3cr3t" not in logs.redact("GET /api failed: token was s3cr3t-token-value-1234 here")
    assert "s3cr3t" not in errors.ClusterError("refused s3cr3t-token-value-1234").message


def test_no_type_is_recognised_by_its_class_name():
    """`type(x).__name__ == "PodView"` breaks silently on a rename; the domain asks isinstance of an
    registry the cluster's view is in (multus/pod.py)."""
    found = {path for path, tree in _trees() for node in ast.walk(tree)
             if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "__name__"
             and isinstance(node.left.value, ast.Call) and getattr(node.left.value.func, "id", "") == "type"}
    assert found == set(), found


def test_the_cluster_pod_view_is_read_as_it_is():
    from multus_tui.cluster.views import PodView
    from multus_tui.multus import diagnose, whereabouts

    view = PodView("ns", "p", "uid", "node-1", "Running", True, {}, False, None, "1")
    assert diagnose._as_pod(view) is view and whereabouts._as_facts(view) is view
