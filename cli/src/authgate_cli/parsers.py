"""The shape every command group shares: `authgate GROUP COMMAND [options]`.

Each group module's `register` makes its group with `command_group` and each command with
`command`; both take the flags common to every (sub)parser (main.build_parser), so they
work before or after the subcommand.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .context import Context

Handler = Callable[[argparse.Namespace, Context], int | None]


def command_group(
    groups: Any, common: argparse.ArgumentParser, name: str, *, metavar: str | None = "COMMAND", **texts: Any
) -> Any:
    """The group `authgate NAME` (help, description … in `texts`): its subcommands' action."""
    group = groups.add_parser(name, parents=[common], **texts)
    return group.add_subparsers(dest="command", required=True, metavar=metavar)


def command(
    commands: Any, common: argparse.ArgumentParser, name: str, handler: Handler, **texts: Any
) -> argparse.ArgumentParser:
    """The command `authgate GROUP NAME` that runs `handler`; its options are the caller's."""
    parser: argparse.ArgumentParser = commands.add_parser(name, parents=[common], **texts)
    parser.set_defaults(handler=handler)
    return parser


def either(parser: argparse.ArgumentParser, *options: tuple[str, str]) -> None:
    """Exactly one of `options` (flag, help), e.g. a user by --id or by --username."""
    which = parser.add_mutually_exclusive_group(required=True)
    for flag, text in options:
        which.add_argument(flag, help=text)
