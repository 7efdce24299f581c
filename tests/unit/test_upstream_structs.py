"""Every spec agrees with its plugin's configuration struct at the upstream commit it names.

The structs' JSON keys are data extracted from the upstream Go source (tests/fixtures/upstream_structs,
each file with its origin: repo, path, commit; regenerate with extract.py there). A spec field the
struct does not have would be a key the plugin ignores; a struct key the spec lacks would be flagged
as "ignored" although the plugin reads it. Either way this test fails until the spec is corrected.
"""

from __future__ import annotations

import re

import pytest
import yaml

from multus_tui.multus.specs import CHAINED, GENERIC_KEYS, IPAMS, PLUGINS, FieldSpec, PluginSpec
from tests.conftest import FIXTURES

STRUCTS = FIXTURES / "upstream_structs"
UPSTREAM_RE = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<commit>[0-9a-f]{40}):(?P<path>[^#]+)#(?P<struct>[\w.]+)$")
#: keys of libcni's embedded types.NetConf / types.PluginConf (and what Multus/libcni add): not plugin fields
_GENERIC = set(GENERIC_KEYS)

SPECS = [s for s in (*PLUGINS.values(), *CHAINED.values(), *IPAMS.values())]


def fixture_for(spec: PluginSpec) -> dict:
    path = STRUCTS / f"{spec.alias_of or spec.type}.yaml"
    text = path.read_text()
    assert text.startswith("# origin: https://github.com/"), path
    return yaml.safe_load(text)


def test_every_spec_names_its_upstream_struct_and_a_fixture_exists() -> None:
    for spec in SPECS:
        m = UPSTREAM_RE.match(spec.upstream)
        assert m, f"{spec.type}: upstream {spec.upstream!r} is not owner/repo@<40-hex commit>:path#Struct"
        data = fixture_for(spec)
        assert (data["repo"], data["commit"], data["path"], data["struct"]) == (
            m["repo"], m["commit"], m["path"], m["struct"]), f"{spec.type}: spec and fixture name different versions"
    # each fixture's origin line names the same repo, commit and path as its data
    for f in STRUCTS.glob("*.yaml"):
        data = yaml.safe_load(f.read_text())
        origin = f.read_text().splitlines()[0]
        assert origin == f"# origin: https://github.com/{data['repo']}/blob/{data['commit']}/{data['path']}", f


def _names(fields: tuple[FieldSpec, ...]) -> set[str]:
    return {f.name for f in fields}


def disagreements(spec: PluginSpec, data: dict) -> list[str]:
    """How a spec and its struct disagree (empty when they agree)."""
    tagged = {f["key"] for f in data["fields"]}
    untagged = {u.lower(): u for u in data["untagged"]}  # Go decodes these by field name, ignoring case
    internal = {i.lower() for i in spec.internal}
    spec_keys = _names(spec.fields)
    out = []
    # the plugin reads a key the spec does not know: validate would call it "ignored"
    missing = sorted(tagged - spec_keys - _GENERIC)
    if missing:
        out.append(f"struct keys missing from the spec: {missing}")
    # the spec offers a key the plugin does not have: the form would write a key that does nothing
    extra = sorted(k for k in spec_keys - _GENERIC if k not in tagged and k.lower() not in untagged)
    if extra:
        out.append(f"spec keys the struct does not have: {extra}")
    # every untagged exported field is either configuration the spec offers or declared internal state
    for low, go in untagged.items():
        if low not in {k.lower() for k in spec_keys} and low not in internal:
            out.append(f"untagged struct field {go} is neither a spec field nor in spec.internal")
    if not internal <= set(untagged):
        out.append(f"spec.internal names fields the struct lacks: {sorted(internal - set(untagged))}")
    return out


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_spec_fields_are_the_struct_fields(spec: PluginSpec) -> None:
    assert disagreements(spec, fixture_for(spec)) == [], spec.type


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.type)
def test_member_lists_match(spec: PluginSpec) -> None:
    """Objects inside lists (bridge vlanTrunk, static addresses, whereabouts ipRanges...) match too."""
    data = fixture_for(spec)
    for key, members in data["members"].items():
        field = spec.field(key)
        if field is None:
            continue  # runtimeConfig / args: generic
        inner = field.item_spec if field.item_spec is not None else field
        while inner.item_spec is not None and not inner.fields:  # host-local: list of range sets of ranges
            inner = inner.item_spec
        assert _names(inner.fields) == set(members), f"{spec.type}.{key}: {sorted(_names(inner.fields))} != {members}"


def test_the_struct_test_can_fail() -> None:
    """A spec that gains a key its struct lacks, or loses one it has, is caught."""
    from dataclasses import replace

    bridge = PLUGINS["bridge"]
    data = fixture_for(bridge)
    grown = replace(bridge, fields=(*bridge.fields, FieldSpec("route", "list", item_spec=FieldSpec("r", "str"))))
    assert disagreements(grown, data) == ["spec keys the struct does not have: ['route']"]
    shrunk = replace(bridge, fields=tuple(f for f in bridge.fields if f.name != "vlanTrunk"))
    assert disagreements(shrunk, data) == ["struct keys missing from the spec: ['vlanTrunk']"]
    sriov = PLUGINS["sriov"]
    assert disagreements(replace(sriov, internal=()), fixture_for(sriov))  # Master, VFID, OrigVfState
