"""RFC 8707 §2.2 at the token endpoint: `resource` at the code, refresh and
client_credentials grants; the access token's `aud` is the requested resources alone and
its scopes those of their APIs (plus openid & co.); a resource outside the grant or that no
granted scope opens is invalid_target; refresh keeps the family's resources and may narrow
them; RESOURCE_INDICATORS_ENABLED=false ignores the parameter."""

from __future__ import annotations

import secrets
import urllib.parse

import pytest
from authgate_common.core.errors import InvalidTarget
from token_fakes import CODE_REDIRECT, FORM, Calls, add_lifecycle_clients, basic, grant
from token_service.domain.ports import Client
from token_service.entrypoints.form_request import form_request

API = "urn:authgate:api"  # the seeded catalogue's API: read, write, admin
OTHER = "https://other.example/api"


def code_for(calls: Calls, resources: tuple[str, ...] = (), scopes=("openid", "read")) -> str:
    code = "code-" + secrets.token_hex(6)
    calls.world.authorization.add_code(code, grant(code + "-g", scopes, "app", resources=resources),
                                       CODE_REDIRECT)
    return code


def exchange(calls: Calls, code: str, *resources: str):
    pairs = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", CODE_REDIRECT),
             ("code_verifier", "v"), *(("resource", r) for r in resources)]
    body = urllib.parse.urlencode(pairs).encode()
    return calls.world.service.token_endpoint.handle(form_request(FORM, body, basic("app", "app-secret")))


def test_the_codes_resources_become_the_audience(calls) -> None:
    resp = exchange(calls, code_for(calls, (API,)))
    assert resp.claims["aud"] == [API] and resp.scope == "openid read"


def test_a_resource_named_at_the_token_endpoint_only(calls) -> None:
    resp = exchange(calls, code_for(calls), API)
    assert resp.claims["aud"] == [API]


def test_without_any_resource_the_audience_is_as_before(calls) -> None:
    assert exchange(calls, code_for(calls)).claims["aud"] == ["app", API]


@pytest.mark.parametrize("granted, asked", [((API,), OTHER), ((), OTHER), ((), "not a uri"),
                                            ((), API + "#x")])
def test_a_resource_outside_the_grant_is_invalid_target(calls, granted, asked) -> None:
    with pytest.raises(InvalidTarget):
        exchange(calls, code_for(calls, granted), asked)


def test_a_resource_the_granted_scopes_do_not_open_is_invalid_target(calls) -> None:
    with pytest.raises(InvalidTarget):
        exchange(calls, code_for(calls, scopes=("openid", "profile")), API)


def test_the_refresh_family_keeps_the_resources(calls) -> None:
    first = exchange(calls, code_for(calls, (API,)))
    again = calls.refresh(first.refresh_token)
    assert again.claims["aud"] == [API]
    with pytest.raises(InvalidTarget):
        calls.refresh(again.refresh_token, resource=OTHER)
    narrowed = calls.refresh(again.refresh_token, resource=API)
    assert narrowed.claims["aud"] == [API]


def test_client_credentials_names_a_resource(calls) -> None:
    auth = ("svc", "svc-secret")
    resp = calls.token({"grant_type": "client_credentials", "scope": "read", "resource": API}, auth)
    assert resp.claims["aud"] == [API]
    with pytest.raises(InvalidTarget):
        calls.token({"grant_type": "client_credentials", "scope": "read", "resource": OTHER}, auth)


def test_scopes_of_other_apis_are_left_out(calls) -> None:
    # `account` opens the account API: not in a token meant for the resource API alone.
    calls.world.authorization.add_client(Client("own", grant_types=("authorization_code",),
                                                scopes=("openid", "read", "account"), first_party=True),
                                         "own-secret")
    code = "code-" + secrets.token_hex(6)
    calls.world.authorization.add_code(code, grant(code + "-g", ("openid", "read", "account"), "own",
                                                   resources=(API,)), CODE_REDIRECT)
    resp = calls.token({"grant_type": "authorization_code", "code": code, "redirect_uri": CODE_REDIRECT,
                        "code_verifier": "v"}, ("own", "own-secret"))
    assert resp.scope == "openid read" and resp.claims["aud"] == [API]


def test_switched_off_the_parameter_is_ignored(world_factory) -> None:
    world = world_factory(RESOURCE_INDICATORS_ENABLED=False)
    add_lifecycle_clients(world)
    calls = Calls(world)
    resp = exchange(calls, code_for(calls, (API,)), OTHER)
    assert resp.claims["aud"] == ["app", API]
