"""The pod the domain reads, as an abstract type the cluster layer's view registers with.

Diagnosis and the whereabouts judge read pods by attribute. Given a dict or a partial object they
copy what they need into their own records; given a pod that already carries every attribute,
normalised (the cluster layer's PodView, 150,000 of them in a big cluster), they read it as it is.
`NormalisedPod` says which is which without the domain importing the cluster layer: the view
registers itself (`NormalisedPod.register(PodView)`).

A NormalisedPod has: namespace, name, uid (str), node (str | None), phase (str), annotations
(str -> str), host_network (bool), creation_timestamp (str | None).
"""

from __future__ import annotations

from abc import ABC


class NormalisedPod(ABC):  # noqa: B024 - a marker: registered classes provide the attributes
    """Registered by classes whose instances carry every attribute above, already normalised."""
