"""Admin clients: only an operator's `admin` mark lets a client hold the admin API's
scopes, it must be able to obtain them (confidential, client_credentials), the mark is
audited like any other field, and /authorize never grants an admin scope, whatever the
client (RFC 6749 §4.1.2.1 invalid_scope)."""

from __future__ import annotations

import dataclasses

import pytest
from authgate_common.core.admin_scope import ADMIN_SCOPES
from authgate_common.core.errors import InvalidRequest
from authorization_fakes import REDIRECT
from authorization_service.domain.authorize.context import Redirect

ADMIN = dict(admin=True, first_party=False, scopes=("read", "admin:users", "admin:audit"),
             grant_types=("client_credentials",), redirect_uris=())


def _events(core, type_: str) -> list:
    return [e for e in core.uow.repos.audit.events if e.type == type_]


def test_an_admin_client_holds_admin_scopes_and_its_creation_says_so(core) -> None:
    client, secret = core.register("ops", **ADMIN)
    assert client.admin and client.scopes == ("read", "admin:users", "admin:audit") and secret
    assert core.uow.repos.clients.rows["ops"].admin
    [event] = _events(core, "client.created")
    assert event.details["admin"] is True


def test_every_admin_scope_is_known(core) -> None:
    client, _ = core.register("ops", **{**ADMIN, "scopes": tuple(sorted(ADMIN_SCOPES))})
    assert set(client.scopes) == ADMIN_SCOPES
    with pytest.raises(InvalidRequest, match="Unknown scope"):
        core.register("typo", **{**ADMIN, "scopes": ("admin:everything",)})


@pytest.mark.parametrize(("fields", "message"), [
    ({"admin": False}, "Only an admin client may have an admin scope"),
    ({"client_type": "public", "token_endpoint_auth_method": "none", "scopes": ("read",),
      "grant_types": ("authorization_code",), "redirect_uris": (REDIRECT,)}, "must be confidential"),
    ({"grant_types": ("authorization_code",), "redirect_uris": (REDIRECT,)}, "client_credentials only"),
])
def test_registration_refuses_what_could_misuse_an_admin_scope(core, fields, message) -> None:
    with pytest.raises(InvalidRequest, match=message):
        core.register("ops", **{**ADMIN, **fields})
    assert "ops" not in core.uow.repos.clients.rows
    assert _events(core, "client.created") == []


def test_an_admin_client_without_admin_scopes_is_allowed(core) -> None:
    client, _ = core.register("ops", admin=True)
    assert client.admin and client.grant_types == ("authorization_code", "refresh_token")


def test_the_admin_mark_changes_by_update_and_is_audited(core) -> None:
    core.register("svc", first_party=False, scopes=("read",), grant_types=("client_credentials",),
                  redirect_uris=())
    updated = core.service.updates.update("svc", {"admin": True, "scopes": ("read", "admin:users")})
    assert updated.changed == ("scopes", "admin") and core.uow.repos.clients.rows["svc"].admin
    [event] = _events(core, "client.changed")
    assert dict(event.details) == {"fields": ["scopes", "admin"]}
    assert core.changes.announced[-1][0] == "svc"  # token replicas forget the cached client


def test_dropping_the_mark_needs_dropping_the_admin_scopes_too(core) -> None:
    core.register("ops", **ADMIN)
    with pytest.raises(InvalidRequest, match="Only an admin client"):
        core.service.updates.update("ops", {"admin": False})
    assert core.uow.repos.clients.rows["ops"].admin
    updated = core.service.updates.update("ops", {"admin": False, "scopes": ("read",)})
    assert updated.changed == ("scopes", "admin") and not updated.client.admin


def test_an_admin_client_holding_admin_scopes_keeps_client_credentials(core) -> None:
    core.register("ops", **ADMIN)
    with pytest.raises(InvalidRequest, match="client_credentials only"):
        core.service.updates.update("ops", {"grant_types": ("authorization_code",),
                                            "redirect_uris": (REDIRECT,)})


@pytest.mark.parametrize("admin", [True, False])
def test_authorize_refuses_an_admin_scope_whatever_the_client(core, pkce, admin) -> None:
    core.register(admin=admin, first_party=True, scopes=("openid", "read"),
                  grant_types=("authorization_code", "client_credentials"))
    # Even a client registered for one (only an admin client can be) never gets it here.
    rows = core.uow.repos.clients.rows
    rows["web"] = dataclasses.replace(rows["web"], scopes=("openid", "read", "admin:users"))
    cookie, _ = core.sessions.sign_in()
    outcome = core.authorize(cookie=cookie, **core.valid_params(pkce[1], scope="openid admin:users"))
    assert isinstance(outcome, Redirect), outcome
    params = core.query(outcome.location)
    assert params["error"] == "invalid_scope" and "code" not in params
    assert "client_credentials" in params["error_description"]
