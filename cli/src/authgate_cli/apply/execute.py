"""Carrying out a plan: its writes in dependency order, the secrets of what is created.

A confidential client's secret comes from the environment variable its `client_secret_env`
names, else the service generates one; a user's password from `password_env`, else one is
generated here. Either way a generated secret is returned once, to be printed or written
to --secrets-out, and never again: the services keep only hashes. A named variable that
is unset or empty stops the run before anything is written.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from authgate_common.core.errors import InvalidRequest

from .grpc_store import Store
from .plan import CREATE, DELETE, UPDATE, Change, Plan

SECRET_FIELDS = {"clients": "client_secret_env", "users": "password_env"}


@dataclass
class Outcome:
    done: list[Change] = field(default_factory=list)
    # Generated secrets, by section and key: {"clients": {"web": "..."}, "users": {...}}.
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)


def missing_secrets(plan: Plan, env: Mapping[str, str]) -> list[str]:
    """The environment variables the plan's creations name but the environment lacks."""
    problems = []
    for change in plan.writes():
        name = change.source.get(SECRET_FIELDS.get(change.section, ""), "")
        if change.action == CREATE and name and not env.get(name):
            problems.append(f"{change.section}: {change.key}: the environment variable {name} is not set")
    return problems


def _given_secret(change: Change, env: Mapping[str, str]) -> str:
    name = change.source.get(SECRET_FIELDS.get(change.section, ""), "")
    return env.get(name, "") if name else ""


def execute(plan: Plan, store: Store, env: Mapping[str, str], outcome: Outcome) -> None:
    """Every write of the plan, in order; `outcome` holds what was done if one fails."""
    problems = missing_secrets(plan, env)
    if problems:
        raise InvalidRequest("; ".join(problems) + ".")
    for change in plan.writes():
        if change.action == CREATE:
            given = _given_secret(change, env)
            if change.section == "users" and not given:
                given = secrets.token_urlsafe(18)
                outcome.secrets.setdefault("users", {})[change.key] = given
            generated = store.create(change.section, change.item, given)
            if generated and not _given_secret(change, env):
                outcome.secrets.setdefault(change.section, {})[change.key] = generated
        elif change.action == UPDATE:
            store.update(change.section, change.item, list(change.fields))
        elif change.action == DELETE:
            store.delete(change.section, change.key)
        outcome.done.append(change)


def write_secrets(path: str, found: dict[str, dict[str, str]]) -> None:
    """The generated secrets as JSON in a file only its owner may read (mode 0600)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode otherwise
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(found, file, indent=2, sort_keys=True)
        file.write("\n")


def check_writable(path: str) -> None:
    """Fail before any write when --secrets-out cannot be written (its folder is missing)."""
    if not Path(path).resolve().parent.is_dir():
        raise InvalidRequest(f"--secrets-out {path}: its folder does not exist.")
