"""The admin API's client use cases on fakes: the operator's rules apply unchanged, the
admin mark and admin clients stay the operator's, If-Match guards every change inside its
transaction, every change bumps the version, is announced to the token replicas and is
audited as admin.client.* with the acting client; paging by opaque cursor."""

from __future__ import annotations

import pytest
from authgate_common.core.admin_api import IfMatch, PreconditionFailed, by_admin_client
from authgate_common.core.errors import AccessDenied, InvalidRequest, NotFound
from authorization_fakes import REDIRECT
from authorization_service.domain.admin.clients import ClientAdmin
from authorization_service.domain.models import Client

BOT = by_admin_client("ops-bot")
ANY = IfMatch(any=True)
V1 = IfMatch(versions=frozenset({1}))
ADMIN = dict(admin=True, first_party=False, scopes=("admin:clients",), grant_types=("client_credentials",),
             redirect_uris=())


@pytest.fixture
def admin(core) -> ClientAdmin:
    return ClientAdmin(core.uow, core.service.registry, core.service.updates)


def _web(client_id: str = "web", **fields) -> Client:
    return Client(**{"client_id": client_id, "redirect_uris": (REDIRECT,), "scopes": ("openid", "read"),
                     **fields})


def _events(core) -> list:
    return [e for e in core.uow.repos.audit.events if e.type.startswith("admin.client.")]


def test_a_registration_is_the_operators_with_a_generated_secret_and_audited_by_the_client(core, admin):
    registered = admin.create(_web(), BOT)
    assert registered.client_secret and len(registered.client_secret) >= 32
    assert registered.client.version == 1 and core.uow.repos.clients.rows["web"].secret_hash
    [event] = _events(core)
    assert (event.type, event.actor, event.client_id) == ("admin.client.created", "client:ops-bot", "web")
    assert "secret" not in str(event.details)
    with pytest.raises(InvalidRequest, match="redirect URI"):  # validate_client, unchanged
        admin.create(Client(client_id="bad", scopes=("openid",)), BOT)
    public = _web("spa", client_type="public", token_endpoint_auth_method="none")
    assert admin.create(public, BOT).client_secret == ""


def test_only_the_operator_makes_or_marks_an_admin_client(core, admin):
    with pytest.raises(InvalidRequest, match="operator"):
        admin.create(Client(client_id="ops2", client_type="confidential", **ADMIN), BOT)
    with pytest.raises(InvalidRequest, match="Only an admin client may have an admin scope"):
        admin.create(_web(scopes=("admin:users",)), BOT)
    admin.create(_web(), BOT)
    with pytest.raises(InvalidRequest, match="operator"):
        admin.update("web", {"admin": True}, ANY, BOT)
    with pytest.raises(InvalidRequest, match="Cannot change audiences"):
        admin.update("web", {"audiences": ("x",)}, ANY, BOT)
    assert not core.uow.repos.clients.rows["web"].admin


def test_an_admin_client_is_read_but_never_changed_rotated_or_deleted(core, admin):
    core.register("ops", **ADMIN)
    assert admin.get("ops").admin
    for act in (lambda: admin.update("ops", {"name": "x"}, ANY, BOT),
                lambda: admin.rotate_secret("ops", None, BOT), lambda: admin.delete("ops", None, BOT)):
        with pytest.raises(AccessDenied):
            act()
    assert core.uow.repos.clients.rows["ops"].version == 1 and not _events(core)


def test_a_change_needs_the_current_version_and_bumps_it(core, admin):
    admin.create(_web(), BOT)
    with pytest.raises(PreconditionFailed):
        admin.update("web", {"name": "Web"}, IfMatch(versions=frozenset({2})), BOT)
    updated = admin.update("web", {"name": "Web", "scopes": ("openid",)}, V1, BOT)
    assert updated.changed == ("name", "scopes") and updated.client.version == 2
    assert admin.update("web", {"name": "Web"}, ANY, BOT).client.version == 2  # nothing changed
    rotated = admin.rotate_secret("web", IfMatch(versions=frozenset({2})), BOT)
    assert rotated.client.version == 3 and rotated.client_secret
    with pytest.raises(PreconditionFailed):
        admin.delete("web", IfMatch(versions=frozenset({2})), BOT)
    assert [e.type for e in _events(core)] == ["admin.client.created", "admin.client.changed",
                                               "admin.client.secret_rotated"]
    assert [c for c, _ in core.changes.announced] == ["web", "web"]


def test_the_operator_plane_bumps_the_version_too(core):
    core.register("web")
    assert core.service.updates.update("web", {"name": "W"}).client.version == 2
    assert core.service.updates.rotate_secret("web").client.version == 3
    assert [e.type for e in core.uow.repos.audit.events] == ["client.created", "client.changed",
                                                             "client.secret_rotated"]
    assert all(e.actor == "operator" and e.client_id == "web" for e in core.uow.repos.audit.events)


def test_delete_drops_the_approvals_announces_and_audits(core, admin):
    admin.create(_web(), BOT)
    core.service.consents.grant("user-1", "web", ("openid",))
    admin.delete("web", IfMatch(versions=frozenset({1})), BOT)
    assert "web" not in core.uow.repos.clients.rows and not core.uow.repos.consents.rows
    assert core.changes.announced[-1][0] == "web"
    assert _events(core)[-1].details == {"consents_removed": 1}
    with pytest.raises(NotFound):
        admin.delete("web", None, BOT)


def test_pages_chain_by_cursor_and_filters_are_exact(core, admin):
    for n in range(5):
        admin.create(_web(f"c{n}", first_party=n % 2 == 0), BOT)
        core.clock.advance(1)
    seen, cursor = [], None
    while True:
        page = admin.list(limit=2, cursor=cursor)
        seen += [c.client_id for c in page.clients]
        if not (cursor := page.next_cursor):
            break
    assert seen == ["c0", "c1", "c2", "c3", "c4"]
    assert [c.client_id for c in admin.list(limit=50, first_party=True).clients] == ["c0", "c2", "c4"]
    assert admin.list(limit=50, client_type="public").clients == []
    for bad in ("not-a-cursor", "MTIz"):
        with pytest.raises(InvalidRequest):
            admin.list(limit=2, cursor=bad)
    with pytest.raises(InvalidRequest):
        admin.list(limit=0)
