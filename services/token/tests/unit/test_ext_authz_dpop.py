"""DPoP (RFC 9449) at the gateway's ext_authz, both the gRPC Check and the HTTP listener:
a DPoP-bound token passes only under `Authorization: DPoP` with a fresh proof of its key
for this very request (method, and the URL the client asked the gateway for: the scheme
Envoy set, the Host, the path without the query), used once; everything else is 401 with
the DPoP challenge. Allowed requests tell the upstream the bound key (x-auth-cnf-jkt).
Bearer tokens keep working as before. Tokens are minted in process; a bound token is one
whose claims carry cnf.jkt."""

from __future__ import annotations

import http.client
import json
import pathlib
import ssl
from collections.abc import Iterator

import pytest
from authgate_common.core import jws
from authgate_common.grpc_access import InternalTls
from authgate_common.pki import ensure_dev_pki
from authgate_dpop import DPoPKey
from envoy.service.auth.v3 import attribute_context_pb2 as attr
from envoy.service.auth.v3 import external_auth_pb2 as ext
from token_service.entrypoints.ext_authz import AuthorizationServicer, request_url
from token_service.entrypoints.ext_authz_http import CheckServer, client_path

HOST = "gw.example:8443"
PATH = "/api/v1/example/items"
URL = f"https://{HOST}{PATH}"  # what a client's proof names (htu)


def bound(calls, key: DPoPKey, scopes: tuple[str, ...] = ("openid", "read", "write")) -> str:
    """A token of the unit world's signing key whose claims carry cnf.jkt (RFC 9449 §6.1)."""
    access = calls.sign_in(scopes).access_token
    claims = {**calls.world.service.validator.signed_claims(access), "cnf": {"jkt": key.jkt}}
    keys = calls.world.keys
    return jws.sign(claims, keys.signing_key, keys.current_kid, "at+jwt")


# --- the gRPC Check ------------------------------------------------------------------------

def check(calls, headers: dict[str, str], *, method: str = "GET", path: str = PATH + "?page=2",
          proto: str | None = "https", scheme: str = "https", host: str = HOST, scopes: str = "read"):
    headers = dict(headers)
    if proto is not None:
        headers["x-forwarded-proto"] = proto
    request = ext.CheckRequest(attributes=attr.AttributeContext(
        request=attr.AttributeContext.Request(http=attr.AttributeContext.HttpRequest(
            method=method, path=path, host=host, scheme=scheme, headers=headers)),
        context_extensions={"required_scopes": scopes}))
    return AuthorizationServicer(calls.world.service.validator).Check(request, None)


def _headers(options) -> dict[str, str]:
    return {h.header.key: h.header.value for h in options}


def refusal(resp) -> tuple[int, str, str]:
    """(status, WWW-Authenticate, error) of a denied Check."""
    assert not resp.HasField("ok_response")
    denied = resp.denied_response
    return (denied.status.code, _headers(denied.headers)["www-authenticate"],
            json.loads(denied.body)["error"])


def test_a_bound_token_with_its_proof_is_allowed_and_the_upstream_learns_the_key(calls) -> None:
    key = DPoPKey.generate()
    token = bound(calls, key)
    resp = check(calls, {"authorization": f"DPoP {token}",
                         "dpop": key.proof("GET", URL, access_token=token)})
    assert resp.status.code == 0 and resp.HasField("ok_response"), resp
    headers = _headers(resp.ok_response.headers)
    assert headers["x-auth-cnf-jkt"] == key.jkt and headers["x-auth-sub"] == "u1"
    assert "x-auth-cnf-jkt" not in resp.ok_response.headers_to_remove


def test_a_proof_is_used_once(calls) -> None:
    key = DPoPKey.generate()
    token = bound(calls, key)
    headers = {"authorization": f"DPoP {token}", "dpop": key.proof("GET", URL, access_token=token)}
    assert check(calls, headers).HasField("ok_response")
    status, challenge, error = refusal(check(calls, headers))
    assert (status, error) == (401, "invalid_dpop_proof")
    assert challenge.startswith('DPoP algs="') and 'error="invalid_dpop_proof"' in challenge


@pytest.mark.parametrize("proof_for", [
    ("GET", f"https://{HOST}/api/v1/example/admin"),  # another path
    ("POST", URL),  # another method
    ("GET", f"https://elsewhere.example{PATH}"),  # another host
    ("GET", f"http://{HOST}{PATH}"),  # another scheme
])
def test_a_proof_for_another_request_is_refused(calls, proof_for: tuple[str, str]) -> None:
    key = DPoPKey.generate()
    token = bound(calls, key)
    resp = check(calls, {"authorization": f"DPoP {token}",
                         "dpop": key.proof(*proof_for, access_token=token)})
    status, challenge, error = refusal(resp)
    assert (status, error) == (401, "invalid_dpop_proof") and challenge.startswith("DPoP ")


def test_the_scheme_is_the_one_envoy_set_not_the_clients(calls) -> None:
    """Over plain HTTP Envoy sets x-forwarded-proto: http; an HTTP/2 client may still send
    :scheme https (http.scheme). A proof naming https then does not match."""
    key = DPoPKey.generate()
    token = bound(calls, key)
    resp = check(calls, {"authorization": f"DPoP {token}",
                         "dpop": key.proof("GET", URL, access_token=token)}, proto="http", scheme="https")
    assert refusal(resp)[0] == 401
    resp = check(calls, {"authorization": f"DPoP {token}",
                         "dpop": key.proof("GET", f"http://{HOST}{PATH}", access_token=token)},
                 proto="http", scheme="https")
    assert resp.HasField("ok_response")


def test_a_proof_of_another_key_or_for_another_token_is_refused(calls) -> None:
    key, other = DPoPKey.generate(), DPoPKey.generate()
    token = bound(calls, key)
    for proof in (other.proof("GET", URL, access_token=token),
                  key.proof("GET", URL, access_token=bound(calls, key)),  # ath of another token
                  key.proof("GET", URL)):  # no ath
        status, _, error = refusal(check(calls, {"authorization": f"DPoP {token}", "dpop": proof}))
        assert (status, error) == (401, "invalid_dpop_proof")


def test_a_bound_token_without_its_proof_is_refused_with_the_dpop_challenge(calls) -> None:
    key = DPoPKey.generate()
    token = bound(calls, key)
    proof = key.proof("GET", URL, access_token=token)
    # As a bearer token (RFC 9449 §7.2), with or without the proof beside it.
    for headers in ({"authorization": f"Bearer {token}"},
                    {"authorization": f"Bearer {token}", "dpop": proof}):
        status, challenge, error = refusal(check(calls, headers))
        assert status == 401 and error == "invalid_token" and challenge.startswith('DPoP algs="')
    status, challenge, _ = refusal(check(calls, {"authorization": f"DPoP {token}"}))
    assert status == 401 and challenge.startswith('DPoP algs="')


def test_two_dpop_headers_are_refused(calls) -> None:
    """Envoy hands a repeated header to the Check as one, its values joined by ","."""
    key = DPoPKey.generate()
    token = bound(calls, key)
    proofs = [key.proof("GET", URL, access_token=token) for _ in range(2)]
    status, challenge, error = refusal(check(calls, {"authorization": f"DPoP {token}",
                                                     "dpop": ",".join(proofs)}))
    assert (status, error) == (401, "invalid_dpop_proof") and challenge.startswith("DPoP ")


def test_bearer_tokens_work_as_before_and_are_no_dpop_tokens(calls) -> None:
    access = calls.sign_in().access_token
    resp = check(calls, {"authorization": f"Bearer {access}", "x-auth-cnf-jkt": "spoofed"})
    assert resp.HasField("ok_response")
    assert "x-auth-cnf-jkt" not in _headers(resp.ok_response.headers)
    assert "x-auth-cnf-jkt" in resp.ok_response.headers_to_remove
    # An unbound token under the DPoP scheme, even with a proof of some key: refused.
    key = DPoPKey.generate()
    resp = check(calls, {"authorization": f"DPoP {access}",
                         "dpop": key.proof("GET", URL, access_token=access)})
    status, challenge, _ = refusal(resp)
    assert status == 401 and challenge.startswith('DPoP algs="')


def test_a_missing_scope_under_dpop_is_403_with_the_dpop_challenge(calls) -> None:
    key = DPoPKey.generate()
    token = bound(calls, key)
    resp = check(calls, {"authorization": f"DPoP {token}", "dpop": key.proof("GET", URL, access_token=token)},
                 scopes="admin")
    status, challenge, error = refusal(resp)
    assert (status, error) == (403, "insufficient_scope")
    assert challenge.startswith('DPoP algs="') and 'scope="admin"' in challenge


# --- the URL a proof must name --------------------------------------------------------------

@pytest.mark.parametrize(("scheme", "host", "path", "url"), [
    ("https", "gw.example", "/a/b?x=1#f", "https://gw.example/a/b"),
    ("HTTP", "GW.example:8000", "/a", "http://GW.example:8000/a"),
    ("", "gw.example", "/a", ""),  # no scheme Envoy vouched for
    ("ftp", "gw.example", "/a", ""),
    ("https", "", "/a", ""),
    ("https", "gw.example/evil", "/a", ""),  # a Host that would move the path
    ("https", "user@gw.example", "/a", ""),
    ("https", "gw.example", "a", ""),
])
def test_request_url(scheme: str, host: str, path: str, url: str) -> None:
    assert request_url(scheme, host, path) == url


def test_the_check_path_is_the_clients_after_the_prefix() -> None:
    assert client_path("/check/api/v1/example/items?x=1") == "/api/v1/example/items?x=1"
    assert client_path("/api/v1/example/items") == ""  # not what Envoy sends: no URL
    assert client_path("/checkout/x") == ""


# --- the HTTP listener ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("pki")
    ensure_dev_pki(root)
    return root


@pytest.fixture
def port(calls, pki: pathlib.Path) -> Iterator[int]:
    srv = CheckServer(calls.world.service.validator, InternalTls.in_dir(str(pki / "token")), "127.0.0.1", 0)
    try:
        yield srv.start()
    finally:
        srv.stop()


def ask(port: int, pki: pathlib.Path, headers: list[tuple[str, str]], method: str = "GET",
        target: str = "/check" + PATH + "?page=2") -> http.client.HTTPResponse:
    """A check request as Envoy's http_service sends it: the client's method, /check + its
    path, its Host, and the allowed headers (x-forwarded-proto: Envoy's own)."""
    ctx = ssl.create_default_context(cafile=str(pki / "gateway" / "ca.crt"))
    ctx.check_hostname = False
    ctx.load_cert_chain(str(pki / "gateway" / "tls.crt"), str(pki / "gateway" / "tls.key"))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=5)
    conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    for name, value in [("host", HOST), ("x-forwarded-proto", "https"),
                        ("x-authgate-required-scopes", "read"), *headers]:
        conn.putheader(name, value)
    conn.endheaders()
    return conn.getresponse()


def test_http_check_allows_a_bound_token_with_its_proof_once(calls, port: int, pki) -> None:
    key = DPoPKey.generate()
    token = bound(calls, key)
    headers = [("authorization", f"DPoP {token}"), ("dpop", key.proof("GET", URL, access_token=token))]
    ok = ask(port, pki, headers)
    assert ok.status == 200 and ok.getheader("x-auth-cnf-jkt") == key.jkt
    replay = ask(port, pki, headers)
    assert replay.status == 401 and json.loads(replay.read())["error"] == "invalid_dpop_proof"
    assert replay.getheader("www-authenticate").startswith('DPoP algs="')


def test_http_check_names_the_clients_request(calls, port: int, pki) -> None:
    key = DPoPKey.generate()
    token = bound(calls, key)
    # A HEAD is checked with a HEAD: the proof must be for HEAD.
    head = ask(port, pki, [("authorization", f"DPoP {token}"),
                           ("dpop", key.proof("HEAD", URL, access_token=token))], method="HEAD")
    assert head.status == 200 and head.getheader("x-auth-cnf-jkt") == key.jkt
    for proof, target in ((key.proof("GET", f"https://{HOST}/api/v1/example/admin", access_token=token),
                           "/check" + PATH),
                          (key.proof("GET", URL, access_token=token), PATH)):  # no /check: no URL
        resp = ask(port, pki, [("authorization", f"DPoP {token}"), ("dpop", proof)], target=target)
        assert resp.status == 401 and json.loads(resp.read())["error"] == "invalid_dpop_proof"


def test_http_check_refuses_two_dpop_headers_and_a_bound_bearer(calls, port: int, pki) -> None:
    key = DPoPKey.generate()
    token = bound(calls, key)
    two = ask(port, pki, [("authorization", f"DPoP {token}"),
                          ("dpop", key.proof("GET", URL, access_token=token)),
                          ("dpop", key.proof("GET", URL, access_token=token))])
    assert two.status == 401 and json.loads(two.read())["error"] == "invalid_dpop_proof"
    bearer = ask(port, pki, [("authorization", f"Bearer {token}")])
    assert bearer.status == 401 and bearer.getheader("www-authenticate").startswith('DPoP algs="')
    plain = ask(port, pki, [("authorization", f"Bearer {calls.sign_in().access_token}")])
    assert plain.status == 200 and plain.getheader("x-auth-cnf-jkt") is None
