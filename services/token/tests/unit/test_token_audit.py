"""Token events in the audit trail: each token issued (with its grant type and jti, never
the token), each access token revoked, and each signing-key rotation (in its transaction)."""

from __future__ import annotations

import secrets

from jose import jwt
from token_service.domain.keys.key_rotation import KeyRotation


def _claims(token: str) -> dict:
    return jwt.get_unverified_claims(token)


def test_every_grant_records_what_it_issued(calls) -> None:
    first = calls.sign_in(scopes=("openid", "read"), sid="sid-1")
    second = calls.refresh(first.refresh_token)
    machine = calls.token({"grant_type": "client_credentials", "scope": "read"}, ("svc", "svc-secret"))
    events = calls.world.service.audit.events
    assert [(e.type, e.details["grant_type"], e.subject, e.sid, e.client_id, e.actor) for e in events] == [
        ("token.issued", "authorization_code", "u1", "sid-1", "app", "client:app"),
        ("token.issued", "refresh_token", "u1", "sid-1", "app", "client:app"),
        ("token.issued", "client_credentials", "", "", "svc", "client:svc"),
    ]
    assert [e.details["jti"] for e in events] == [
        _claims(t.access_token)["jti"] for t in (first, second, machine)
    ]
    assert (
        events[0].details["refresh"]
        and events[0].details["oidc"]
        and events[0].details["scope"] == ["openid", "read"]
    )
    text = repr(events)
    for token in (
        first.access_token,
        first.refresh_token,
        first.id_token,
        second.refresh_token,
        machine.access_token,
    ):
        assert token not in text


def test_a_revoked_access_token_is_recorded_by_jti(calls) -> None:
    tokens = calls.sign_in(sid="sid-1")
    calls.revoke(tokens.access_token)
    calls.revoke("not-a-token.at.all")  # nothing revoked, nothing recorded
    revoked = [e for e in calls.world.service.audit.events if e.type == "token.revoked"]
    assert [(e.subject, e.sid, e.client_id, dict(e.details)) for e in revoked] == [
        ("u1", "sid-1", "app", {"kind": "access", "jti": _claims(tokens.access_token)["jti"]})
    ]


def test_a_rotation_is_recorded_in_its_transaction(key_store, clock, cheap_keys) -> None:
    from token_service.bootstrap import key_policy
    from token_service.settings import Settings

    rotation = KeyRotation(
        key_store,
        key_policy(Settings(_env_file=None, SECRET_KEY=secrets.token_urlsafe(32))),
        clock=clock,  # type: ignore[call-arg]
        generate=cheap_keys,
    )
    first = rotation.check()  # first start: a key is created, not rotated
    old = next(k.kid for k in first if k.state == "current")
    outcome = rotation.rotate(force=True)
    new = next(k.kid for k in outcome.keys if k.state == "current")
    assert [(e.type, e.actor, dict(e.details)) for e in key_store.audit.events] == [
        ("key.created", "system", {"kid": old, "previous_kid": "", "forced": False}),
        ("key.rotated", "operator", {"kid": new, "previous_kid": old, "forced": True}),
    ]
