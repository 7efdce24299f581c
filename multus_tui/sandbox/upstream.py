"""The upstream CustomResourceDefinitions the sandbox installs, kept verbatim in `crds/`.

Each file is an upstream manifest with an `# origin:` line (repository, commit, path): whereabouts
(IPPool, OverlappingRangeIPReservation, NodeSlicePool), kubernetes-nmstate (NodeNetworkState,
NodeNetworkConfigurationPolicy) and the SR-IOV network operator (SriovNetworkNodeState, ...).
The sandbox serves them like any CRD applied with kubectl; the tests apply the same files.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

CRD_DIR = Path(__file__).parent / "crds"

IPPOOLS = "ippools.whereabouts.cni.cncf.io"
OVERLAPPING = "overlappingrangeipreservations.whereabouts.cni.cncf.io"
NODESLICEPOOLS = "nodeslicepools.whereabouts.cni.cncf.io"
WHEREABOUTS = (IPPOOLS, OVERLAPPING, NODESLICEPOOLS)


def files() -> list[Path]:
    """Every upstream CRD manifest, sorted by file name."""
    return sorted(CRD_DIR.glob("*.yaml"))


@cache
def _by_name() -> dict[str, dict[str, Any]]:
    out = {}
    for path in files():
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                out[doc["metadata"]["name"]] = doc
    return out


def crd(name: str) -> dict[str, Any]:
    """The CRD named `name` (e.g. "ippools.whereabouts.cni.cncf.io"); a fresh copy each call."""
    import copy

    return copy.deepcopy(_by_name()[name])


def names() -> list[str]:
    """The names of every upstream CRD kept here."""
    return sorted(_by_name())
