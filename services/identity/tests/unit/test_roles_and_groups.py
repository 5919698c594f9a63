"""Roles and groups (domain/access): definitions, a user's access, effective roles."""

from __future__ import annotations

import pytest
from authgate_common.core.admin_api import IfMatch, PreconditionFailed, by_admin_client
from authgate_common.core.errors import InvalidRequest, NotFound
from identity_fakes import Core
from identity_service.domain.access.names import Group, Role
from identity_service.domain.access.user_access import AccessChange


def _events(core: Core) -> list[str]:
    return [e.type for e in core.users.audit.events]


def test_putting_a_role_twice_changes_and_audits_once(core: Core) -> None:
    assert core.definitions.put_role(Role("billing.admin", "pays")) == (Role("billing.admin", "pays"), True)
    assert core.definitions.put_role(Role("billing.admin", "pays"))[1] is False
    assert core.definitions.put_role(Role("billing.admin", "pays the bills"))[1] is True
    assert _events(core) == ["role.put", "role.put"]
    assert core.definitions.list_roles() == [Role("billing.admin", "pays the bills")]


@pytest.mark.parametrize("name", ["", "with space", "a" * 65, "ünïcode", "semi;colon", "slash/ed"])
def test_role_and_group_names_are_plain_identifiers(core: Core, name: str) -> None:
    with pytest.raises(InvalidRequest):
        core.definitions.put_role(Role(name))
    with pytest.raises(InvalidRequest):
        core.definitions.put_group(Group(name))


def test_a_group_names_only_existing_roles(core: Core) -> None:
    with pytest.raises(InvalidRequest, match="no such role: ghost"):
        core.definitions.put_group(Group("staff", roles=("ghost",)))
    core.definitions.put_role(Role("reader"))
    group, changed = core.definitions.put_group(Group("staff", "", ("reader", "reader")))
    assert changed and group.roles == ("reader",)
    assert core.definitions.put_group(Group("staff", "", ("reader",)))[1] is False


def test_effective_roles_are_direct_and_group_roles_sorted_unique(core: Core) -> None:
    for role in ("writer", "reader", "auditor"):
        core.definitions.put_role(Role(role))
    core.definitions.put_group(Group("staff", roles=("reader", "writer")))
    user = core.user()
    user, changed = core.set_access(user.id, AccessChange(roles=("writer", "auditor"), groups=("staff",)))
    assert changed and user.roles == ("auditor", "writer") and user.groups == ("staff",)
    claims = core.claims(user.id, ["openid"], ["roles", "groups"])
    assert claims == {"sub": user.id, "roles": ["auditor", "reader", "writer"], "groups": ["staff"]}


def test_setting_access_needs_known_names_and_changes_nothing_on_refusal(core: Core) -> None:
    core.definitions.put_role(Role("reader"))
    user = core.user()
    with pytest.raises(InvalidRequest, match="no such group: ghosts"):
        core.set_access(user.id, AccessChange(roles=("reader",), groups=("ghosts",)))
    assert core.directory.get(user.id).roles == ()
    with pytest.raises(NotFound):
        core.set_access("00000000-0000-0000-0000-000000000000", AccessChange(roles=()))


def test_a_change_bumps_the_version_once_and_is_audited(core: Core) -> None:
    core.definitions.put_role(Role("reader"))
    user = core.user()
    changed, did = core.set_access(user.id, AccessChange(roles=("reader",)), by_admin_client("ops"),
                                   IfMatch(versions=frozenset({user.version})))
    assert did and changed.version == user.version + 1
    again, did = core.set_access(user.id, AccessChange(roles=("reader",)))
    assert not did and again.version == changed.version
    event = core.users.audit.events[-1]
    assert event.type == "admin.user.access_changed" and event.details["roles"] == ["reader"]
    with pytest.raises(PreconditionFailed):
        core.set_access(user.id, AccessChange(roles=()), if_match=IfMatch(versions=frozenset({user.version})))


def test_deleting_a_role_removes_it_everywhere_and_bumps_holders(core: Core) -> None:
    core.definitions.put_role(Role("reader"))
    core.definitions.put_group(Group("staff", roles=("reader",)))
    user, _ = core.set_access(core.user().id, AccessChange(roles=("reader",), groups=("staff",)))
    core.definitions.delete_role("reader")
    after = core.directory.get(user.id)
    assert after.roles == () and after.version == user.version + 1
    assert core.definitions.list_groups() == [Group("staff")]
    assert "roles" not in core.claims(user.id, [], ["roles"])
    with pytest.raises(NotFound):
        core.definitions.delete_role("reader")


def test_deleting_a_group_ends_memberships(core: Core) -> None:
    core.definitions.put_group(Group("staff"))
    user, _ = core.set_access(core.user().id, AccessChange(groups=("staff",)))
    core.definitions.delete_group("staff")
    assert core.directory.get(user.id).groups == ()
    assert _events(core)[-1] == "group.deleted"
