"""`authgate apply -f FILE` and `authgate export`: the declarative configuration.

apply reads the file (checked against the JSON Schema first), reads what the services hold
over the operator plane, prints the plan and, unless --dry-run, carries it out. It is
idempotent: a second run finds nothing to do and writes nothing (so no audit row either).
export prints what the services hold in the same format, without secrets or built-ins.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from authgate_common.core.errors import InvalidRequest, OAuthError

from ..context import Context
from ..parsers import command
from .document import dump, load
from .execute import Outcome, check_writable, execute, missing_secrets, write_secrets
from .grpc_store import GrpcStore
from .kinds import BY_SECTION, SECTIONS
from .plan import Plan, make_plan, plan_dict, plan_lines

SECRETS_NOTE = "store these secrets now; they cannot be shown again"


def apply(args: argparse.Namespace, ctx: Context) -> int:
    if args.output == "json":
        ctx.out.as_json = True
    config = load(args.file)
    if config.has("users") and not args.allow_users:
        raise InvalidRequest("The file has a users section: users in a file are for development only; "
                             "pass --allow-users to apply them.")
    if args.secrets_out:
        check_writable(args.secrets_out)
    store = GrpcStore(ctx)
    try:
        plan = make_plan(config, store.read(config.sections), prune=args.prune)
        problems = plan.errors + missing_secrets(plan, os.environ)
        if problems:
            raise InvalidRequest("The configuration cannot be applied: " + "; ".join(problems) + ".")
        if args.dry_run:
            _report(ctx, plan, Outcome(), args, applied=False)
            return 0
        outcome = Outcome()
        try:
            execute(plan, store, os.environ, outcome)
        except OAuthError:
            _report(ctx, plan, outcome, args, applied=False, failed=True)
            raise
        _report(ctx, plan, outcome, args, applied=True)
        return 0
    finally:
        store.close()


def _report(ctx: Context, plan: Plan, outcome: Outcome, args: argparse.Namespace, *,
            applied: bool, failed: bool = False) -> None:
    """The plan, what was done, and the generated secrets (printed once, or to a file)."""
    shown: dict[str, Any] = dict(outcome.secrets)
    if outcome.secrets and args.secrets_out:
        write_secrets(args.secrets_out, outcome.secrets)
        shown = {}
    if ctx.out.as_json:
        data = {**plan_dict(plan), "dry_run": args.dry_run, "applied": applied,
                "done": len(outcome.done)}
        if shown:
            data["secrets"] = shown
        if outcome.secrets and args.secrets_out:
            data["secrets_file"] = args.secrets_out
        ctx.out.record(data, list(data))
        return
    for line in plan_lines(plan):
        print(line)
    if args.dry_run:
        print("dry run: nothing was changed")
    if failed:
        print(f"stopped after {len(outcome.done)} of {len(plan.writes())} changes")
    for section, found in shown.items():
        for key, secret in found.items():
            print(f"{'client secret' if section == 'clients' else 'password'} of {key}: {secret}")
    if shown:
        print(SECRETS_NOTE)
    elif outcome.secrets:
        print(f"generated secrets written to {args.secrets_out} (mode 0600)")


def export(args: argparse.Namespace, ctx: Context) -> None:
    sections = [s for s in SECTIONS if s != "users" or args.include_users]
    store = GrpcStore(ctx)
    try:
        current = store.read(sections)
    finally:
        store.close()
    data = {s: [BY_SECTION[s].trimmed(item) for _, item in sorted(current.items[s].items())]
            for s in sections}
    text = dump(data)
    if args.output_file:
        Path(args.output_file).write_text(text, encoding="utf-8")
        ctx.out.note(f"wrote {args.output_file}")
    else:
        print(text, end="")


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    p = command(groups, common, "apply", apply,
                help="make the services hold what a configuration file says",
                description="Create and update the APIs, scopes, roles, groups, clients (and, with "
                "--allow-users, users) a configuration file describes (docs/configuration.md); with "
                "--prune also delete what the file's sections leave out. Prints the plan first.",
                epilog="example: authgate apply -f authgate.yaml --dry-run")
    p.add_argument("-f", "--file", required=True, metavar="FILE",
                   help="the configuration (YAML; - for stdin)")
    p.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    p.add_argument("--prune", action="store_true",
                   help="delete what a section of the file leaves out (never built-in scopes, admin "
                   "clients or users; a section left out is not touched)")
    p.add_argument("--allow-users", action="store_true",
                   help="apply the file's users section (development only)")
    p.add_argument("--secrets-out", metavar="FILE",
                   help="write generated client secrets and passwords to FILE (JSON, mode 0600) "
                   "instead of printing them")
    p.add_argument("--output", choices=["text", "json"], default="text", help="text (default) or json")

    p = command(groups, common, "export", export,
                help="print what the services hold as a configuration file",
                description="Write the APIs, scopes, roles, groups and clients the services hold in the "
                "format `authgate apply` reads: no secrets, no built-in scopes.")
    p.add_argument("-o", "--output-file", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--include-users", action="store_true",
                   help="add the users section (profile, roles, groups and attributes; never a password)")
