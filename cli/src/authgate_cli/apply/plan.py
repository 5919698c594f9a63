"""The difference between a configuration file and what the services hold: what to
create, what to change (field by field), what to delete (--prune) and what is unchanged.

Pure: it takes the file and the current state as plain items and decides nothing by
calling anyone, so `--dry-run` and the real run print the same plan. The rules:
- only the sections the file has are compared (a section left out is not managed);
- a built-in scope cannot be named; an admin client and a user are never pruned;
- a field the service cannot change in place (a client's type, authentication method,
  pkce_optional, audiences) is an error: that is a new client;
- a user's profile (email, names) is set when the user is created; a later difference
  is a warning, since the operator plane changes only roles, groups and attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .document import Configuration
from .kinds import KINDS, Item, Kind, same

CREATE, UPDATE, DELETE, UNCHANGED = "create", "update", "delete", "unchanged"


@dataclass(frozen=True)
class Change:
    section: str
    key: str
    action: str
    # The wanted item (create, update, unchanged) or the current one (delete), normal form.
    item: Item
    # For an update: field → (current value, wanted value).
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    # The file's own item (where its secret comes from), for create.
    source: Item = field(default_factory=dict)


@dataclass
class Current:
    """What the services hold, by section and key, normal form (built-ins left out)."""

    items: dict[str, dict[str, Item]]
    builtin_scopes: frozenset[str] = frozenset()


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def writes(self) -> list[Change]:
        """Creates and updates in dependency order, then deletes in the reverse order."""
        order = [k.section for k in KINDS]
        forward = [c for c in self.changes if c.action in (CREATE, UPDATE)]
        forward.sort(key=lambda c: order.index(c.section))
        backward = [c for c in self.changes if c.action == DELETE]
        backward.sort(key=lambda c: -order.index(c.section))
        return forward + backward

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def empty(self) -> bool:
        return not self.writes()


def make_plan(config: Configuration, current: Current, *, prune: bool = False) -> Plan:
    plan = Plan()
    for kind in KINDS:
        if config.has(kind.section):
            _plan_section(plan, kind, config.sections[kind.section], current, prune)
    return plan


def _plan_section(plan: Plan, kind: Kind, items: list[Item], current: Current, prune: bool) -> None:
    held = current.items.get(kind.section, {})
    named = set()
    for source in items:
        wanted = kind.normal(source)
        key = wanted[kind.key]
        named.add(key)
        if kind.section == "scopes" and key in current.builtin_scopes:
            plan.errors.append(f"scopes: {key} is a built-in scope; it cannot be defined or changed")
            continue
        have = held.get(key)
        if have is None:
            plan.changes.append(Change(kind.section, key, CREATE, wanted, source=source))
            continue
        diff = {n: (have.get(n), wanted[n]) for n in kind.defaults
                if not same(kind, n, have.get(n), wanted[n])}
        for name in kind.fixed:
            if name in diff:
                plan.errors.append(f"{kind.section}: {key}: {name} cannot change "
                                   f"({diff[name][0]!r} → {diff[name][1]!r}); delete it and apply again")
        for name in kind.on_create:
            if name in diff:
                plan.warnings.append(f"{kind.section}: {key}: {name} differs ({diff.pop(name)[0]!r} held); "
                                     "it is set only when the user is created")
        diff = {n: v for n, v in diff.items() if n not in kind.fixed}
        plan.changes.append(Change(kind.section, key, UPDATE if diff else UNCHANGED, wanted, diff, source))
    if not prune:
        return
    for key in sorted(set(held) - named):
        if kind.section == "users":
            continue  # never pruned: users are not the file's to remove
        if kind.section == "clients" and held[key].get("admin"):
            plan.warnings.append(f"clients: {key} is an admin client; it is never pruned "
                                 "(remove it with `authgate client delete`)")
            continue
        plan.changes.append(Change(kind.section, key, DELETE, held[key]))


def plan_dict(plan: Plan) -> dict[str, Any]:
    """The plan as JSON (`--json`): every change but the unchanged ones, and the counts."""
    return {
        "changes": [
            {"section": c.section, "name": c.key, "action": c.action,
             **({"fields": {n: {"from": old, "to": new} for n, (old, new) in c.fields.items()}}
                if c.action == UPDATE else {})}
            for c in plan.writes()
        ],
        "summary": {a: plan.count(a) for a in (CREATE, UPDATE, DELETE, UNCHANGED)},
        "warnings": plan.warnings,
    }


_MARK = {CREATE: "+", UPDATE: "~", DELETE: "-"}


def plan_lines(plan: Plan) -> list[str]:
    """The plan for a person: one line per change, grouped by section, then the counts."""
    lines: list[str] = []
    section = ""
    for change in plan.writes():
        if change.section != section:
            section = change.section
            lines.append(f"{section}:")
        lines.append(f"  {_MARK[change.action]} {change.action} {change.key}")
        for name, (old, new) in change.fields.items():
            lines.append(f"      {name}: {_show(old)} → {_show(new)}")
    lines += [f"warning: {w}" for w in plan.warnings]
    if plan.empty:
        lines.append(f"no changes ({plan.count(UNCHANGED)} unchanged)")
    else:
        lines.append(", ".join(f"{plan.count(a)} to {a}" for a in (CREATE, UPDATE, DELETE))
                     + f", {plan.count(UNCHANGED)} unchanged")
    return lines


def _show(value: Any) -> str:
    if value in (None, "", [], {}):
        return "(none)"
    return repr(value)
