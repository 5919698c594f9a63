"""Changing a client and rotating its secret: the registration rules apply to the result,
the old secret fails at once, each committed change is audited (field names, never a
secret) and announced to the token replicas — after the commit, and only then."""

from __future__ import annotations

import base64
import json

import pytest
from authgate_common.core.errors import InvalidClient, InvalidRequest, NotFound
from authorization_service.domain.authorize.context import ErrorPage, Redirect
from cryptography.hazmat.primitives.asymmetric import ec

NEW_CB = "https://app.example/new-cb"


def _jwks(kid: str) -> str:
    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()

    return json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "kid": kid, "x": b64(numbers.x),
                                 "y": b64(numbers.y)}]})


def _events(core, type_: str) -> list:
    return [e for e in core.uow.repos.audit.events if e.type == type_]


def test_update_replaces_the_named_fields_and_keeps_the_rest(core) -> None:
    before, secret = core.register("web", name="Web")
    updated = core.service.updates.update("web", {"redirect_uris": (NEW_CB, NEW_CB), "scopes": ("read",),
                                                  "first_party": False})
    assert core.changes.announced == [("web", core.uow.commits)]  # after its commit
    assert updated.changed == ("redirect_uris", "scopes", "first_party")
    stored = core.uow.repos.clients.rows["web"]
    assert stored == updated.client
    assert stored.redirect_uris == (NEW_CB,) and stored.scopes == ("read",) and not stored.first_party
    assert stored.name == "Web" and stored.grant_types == before.grant_types
    assert stored.created_at == before.created_at and stored.secret_hash == before.secret_hash
    assert core.service.registry.authenticate("web", secret).client_id == "web"  # secret untouched
    [event] = _events(core, "client.changed")
    assert (event.client_id, event.actor) == ("web", "operator")
    assert dict(event.details) == {"fields": ["redirect_uris", "scopes", "first_party"]}


def test_the_authorize_endpoint_follows_the_new_redirect_uris(core, pkce) -> None:
    core.register("web")
    core.service.updates.update("web", {"redirect_uris": (NEW_CB,)})
    cookie, _ = core.sessions.sign_in()
    ok = core.authorize(cookie=cookie, **core.valid_params(pkce[1], redirect_uri=NEW_CB))
    assert isinstance(ok, Redirect) and ok.location.startswith(NEW_CB + "?code=")
    old = core.authorize(cookie=cookie, **core.valid_params(pkce[1]))
    assert isinstance(old, ErrorPage)  # never a redirect to an URI no longer registered


def test_an_update_that_changes_nothing_is_not_recorded_or_announced(core) -> None:
    client, _ = core.register("web", name="Web")
    updated = core.service.updates.update("web", {"name": "Web", "scopes": client.scopes})
    assert updated.changed == () and updated.client == core.uow.repos.clients.rows["web"]
    assert _events(core, "client.changed") == [] and core.changes.announced == []


@pytest.mark.parametrize("values", [
    {"redirect_uris": ("http://app.example/cb",)},  # http beyond loopback
    {"redirect_uris": ()},  # the authorization_code grant needs one
    {"scopes": ("openid", "superuser")},
    {"grant_types": ("password",)},
    {"post_logout_redirect_uris": ("javascript:alert(1)",)},
    {"backchannel_logout_uri": "ftp://app.example/bc"},
    {"name": "x" * 201},
    {"jwks": _jwks("k1")},  # a secret-based client has no keys
])
def test_the_registration_rules_apply_to_the_changed_client(core, values) -> None:
    before, _ = core.register("web")
    with pytest.raises(InvalidRequest):
        core.service.updates.update("web", values)
    assert core.uow.repos.clients.rows["web"] == before
    assert _events(core, "client.changed") == [] and core.changes.announced == []


def test_a_public_client_cannot_be_changed_into_a_client_credentials_one(core) -> None:
    core.register("spa", client_type="public")
    with pytest.raises(InvalidRequest):
        core.service.updates.update("spa", {"grant_types": ("client_credentials",)})


def test_redirect_uris_may_go_with_the_code_grant(core) -> None:
    core.register("web")
    updated = core.service.updates.update("web", {"grant_types": ("client_credentials",),
                                                  "redirect_uris": ()})
    assert updated.client.redirect_uris == () and updated.client.grant_types == ("client_credentials",)


@pytest.mark.parametrize("values", [
    {}, {"client_id": "other"}, {"client_type": "public"}, {"token_endpoint_auth_method": "none"},
    {"secret_hash": ""}, {"pkce_optional": True}, {"no_such_field": None},
])
def test_identity_authentication_and_unknown_fields_cannot_be_changed(core, values) -> None:
    before, _ = core.register("web")
    with pytest.raises(InvalidRequest):
        core.service.updates.update("web", values)
    assert core.uow.repos.clients.rows["web"] == before


def test_unknown_client_is_not_found(core) -> None:
    with pytest.raises(NotFound):
        core.service.updates.update("nobody", {"name": "x"})
    with pytest.raises(NotFound):
        core.service.updates.rotate_secret("nobody")
    assert core.changes.announced == []


def test_a_private_key_jwt_client_changes_its_keys(core) -> None:
    core.register("svc", token_endpoint_auth_method="private_key_jwt", jwks=_jwks("k1"),
                  grant_types=("client_credentials",), redirect_uris=())
    updated = core.service.updates.update("svc", {"jwks": _jwks("k2")})
    assert updated.changed == ("jwks",)
    assert [k["kid"] for k in json.loads(updated.client.jwks)["keys"]] == ["k2"]
    with pytest.raises(InvalidRequest):
        core.service.updates.update("svc", {"jwks": ""})  # it must keep some keys


def test_rotation_returns_a_new_secret_once_and_the_old_one_fails_at_once(core) -> None:
    _, old = core.register("web")
    rotated = core.service.updates.rotate_secret("web")
    assert core.changes.announced == [("web", core.uow.commits)]
    assert len(rotated.client_secret) >= 43 and rotated.client_secret != old
    with pytest.raises(InvalidClient):
        core.service.registry.authenticate("web", old)
    assert core.service.registry.authenticate("web", rotated.client_secret).client_id == "web"
    [event] = _events(core, "client.secret_rotated")
    assert (event.client_id, event.actor, dict(event.details)) == ("web", "operator", {"generated": True})
    stored = core.uow.repos.clients.rows["web"]
    trail = repr(core.uow.repos.audit.events)
    assert rotated.client_secret not in trail and old not in trail and stored.secret_hash not in trail


def test_rotation_to_a_given_secret_follows_the_secret_rules(core) -> None:
    core.register("web")
    with pytest.raises(InvalidRequest):
        core.service.updates.rotate_secret("web", "short")
    given = "g" * 40
    assert core.service.updates.rotate_secret("web", given).client_secret == given
    assert core.service.registry.authenticate("web", given).client_id == "web"
    assert dict(_events(core, "client.secret_rotated")[0].details) == {"generated": False}


def test_clients_without_a_secret_have_none_to_rotate(core) -> None:
    core.register("spa", client_type="public")
    core.register("svc", token_endpoint_auth_method="private_key_jwt", jwks=_jwks("k1"),
                  grant_types=("client_credentials",), redirect_uris=())
    for client_id in ("spa", "svc"):
        with pytest.raises(InvalidRequest):
            core.service.updates.rotate_secret(client_id)
    assert core.uow.repos.clients.rows["spa"].secret_hash == ""
    assert _events(core, "client.secret_rotated") == [] and core.changes.announced == []


def test_a_deletion_is_announced_after_its_commit(core) -> None:
    core.register("web")
    core.service.registry.delete("web")
    assert core.changes.announced == [("web", core.uow.commits)]
    with pytest.raises(NotFound):
        core.service.registry.delete("web")
    assert len(core.changes.announced) == 1


def test_a_client_with_account_stays_first_party(core) -> None:
    before, _ = core.register("web", scopes=("openid", "account"))
    with pytest.raises(InvalidRequest):
        core.service.updates.update("web", {"first_party": False})
    core.register("app", scopes=("openid", "read"), first_party=False)
    with pytest.raises(InvalidRequest):
        core.service.updates.update("app", {"scopes": ("openid", "account")})
    assert core.uow.repos.clients.rows["web"] == before
