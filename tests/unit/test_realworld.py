"""The real-world fixtures (tests/fixtures/realworld): provenance, and the validator agreeing with TRUTH.yaml."""

from __future__ import annotations

import importlib.util

import yaml

from tests.conftest import FIXTURES

REAL = FIXTURES / "realworld"


def _agreement():
    spec = importlib.util.spec_from_file_location("agreement", REAL / "agreement.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_every_file_names_its_origin() -> None:
    files = sorted(REAL.glob("*.yml"))
    assert len(files) >= 12
    for f in files:
        lines = f.read_text().splitlines()
        assert lines[0].startswith("# origin: https://github.com/") and lines[1].startswith("# extraction:"), f


def test_truth_covers_every_realworld_document() -> None:
    cases = {c["case"] for c in yaml.safe_load((REAL / "TRUTH.yaml").read_text())["cases"]}
    mod = _agreement()
    for case in cases:
        mod.load_case(case)  # each case resolves to a NAD or a config
    named = {c.split("#")[0].rsplit(":", 1)[0] for c in cases}
    for f in REAL.glob("*.yml"):
        if f.name.startswith("route-override-cni__README"):
            continue  # upstream's example has `...` for ipam: not a config
        assert f"realworld/{f.name}" in named, f"{f.name} has no case in TRUTH.yaml"


def test_the_validator_agrees_with_the_truth() -> None:
    rows = _agreement().measure()
    assert len(rows) >= 30
    wrong = [(case, truth, sev) for case, truth, sev, agree, _ in rows if not agree]
    assert not wrong, wrong
    no_reason = [case for case, _, _, agree, reason in rows if agree and not reason]
    assert not no_reason, no_reason
