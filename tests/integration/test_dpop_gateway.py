"""DPoP (RFC 9449) through the real gateway: a client gets a DPoP-bound token at /token
(the first proof answered 400 use_dpop_nonce with a DPoP-Nonce to put in the next, §8),
then calls the example API behind ext_authz with `Authorization: DPoP <token>` and a
proof of its key for that very request (htm, htu = the gateway's URL of the route, ath).
Each proof works once; a proof for another path, or naming a scheme Envoy did not serve,
is refused; the bound token as a bearer token is refused with the DPoP challenge; the
upstream learns the bound key (x-auth-cnf-jkt), which a client cannot write itself.
Both ext_authz modes: the stack's gateway (http, the default) and a second Envoy in front
of the same services in grpc mode."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from authgate_devstack.stack import Stack
from authgate_dpop import DPoPKey
from flowkit import AppClient, Flow, extra_gateway, service_client

ITEMS = "/api/v1/example/items"
TOKEN = "/api/v1/oauth/token"


@pytest.fixture(scope="module", params=["http", "grpc"])
def gateway(request: pytest.FixtureRequest, flow: Flow, stack: Stack,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a gateway whose ext_authz runs in this mode."""
    if request.param == "http":
        yield flow.base
        return
    with extra_gateway(stack, tmp_path_factory.mktemp("grpc-gateway"), ext_authz_mode="grpc") as base:
        yield base


@pytest.fixture(scope="module")
def client(flow: Flow) -> AppClient:
    return service_client(flow, "read write")


def dpop_token(flow: Flow, client: AppClient, key: DPoPKey, scope: str = "read write") -> str:
    """A DPoP-bound access token for `key` (client_credentials), through the nonce dance."""
    url = flow.base + TOKEN
    form = {"grant_type": "client_credentials", "scope": scope}
    with httpx.Client(base_url=flow.base, timeout=30, auth=(client.client_id, client.client_secret)) as app:
        first = app.post(TOKEN, data=form, headers={"DPoP": key.proof("POST", url)})
        assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce", first.text
        nonce = first.headers["DPoP-Nonce"]
        resp = app.post(TOKEN, data=form, headers={"DPoP": key.proof("POST", url, nonce=nonce)})
    assert resp.status_code == 200, resp.text
    assert resp.json()["token_type"] == "DPoP"
    return resp.json()["access_token"]


@pytest.fixture(scope="module")
def bound(flow: Flow, client: AppClient) -> tuple[DPoPKey, str]:
    key = DPoPKey.generate()
    return key, dpop_token(flow, client, key)


def call(base: str, token: str, proof: str | None = None, *, path: str = ITEMS, method: str = "GET",
         scheme: str = "DPoP", extra: list[tuple[str, str]] | None = None) -> httpx.Response:
    headers = [("Authorization", f"{scheme} {token}"), *([("DPoP", proof)] if proof else []), *(extra or [])]
    return httpx.request(method, base + path, headers=headers, timeout=30)


def refused(resp: httpx.Response, error: str = "invalid_dpop_proof") -> bool:
    challenge = resp.headers.get("www-authenticate", "")
    return (resp.status_code == 401 and resp.json()["error"] == error
            and challenge.startswith('DPoP algs="') and f'error="{error}"' in challenge)


def test_the_bound_token_with_its_proof_reaches_the_upstream(gateway: str, bound) -> None:
    key, token = bound
    proof = key.proof("GET", gateway + ITEMS, access_token=token)
    # The query is no part of htu (RFC 9449 §4.3); a client's own x-auth-cnf-jkt is stripped.
    resp = call(gateway, token, proof, path=ITEMS + "?page=2", extra=[("x-auth-cnf-jkt", "spoofed")])
    assert resp.status_code == 200, resp.text
    assert resp.json()["cnf_jkt"] == key.jkt
    post = call(gateway, token, key.proof("POST", gateway + ITEMS, access_token=token), method="POST")
    assert post.status_code == 200 and post.json()["action"] == "create item"


def test_a_proof_works_once(gateway: str, bound) -> None:
    key, token = bound
    proof = key.proof("GET", gateway + ITEMS, access_token=token)
    assert call(gateway, token, proof).status_code == 200
    assert refused(call(gateway, token, proof))


def test_a_proof_for_another_request_is_refused(gateway: str, bound) -> None:
    key, token = bound
    for proof in (key.proof("GET", gateway + "/api/v1/example/other", access_token=token),
                  key.proof("POST", gateway + ITEMS, access_token=token),
                  DPoPKey.generate().proof("GET", gateway + ITEMS, access_token=token)):
        assert refused(call(gateway, token, proof))


def test_the_scheme_is_what_the_gateway_served(gateway: str, bound) -> None:
    """The gateway is plain HTTP here: a proof naming https does not match even when the
    client claims https in X-Forwarded-Proto (Envoy overwrites it)."""
    key, token = bound
    https = gateway.replace("http://", "https://", 1) + ITEMS
    resp = call(gateway, token, key.proof("GET", https, access_token=token),
                extra=[("X-Forwarded-Proto", "https")])
    assert refused(resp)


def test_two_proofs_are_refused(gateway: str, bound) -> None:
    key, token = bound
    proofs = [("DPoP", key.proof("GET", gateway + ITEMS, access_token=token)) for _ in range(2)]
    assert refused(call(gateway, token, extra=proofs))


def test_the_bound_token_is_no_bearer_token(gateway: str, bound) -> None:
    key, token = bound
    for proof in (None, key.proof("GET", gateway + ITEMS, access_token=token)):
        resp = call(gateway, token, proof, scheme="Bearer")
        assert resp.status_code == 401 and resp.headers["www-authenticate"].startswith('DPoP algs="')
        assert resp.json()["error"] == "invalid_token"
    assert refused(call(gateway, token))  # the DPoP scheme without a proof


def test_a_bearer_token_still_works_and_carries_no_key(gateway: str, flow: Flow) -> None:
    reader = flow.tokens(scope="openid read")["access_token"]
    resp = call(gateway, reader, scheme="Bearer", extra=[("x-auth-cnf-jkt", "spoofed")])
    assert resp.status_code == 200, resp.text
    assert resp.json()["cnf_jkt"] == ""
    # Under the DPoP scheme a bearer token is refused, with the DPoP challenge.
    key = DPoPKey.generate()
    resp = call(gateway, reader, key.proof("GET", gateway + ITEMS, access_token=reader))
    assert resp.status_code == 401 and resp.headers["www-authenticate"].startswith('DPoP algs="')
