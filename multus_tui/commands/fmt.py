"""`multus-tui fmt FILE... | -`: print the canonical form of NAD manifests.

Canonical form, per document (documents joined by `---` lines):
* a NetworkAttachmentDefinition: apiVersion, kind, metadata, spec first, other keys after in
  their original order; `spec.config` as JSON indented by 2 in a `|-` block scalar, its keys in
  their original order. A config that is not JSON is kept verbatim (lint reports it).
* any other document: the same data re-emitted in block style, key order kept.
Comments and empty documents are dropped (YAML comments are not data).

Guarantees: idempotent (fmt of fmt output is unchanged), and the meaning never changes: every
document is equal as data before and after, except that each NAD's `spec.config` string is
replaced by a JSON text equal as data. fmt verifies this before printing.

`--check`: print nothing on stdout; name each non-canonical file on stderr; exit 1 if any.
Exit 2 when an input cannot be read or holds a document that is not valid YAML (one line on
stderr, no output for that file).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from multus_tui.commands.lint import escape, read_input
from multus_tui.multus.errors import ConfigError, ManifestError
from multus_tui.multus.manifests import Document, is_nad, read_documents
from multus_tui.multus.nad import NAD, dump_yaml, parse_config_text
from multus_tui.multus.yamlread import load_yaml


class FmtError(Exception):
    """A document fmt refuses to rewrite (one-line reason)."""


def _config_data(obj: Any) -> Any:
    """The NAD config as data (parsed JSON when it parses, else the raw string)."""
    spec = obj.get("spec") if isinstance(obj, dict) else None
    raw = spec.get("config") if isinstance(spec, dict) else None
    if isinstance(raw, str):
        try:
            return parse_config_text(raw)
        except ConfigError:
            return raw
    return raw


def _without_config(obj: Any) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get("spec"), dict):
        return obj
    spec = dict(obj["spec"])
    spec.pop("config", None)
    return {**obj, "spec": spec}


def format_document(obj: Any) -> str:
    """Canonical YAML of one parsed document (raises FmtError if meaning would change)."""
    if is_nad(obj):
        try:
            text = NAD.from_manifest(obj).render_yaml()
        except ManifestError as exc:
            raise FmtError(str(exc)) from None
    else:
        text = dump_yaml(obj)
    back = load_yaml(text, max_bytes=None)  # our own output: indented JSON may be larger than the input
    same = (_config_data(back) == _config_data(obj) and _without_config(back) == _without_config(obj)
            if is_nad(obj) else back == obj)
    if not same:  # a bug, never the user's fault; refuse rather than change meaning
        raise FmtError("internal error: formatting would change the document's data; left unformatted")
    return text


def format_documents(docs: list[Document]) -> str:
    """Canonical text of a whole stream (raises FmtError on the first unusable document)."""
    parts: list[str] = []
    for doc in docs:
        if doc.error is not None:
            raise FmtError(f"{doc.number}: {doc.error}")
        if doc.obj is None:
            continue
        try:
            parts.append(format_document(doc.obj))
        except FmtError as exc:
            raise FmtError(f"{doc.number}: {exc}") from None
    return "---\n".join(parts)


def format_text(text: str) -> str:
    """Canonical form of a YAML stream given as text."""
    return format_documents(read_documents(text))


def run(args: argparse.Namespace) -> int:
    """Entry point of `multus-tui fmt`."""
    status = 0
    outputs: list[str] = []
    for path in args.files:
        fname = "-" if path == "-" else path
        try:
            text = read_input(path)
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            print(f"multus-tui fmt: {escape(fname)}: cannot read: {escape(reason)}", file=sys.stderr)
            status = 2
            continue
        try:
            canonical = format_text(text)
        except FmtError as exc:
            print(f"multus-tui fmt: {escape(fname)}:{escape(exc)}", file=sys.stderr)
            status = 2
            continue
        if args.check:
            if text != canonical:
                print(f"{escape(fname)}: not canonical (run multus-tui fmt)", file=sys.stderr)
                status = max(status, 1)
        else:
            outputs.append(canonical)
    if outputs:
        sys.stdout.write("---\n".join(outputs))
    return status
