"""The pushed authorization request endpoint (RFC 9126 §2): client authentication as at
/token, the parameters (without credentials) forwarded, 201 {request_uri, expires_in}
(§2.2), 400/401 errors as RFC 6749 §5.2 JSON (§2.3); discovery names it only when on."""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Sequence

import pytest
from authgate_common.core.errors import InvalidRequest
from authgate_common.http import create_app
from fastapi.testclient import TestClient
from token_fakes import FakeAuthorization
from token_service.domain.endpoints.discovery import provider_metadata
from token_service.domain.endpoints.pushed_authorization import PAR_PATH, PushedAuthorization
from token_service.domain.ports import Client
from token_service.entrypoints.par_route import add_par_route

URN = "urn:ietf:params:oauth:request_uri:abc"


class FakePusher:
    def __init__(self) -> None:
        self.pushed: list[tuple[str, list[tuple[str, str]]]] = []

    def push_authorization_request(self, client_id: str,
                                   params: Sequence[tuple[str, str]]) -> tuple[str, int]:
        if dict(params).get("redirect_uri") == "https://evil.example/cb":
            raise InvalidRequest("The redirect_uri is not registered for this application.")
        self.pushed.append((client_id, list(params)))
        return URN, 60


@pytest.fixture
def setup() -> tuple[TestClient, FakePusher]:
    authorization = FakeAuthorization()
    authorization.add_client(Client(client_id="web", grant_types=("authorization_code",)), "s3cret")
    authorization.add_client(Client(client_id="spa", client_type="public", token_endpoint_auth_method="none",
                                    grant_types=("authorization_code",)))
    pusher = FakePusher()
    app = create_app("test")
    add_par_route(app, PushedAuthorization(authorization, pusher))
    return TestClient(app), pusher


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


AUTHZ = {"response_type": "code", "redirect_uri": "https://app.example/cb", "scope": "openid",
         "code_challenge": "x" * 43, "code_challenge_method": "S256", "state": "st"}


def test_a_confidential_client_pushes_with_basic_and_gets_201(setup) -> None:
    http, pusher = setup
    resp = http.post(PAR_PATH, data=AUTHZ, headers=basic("web", "s3cret"))
    assert resp.status_code == 201, resp.text
    assert resp.json() == {"request_uri": URN, "expires_in": 60}
    assert resp.headers["cache-control"] == "no-store"
    assert pusher.pushed == [("web", list(AUTHZ.items()))]


def test_client_secret_post_is_not_forwarded(setup) -> None:
    http, pusher = setup
    resp = http.post(PAR_PATH, data={**AUTHZ, "client_id": "web", "client_secret": "s3cret"})
    assert resp.status_code == 201
    (client_id, params), = pusher.pushed
    assert client_id == "web" and "client_secret" not in dict(params) and dict(params)["client_id"] == "web"


def test_a_public_client_pushes_with_its_client_id(setup) -> None:
    http, _ = setup
    assert http.post(PAR_PATH, data={**AUTHZ, "client_id": "spa"}).status_code == 201


@pytest.mark.parametrize("headers,extra", [({}, {}), ({}, {"client_id": "web"}),
                                           (basic("web", "wrong"), {})])
def test_without_client_authentication_the_answer_is_401(setup, headers, extra) -> None:
    http, pusher = setup
    resp = http.post(PAR_PATH, data={**AUTHZ, **extra}, headers=headers)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
    assert pusher.pushed == []


def test_request_uri_cannot_be_pushed(setup) -> None:
    http, _ = setup
    resp = http.post(PAR_PATH, data={**AUTHZ, "request_uri": URN}, headers=basic("web", "s3cret"))
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"


def test_an_authorization_error_is_400_json(setup) -> None:
    http, _ = setup
    resp = http.post(PAR_PATH, data={**AUTHZ, "redirect_uri": "https://evil.example/cb"},
                     headers=basic("web", "s3cret"))
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"


def test_discovery_names_the_endpoint_only_when_on() -> None:
    on = provider_metadata("https://id.example", par=True)
    assert on["pushed_authorization_request_endpoint"] == "https://id.example/api/v1/oauth/par"
    assert on["require_pushed_authorization_requests"] is False
    assert provider_metadata("https://id.example", par=True, par_required=True)[
        "require_pushed_authorization_requests"] is True
    off = provider_metadata("https://id.example")
    assert "pushed_authorization_request_endpoint" not in off
    assert "require_pushed_authorization_requests" not in off


def test_a_repeated_resource_is_pushed_as_its_values(setup) -> None:
    """RFC 8707 §2: `resource` may repeat; each value reaches /authorize's checks as itself."""
    http, pusher = setup
    body = urllib.parse.urlencode([*AUTHZ.items(), ("resource", "https://api.example/a"),
                                   ("resource", "https://api.example/b")])
    resp = http.post(PAR_PATH, content=body, headers={
        **basic("web", "s3cret"), "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 201, resp.text
    _, params = pusher.pushed[-1]
    assert [v for k, v in params if k == "resource"] == ["https://api.example/a", "https://api.example/b"]
