"""RFC 8693 token exchange at the token endpoint, on fakes: impersonation and delegation
(`act`, nested per §4.1) under the client's policy (unauthorized_client), the subject token
live and meant for the client (invalid_request, §2.2.2), scopes within the subject token's
and the client's (invalid_scope), resources and audiences (invalid_target), the issued token
tied to the subject's session, DPoP binding, audit, and TOKEN_EXCHANGE_ENABLED off."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import (
    DPOP_NONCE_KEY,
    InvalidRequest,
    InvalidScope,
    InvalidTarget,
    UnauthorizedClient,
    UnsupportedGrantType,
    UseDPoPNonce,
)
from authgate_common.core.scope_catalog import DEFAULT_API, SEEDED_SCOPES, Catalog, Scope
from authgate_dpop import DPoPKey
from token_fakes import FORM, add_lifecycle_clients, basic, form
from token_service.domain.endpoints.discovery import provider_metadata
from token_service.domain.ports import Client
from token_service.entrypoints.form_request import form_request

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
API = "urn:authgate:api"  # the seeded catalogue's API (read, write): the user token's audience
RS = ("rs", "rs-secret")


def policy(client_id: str, *, impersonation: bool = True, delegation: bool = True,
           audiences: tuple[str, ...] = (API,), **kw) -> Client:
    fields = dict(grant_types=(EXCHANGE,), scopes=("openid", "read", "write"),
                  token_exchange_impersonation=impersonation, token_exchange_delegation=delegation,
                  token_exchange_subject_audiences=audiences)
    return Client(client_id, **{**fields, **kw})


@pytest.fixture
def calls(calls):
    az = calls.world.authorization
    az.add_client(policy("rs"), "rs-secret")
    az.add_client(policy("rs2"), "rs2-secret")
    az.add_client(policy("imp-only", delegation=False), "imp-secret")
    az.add_client(policy("del-only", impersonation=False), "del-secret")
    az.add_client(policy("no-policy", impersonation=False, delegation=False), "np-secret")
    az.add_client(policy("own-aud", audiences=()), "own-secret")
    return calls


def user_token(calls, scopes=("openid", "read", "write"), client_id="app") -> str:
    return calls.sign_in(scopes, client_id=client_id).access_token


def actor_token(calls, client=("api", "api-secret")) -> str:
    return calls.token({"grant_type": "client_credentials"}, client).access_token


def exchange(calls, subject: str, auth=RS, **extra: str):
    return calls.token({"grant_type": EXCHANGE, "subject_token": subject, "subject_token_type": ACCESS,
                        **extra}, auth)


def delegate(calls, subject: str, actor: str, auth=RS, **extra: str):
    return exchange(calls, subject, auth, actor_token=actor, actor_token_type=ACCESS, **extra)


def events(calls) -> list:
    return [e for e in calls.world.service.audit.events if e.type == "token.issued"]


def test_impersonation_gives_the_client_a_token_for_the_same_user_and_session(calls) -> None:
    subject = calls.world.service.validator.validate(user := user_token(calls))
    resp = exchange(calls, user)
    body = resp.to_dict()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "issued_token_type"}
    assert (body["token_type"], body["issued_token_type"]) == ("Bearer", ACCESS)  # RFC 8693 §2.2.1
    claims = calls.world.service.validator.validate(resp.access_token)
    assert (claims["sub"], claims["client_id"], claims["sid"]) == ("u1", "rs", "sid-1")
    assert (claims["auth_time"], claims["amr"], claims["acr"]) == (
        subject["auth_time"], subject["amr"], subject["acr"])
    assert "act" not in claims and claims["aud"] == ["rs", API]
    assert resp.scope == "openid read write"  # the subject's and the client's in common
    event = events(calls)[-1]
    assert (event.subject, event.client_id, event.details["grant_type"]) == ("u1", "rs", EXCHANGE)
    assert event.details["subject_client"] == "app" and "actor" not in event.details


def test_delegation_names_the_actor_in_act(calls) -> None:
    resp = delegate(calls, user_token(calls), actor_token(calls))
    claims = calls.world.service.validator.validate(resp.access_token)
    assert claims["sub"] == "u1" and claims["act"] == {"sub": "api", "client_id": "api"}
    details = events(calls)[-1].details
    assert (details["subject_client"], details["actor"], details["actor_client"]) == ("app", "api", "api")
    described = calls.introspect(resp.access_token, RS)  # RFC 8693 §4.1: act in introspection
    assert described["active"] and described["act"] == {"sub": "api", "client_id": "api"}


def test_a_delegated_token_exchanged_again_nests_the_prior_actor_and_impersonation_keeps_it(calls) -> None:
    first = delegate(calls, user_token(calls), actor_token(calls)).access_token
    again = delegate(calls, first, actor_token(calls, ("svc", "svc-secret")), ("rs2", "rs2-secret"))
    claims = calls.world.service.validator.validate(again.access_token)
    assert claims["act"] == {"sub": "svc", "client_id": "svc",
                             "act": {"sub": "api", "client_id": "api"}}  # most recent outermost
    kept = exchange(calls, first, ("rs2", "rs2-secret"))
    assert calls.world.service.validator.validate(kept.access_token)["act"] == {"sub": "api",
                                                                                  "client_id": "api"}


def test_act_cannot_be_injected_by_a_claim_a_scope_copies(calls) -> None:
    """A user attribute named `act`, copied by a scope into access tokens, never forges an actor."""
    world = calls.world
    world.catalog.catalog = Catalog((*SEEDED_SCOPES, Scope("hr", "HR", access_token_claims=("act", "dept"))),
                                    (DEFAULT_API,), revision=9)
    world.identity.users["u1"].update(act={"sub": "mallory", "client_id": "evil"}, dept="sales")
    world.authorization.add_client(policy("rs", scopes=("openid", "read", "hr")), "rs-secret")
    user = calls.sign_in(("openid", "read"), client_id="app").access_token
    plain = exchange(calls, user, scope="read")
    assert "act" not in plain.claims
    calls.world.authorization.add_client(Client("app", grant_types=("authorization_code",),
                                                scopes=("openid", "read", "hr")), "app-secret")
    with_hr = calls.sign_in(("openid", "read", "hr"), client_id="app").access_token
    assert "act" not in calls.world.service.validator.validate(with_hr)
    copied = exchange(calls, with_hr, scope="read hr").claims
    assert copied["dept"] == "sales" and "act" not in copied  # copied, but not over ours
    delegated = delegate(calls, with_hr, actor_token(calls), scope="read hr").claims
    assert delegated["act"] == {"sub": "api", "client_id": "api"}


def test_no_refresh_or_id_token_even_with_openid(calls) -> None:
    resp = exchange(calls, user_token(calls), scope="openid read")
    assert resp.refresh_token is None and resp.id_token is None and resp.scope == "openid read"


@pytest.mark.parametrize("auth, actor", [
    (("no-policy", "np-secret"), False), (("no-policy", "np-secret"), True),
    (("del-only", "del-secret"), False), (("imp-only", "imp-secret"), True)])
def test_what_the_policy_does_not_allow_is_unauthorized_client(calls, auth, actor) -> None:
    user = user_token(calls)
    with pytest.raises(UnauthorizedClient):
        if actor:
            delegate(calls, user, actor_token(calls), auth)
        else:
            exchange(calls, user, auth)


def test_a_client_without_the_grant_type_is_unauthorized_client(calls) -> None:
    with pytest.raises(UnauthorizedClient):
        exchange(calls, user_token(calls), ("app", "app-secret"))


def test_a_subject_token_meant_for_another_audience_is_invalid_request(calls) -> None:
    only_app = user_token(calls, ("openid", "profile"))  # aud: app alone, no API scope
    with pytest.raises(InvalidRequest, match="not meant for this client"):
        exchange(calls, only_app)
    with pytest.raises(InvalidRequest, match="not meant for this client"):
        exchange(calls, user_token(calls), ("own-aud", "own-secret"))  # default: its own id
    mine = calls.sign_in(("openid", "read"), client_id="other", auth=("other", "other-secret"))
    calls.world.authorization.add_client(policy("other", audiences=(), grant_types=(
        "authorization_code", EXCHANGE)), "other-secret")
    assert exchange(calls, mine.access_token, ("other", "other-secret")).scope == "openid read"


def test_a_dead_subject_or_actor_token_is_invalid_request(calls) -> None:
    user = user_token(calls)
    calls.revoke(revoked := user_token(calls))
    client_only = actor_token(calls, ("svc", "svc-secret"))
    for subject in ("not-a-jwt", revoked, user[:-4] + "AAAA"):
        with pytest.raises(InvalidRequest, match="subject_token is invalid"):
            exchange(calls, subject)
    with pytest.raises(InvalidRequest, match="no user session"):
        exchange(calls, client_only)
    with pytest.raises(InvalidRequest, match="actor_token is invalid"):
        delegate(calls, user, "not-a-jwt")
    calls.world.sessions.alive.discard("sid-1")
    with pytest.raises(InvalidRequest, match="subject_token is invalid"):
        exchange(calls, user)


@pytest.mark.parametrize("params", [
    {"subject_token_type": "urn:ietf:params:oauth:token-type:refresh_token"},
    {"subject_token_type": "urn:ietf:params:oauth:token-type:jwt"},
    {"subject_token_type": ""},
    {"requested_token_type": "urn:ietf:params:oauth:token-type:refresh_token"},
    {"requested_token_type": "urn:ietf:params:oauth:token-type:id_token"},
    {"actor_token": "x"},  # without its type
    {"actor_token_type": ACCESS},  # without a token
])
def test_malformed_exchange_requests_are_invalid_request(calls, params) -> None:
    with pytest.raises(InvalidRequest):
        calls.token({"grant_type": EXCHANGE, "subject_token": user_token(calls),
                     "subject_token_type": ACCESS, **params}, RS)
    with pytest.raises(InvalidRequest):
        calls.token({"grant_type": EXCHANGE, "subject_token_type": ACCESS}, RS)


@pytest.mark.parametrize("scope", ["read admin", "profile", "read email", "account"])
def test_scopes_beyond_the_subject_tokens_or_the_clients_are_invalid_scope(calls, scope) -> None:
    with pytest.raises(InvalidScope):
        exchange(calls, user_token(calls), scope=scope)


def test_a_subset_of_scopes_may_be_asked(calls) -> None:
    resp = exchange(calls, user_token(calls), scope="read")
    assert resp.scope == "read"
    assert calls.world.service.validator.validate(resp.access_token)["scope"] == "read"
    narrow = calls.world.authorization
    narrow.add_client(policy("narrow", scopes=("email",)), "narrow-secret")
    with pytest.raises(InvalidScope):  # nothing in common: no default
        exchange(calls, user_token(calls), ("narrow", "narrow-secret"))


def test_resource_and_audience_name_the_api_the_token_is_for(calls) -> None:
    user = user_token(calls)
    assert exchange(calls, user, resource=API).claims["aud"] == [API]
    assert exchange(calls, user, audience=API).claims["aud"] == [API]
    for extra in ({"resource": "https://other.example/api"}, {"audience": "orders-service"},
                  {"audience": "https://other.example/api"}):
        with pytest.raises(InvalidTarget):
            exchange(calls, user, **extra)
    with pytest.raises(InvalidTarget):  # an API the granted scopes do not open
        exchange(calls, user, scope="openid", resource=API)


def test_ending_the_subjects_session_ends_the_exchanged_token(calls) -> None:
    resp = delegate(calls, user_token(calls), actor_token(calls))
    assert calls.world.accepts(resp.access_token)
    calls.world.sessions.alive.discard("sid-1")
    assert not calls.world.accepts(resp.access_token)
    assert calls.introspect(resp.access_token) == {"active": False}


def test_a_dpop_proof_binds_the_exchanged_token(calls) -> None:
    key = DPoPKey.generate()
    url = "https://auth.example/api/v1/oauth/token"
    params = {"grant_type": EXCHANGE, "subject_token": user_token(calls), "subject_token_type": ACCESS}
    endpoint = calls.world.service.token_endpoint

    def post(nonce):
        proof = key.proof("POST", url, nonce=nonce)
        return endpoint.handle(form_request(FORM, form(params), basic(*RS), proof))

    try:
        resp = post(None)
    except UseDPoPNonce as exc:
        resp = post(exc.metadata[DPOP_NONCE_KEY])
    assert resp.token_type == "DPoP" and resp.claims["cnf"] == {"jkt": key.jkt}


def test_turned_off_the_grant_type_is_unsupported_and_not_advertised(world_factory) -> None:
    world = world_factory(TOKEN_EXCHANGE_ENABLED=False)
    add_lifecycle_clients(world)
    world.authorization.add_client(policy("rs"), "rs-secret")
    request = form_request(FORM, form({"grant_type": EXCHANGE, "subject_token": "x",
                                       "subject_token_type": ACCESS}), basic(*RS))
    with pytest.raises(UnsupportedGrantType):
        world.service.token_endpoint.handle(request)
    assert EXCHANGE in provider_metadata("https://a.example", token_exchange=True)["grant_types_supported"]
    assert EXCHANGE not in provider_metadata("https://a.example")["grant_types_supported"]
