"""The `multus-tui` console script: parses arguments and hands off to one command module.

Command modules are imported lazily so that `multus-tui lint` never pays for textual or the
kubernetes client, and so a broken optional layer cannot break the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from multus_tui import __version__


def _add_cluster_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kubeconfig", metavar="PATH", help="kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
    p.add_argument("--context", metavar="NAME", help="kubeconfig context to use")


def _add_scope_options(p: argparse.ArgumentParser) -> None:
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", metavar="NS", help="only this namespace (default: the context's)")
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace")
    p.add_argument("-o", "--output", choices=["table", "json"], default="table", help="output format")


def _add_debug_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--debug", action="store_true", help="log debug details to the state directory (never credentials)")


# (flag, attribute) of each option the main parser takes before a command
GLOBAL_OPTIONS = (("--demo", "demo"), ("--kubeconfig", "kubeconfig"), ("--context", "context"),
                  ("--namespace", "namespace"), ("--readonly", "readonly"), ("--debug", "debug"))
# which of them each command takes, with the same meaning as after it (status and doctor only read,
# so --readonly holds for them trivially); any other one given before a command is refused
_APPLIES = {
    "status": {"kubeconfig", "context", "namespace", "readonly", "debug"},
    "doctor": {"kubeconfig", "context", "namespace", "readonly", "debug"},
}
_WHY_NOT = {
    ("sandbox", "kubeconfig"): "put it after 'sandbox': there it names the file the sandbox writes, "
                               "before it would name one to read",
}


def resolve_global_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Give the options placed before the command the meaning they have after it, or refuse them
    (parser.error: exit 2): an option that does not apply to the command, or one given on both sides
    of the command with different values."""
    command = getattr(args, "command", None)
    given = {name: getattr(args, f"g_{name}") for _flag, name in GLOBAL_OPTIONS}
    for _flag, name in GLOBAL_OPTIONS:
        delattr(args, f"g_{name}")
    if command is None:  # the TUI takes every one of them
        for name, value in given.items():
            setattr(args, name, value)
        return
    applies = _APPLIES.get(command, set())
    for flag, name in GLOBAL_OPTIONS:
        value = given[name]
        if value in (None, False):
            continue
        if name not in applies:
            why = _WHY_NOT.get((command, name), f"'{command}' does not use it")
            parser.error(f"{flag} before '{command}' is not accepted: {why}")
        after = getattr(args, name, None)
        if after not in (None, False) and after != value:
            parser.error(f"{flag} is given before and after '{command}' with different values "
                         f"({value!r}, {after!r}); give it once")
        if name == "namespace" and getattr(args, "all_namespaces", False):
            parser.error(f"-n/--namespace (before '{command}') and -A/--all-namespaces cannot be used together")
        setattr(args, name, value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="multus-tui",
        description="A terminal UI for Multus secondary networks: browse, build and attach "
        "NetworkAttachmentDefinitions and see what really attached.",
        epilog="Options before a command mean what they mean after it (status, doctor); one the "
        "command does not use is refused with exit status 2.",
    )
    parser.add_argument("--version", action="version", version=f"multus-tui {__version__}")
    # The options before a command land in their own `g_*` attributes: argparse lets a subcommand's
    # defaults overwrite same-named attributes, which once made `--kubeconfig X status` read
    # $KUBECONFIG (issue 14). main() then applies or refuses each one for the command given.
    parser.add_argument("--demo", dest="g_demo", action="store_true",
                        help="start the embedded sandbox cluster (seed scenario) and open the TUI on it")
    parser.add_argument("--kubeconfig", dest="g_kubeconfig", metavar="PATH",
                        help="kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
    parser.add_argument("--context", dest="g_context", metavar="NAME", help="kubeconfig context to use")
    parser.add_argument("-n", "--namespace", dest="g_namespace", metavar="NS",
                        help="namespace to open first (with status/doctor: only this namespace)")
    parser.add_argument("--readonly", dest="g_readonly", action="store_true",
                        help="hide every action that writes to the cluster")
    parser.add_argument("--debug", dest="g_debug", action="store_true",
                        help="log debug details to the state directory (never credentials)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("sandbox", help="run the embedded sandbox cluster alone and write a kubeconfig for it")
    p.add_argument("--kubeconfig", metavar="PATH", required=True, help="where to write the sandbox's kubeconfig")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    p.add_argument("--scenario", default="seed", help="seed (default), empty, no-multus, large:N")
    p.set_defaults(module="sandbox")

    p = sub.add_parser(
        "lint",
        help="validate NAD and pod manifests offline (exit 1 on errors)",
        epilog="Exit status: 0 no errors, 1 errors found, 2 input could not be read or parsed, or held "
        "nothing to check (2 wins over 1; the other documents are still checked).",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML files, or - for standard input")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    p.set_defaults(module="lint")

    p = sub.add_parser(
        "fmt",
        help="print the canonical form of NAD manifests",
        epilog="Exit status: 0 done (or already canonical with --check), 1 not canonical (--check), "
        "2 input could not be read or parsed, or formatting would change its meaning.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML files, or - for standard input")
    p.add_argument("--check", action="store_true", help="exit 1 when the input is not already canonical")
    p.set_defaults(module="fmt")

    p = sub.add_parser("status", help="print pod attachment status once, for scripts")
    _add_cluster_options(p)
    _add_scope_options(p)
    _add_debug_option(p)
    p.set_defaults(module="status")

    p = sub.add_parser(
        "doctor",
        help="cluster-wide diagnosis of what Multus gets wrong silently",
        epilog="Exit status: 0 no error findings, 1 at least one error finding, 2 the cluster could not be read.",
    )
    _add_cluster_options(p)
    _add_scope_options(p)
    _add_debug_option(p)
    p.add_argument("--namespace-isolation", action="store_true",
                   help="assume Multus runs with namespaceIsolation: pods may only use NADs of their own or global namespaces")
    p.add_argument("--global-namespaces", metavar="NS,NS", type=lambda v: [x.strip() for x in v.split(",") if x.strip()],
                   help="Multus globalNamespaces with --namespace-isolation (default: default)")
    p.set_defaults(module="doctor")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    resolve_global_options(parser, args)
    module = getattr(args, "module", None) or "tui"
    try:
        mod = importlib.import_module(f"multus_tui.commands.{module}")
    except ImportError as exc:  # a missing optional piece must say so, not dump a traceback
        print(f"multus-tui: the {module} command is not available: {exc}", file=sys.stderr)
        return 2
    try:
        return int(mod.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `multus-tui status | head` closes the pipe early; that is not an error.
        return 0
