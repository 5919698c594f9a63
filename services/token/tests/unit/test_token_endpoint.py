"""The token endpoint's request rules (RFC 6749 §2.3.1, §3.2, §4.1.3, §5.2)."""

from __future__ import annotations

import base64
import urllib.parse

import pytest
from authgate_common.core.errors import (
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    OAuthError,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from token_service.domain.ports import Client
from token_service.entrypoints.form_request import form_request
from token_service.entrypoints.http_api import quick_grant

FORM = "application/x-www-form-urlencoded"


def _basic(client_id: str, secret: str) -> str:
    raw = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return "Basic " + base64.b64encode(raw.encode()).decode()


def _post(world, body: str, authorization: str | None = None, content_type: str = FORM):
    return world.service.token_endpoint.handle(form_request(content_type, body.encode(), authorization))


def _code_body(code: str = "c1", **extra: str) -> str:
    return urllib.parse.urlencode({"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": "https://app/cb", "code_verifier": "v", **extra})


def _error(world, body: str, authorization: str | None = None, **kw) -> OAuthError:
    with pytest.raises(OAuthError) as err:
        _post(world, body, authorization, **kw)
    return err.value


def test_code_exchange_with_basic_auth(world, make_grant) -> None:
    world.authorization.add_code("c1", make_grant(), "https://app/cb")
    resp = _post(world, _code_body(), _basic("web", "s3cret")).to_dict()
    assert resp["token_type"] == "Bearer" and resp["expires_in"] == 900
    assert resp["scope"] == "openid profile email read" and resp["id_token"]
    assert world.service.validator.validate(resp["access_token"])["sub"] == "u1"


def test_basic_credentials_are_form_urlencoded(world, make_grant) -> None:
    world.authorization.add_client(Client("app:1 é", grant_types=("authorization_code",)), "p@ss w:rd+")
    world.authorization.add_code("c1", make_grant(client_id="app:1 é"), "https://app/cb")
    assert _post(world, _code_body(), _basic("app:1 é", "p@ss w:rd+")).access_token


def test_client_secret_post(world, make_grant) -> None:
    world.authorization.add_code("c1", make_grant(), "https://app/cb")
    assert _post(world, _code_body(client_id="web", client_secret="s3cret")).access_token


def test_public_client_authenticates_with_client_id_alone(world, make_grant) -> None:
    world.authorization.add_client(Client("spa", client_type="public", token_endpoint_auth_method="none",
                                          grant_types=("authorization_code",)))
    world.authorization.add_code("c1", make_grant(client_id="spa", scopes=("read",)), "https://app/cb")
    resp = _post(world, _code_body(client_id="spa"))
    assert resp.access_token and resp.id_token is None  # no openid, no ID token


def test_confidential_client_cannot_skip_its_secret(world, make_grant) -> None:
    world.authorization.add_code("c1", make_grant(), "https://app/cb")
    assert isinstance(_error(world, _code_body(client_id="web")), InvalidClient)


def test_wrong_secret_is_invalid_client(world) -> None:
    err = _error(world, _code_body(), _basic("web", "wrong"))
    assert isinstance(err, InvalidClient) and err.status_code == 401


@pytest.mark.parametrize("header", ["Basic !!!", "Basic " + base64.b64encode(b"nocolon").decode(),
                                    "Bearer abc", "Basic " + base64.b64encode(b"\xff:\xfe").decode()])
def test_malformed_client_credentials_are_invalid_client(world, header) -> None:
    assert isinstance(_error(world, _code_body(), header), InvalidClient)


def test_no_client_authentication_is_invalid_client(world) -> None:
    assert isinstance(_error(world, _code_body()), InvalidClient)


def test_two_authentication_methods_are_invalid_request(world) -> None:
    err = _error(world, _code_body(client_id="web", client_secret="s3cret"), _basic("web", "s3cret"))
    assert isinstance(err, InvalidRequest)


def test_client_id_in_the_form_must_match_basic(world) -> None:
    assert isinstance(_error(world, _code_body(client_id="other"), _basic("web", "s3cret")), InvalidRequest)


@pytest.mark.parametrize("body", [
    "grant_type=authorization_code&grant_type=authorization_code&code=c1&redirect_uri=x",
    "grant_type=authorization_code&code=c1&code=c2&redirect_uri=x",
    "grant_type=authorization_code&code=c1&redirect_uri=x&redirect_uri=y"])
def test_repeated_parameter_is_invalid_request(world, body) -> None:
    assert isinstance(_error(world, body, _basic("web", "s3cret")), InvalidRequest)


def test_body_must_be_form_encoded(world) -> None:
    err = _error(world, '{"grant_type": "authorization_code"}', _basic("web", "s3cret"),
                 content_type="application/json")
    assert isinstance(err, InvalidRequest)


def test_non_utf8_body_is_invalid_request(world) -> None:
    with pytest.raises(InvalidRequest):
        world.service.token_endpoint.handle(form_request(FORM, b"grant_type=%ff%fe", _basic("web", "s3cret")))


def test_missing_grant_type_is_invalid_request(world) -> None:
    assert isinstance(_error(world, "code=c1", _basic("web", "s3cret")), InvalidRequest)


@pytest.mark.parametrize("grant_type", ["password", "implicit", "urn:x", "AUTHORIZATION_CODE"])
def test_unknown_grant_type_is_unsupported_grant_type(world, grant_type) -> None:
    err = _error(world, f"grant_type={grant_type}", _basic("web", "s3cret"))
    assert isinstance(err, UnsupportedGrantType) and err.status_code == 400


def test_client_without_the_grant_is_unauthorized_client(world, make_grant) -> None:
    world.authorization.add_client(Client("m2m", grant_types=("client_credentials",)), "s")
    world.authorization.add_code("c1", make_grant(client_id="m2m"), "https://app/cb")
    assert isinstance(_error(world, _code_body(), _basic("m2m", "s")), UnauthorizedClient)


@pytest.mark.parametrize("missing", ["code", "redirect_uri"])
def test_code_grant_requires_code_and_redirect_uri(world, missing) -> None:
    params = {"grant_type": "authorization_code", "code": "c1", "redirect_uri": "https://app/cb"}
    del params[missing]
    assert isinstance(_error(world, urllib.parse.urlencode(params), _basic("web", "s3cret")), InvalidRequest)


def test_bad_code_or_verifier_is_invalid_grant(world, make_grant) -> None:
    world.authorization.add_code("c1", make_grant(), "https://app/cb")
    assert isinstance(_error(world, _code_body("nope"), _basic("web", "s3cret")), InvalidGrant)
    assert isinstance(_error(world, _code_body(code_verifier="w"), _basic("web", "s3cret")), InvalidGrant)


def test_only_grants_without_a_database_are_quick(world) -> None:
    # The HTTP fast lane answers quick requests on its event loop (entrypoints/fast_lane.py):
    # a grant that writes PostgreSQL or waits on a row lock must never be one of them.
    is_quick = quick_grant(world.service.token_endpoint)

    def quick(content_type: str, body: bytes) -> bool:
        try:
            return is_quick(form_request(content_type, body, None))
        except InvalidRequest:
            return True  # refused by the edge before any store is touched
    assert quick(FORM, b"grant_type=client_credentials&scope=read")
    assert not quick(FORM, _code_body().encode())
    assert not quick(FORM, b"grant_type=refresh_token&refresh_token=r1")
    # Refused before any store is touched: quick.
    assert quick(FORM, b"grant_type=password")
    assert quick("application/json", b"{}")
    assert quick(FORM, b"grant_type=client_credentials&grant_type=refresh_token")
