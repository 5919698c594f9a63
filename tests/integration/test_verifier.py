"""authgate-verifier (libs/verifier) against the running stack: a resource server validating
in process, its JWKS found through discovery at the gateway, its revocations pushed by the
token service's RevocationFeedService over mutual TLS with the `validator` certificate.

Valid tokens pass; a revoked session's token and a /revoke'd token are refused within the
bench's bound (polled up to 1 s); a key rotated in twice (so unknown to the verifier's
first JWKS) is picked up without a restart; a cut feed makes it refuse, and it recovers
when the feed is back; forged, expired, wrong-audience and alg-confused tokens are refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from authgate_devstack.stack import Stack
from authgate_dpop import DPoPKey
from authgate_verifier import (
    DPoPRequest,
    InvalidToken,
    TlsFiles,
    Unavailable,
    Verifier,
    VerifierConfig,
    connect,
)
from flowkit import Cli, Flow, eventually

API = "urn:authgate:api"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict, dict]:
    head, body, _ = token.split(".")
    return tuple(json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))) for s in (head, body))  # type: ignore[return-value]


def _config(stack: Stack, target: str | None = None, **extra) -> VerifierConfig:
    return VerifierConfig(issuer=stack.base_url, audience=API,
                          feed_target=target or stack.grpc_targets("token"),
                          tls=TlsFiles.in_dir(str(stack.pki_dir / "validator")), **extra)


@pytest.fixture(scope="module")
def verifier(stack: Stack) -> Iterator[Verifier]:
    v = connect(_config(stack), wait_seconds=15)
    yield v
    v.close()


def _refused_within(verifier: Verifier, token: str, seconds: float = 1.0) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            verifier.verify(token)
        except InvalidToken as exc:
            return exc.description
        assert time.monotonic() < deadline, "still accepted"
        time.sleep(0.005)


def test_a_revoked_sessions_token_is_refused_within_a_second(flow: Flow, verifier: Verifier) -> None:
    user, client = flow.user(), flow.client()
    with flow.browser() as laptop, flow.browser() as phone:
        sid = flow.login(laptop, user).json()["sid"]
        flow.login(phone, user)
        token = flow.code_tokens(laptop, client, scope="openid read")["access_token"]
        claims = verifier.verify(token, ["read"])
        assert claims.sid == sid and API in claims.aud
        assert phone.delete(f"/api/v1/sessions/{sid}", headers={"Origin": flow.base}).status_code == 204
        assert "session" in _refused_within(verifier, token)


def test_a_revoked_access_token_is_refused(flow: Flow, verifier: Verifier) -> None:
    client = flow.client("--grant-type", "client_credentials", scopes="read")
    auth = (client.client_id, client.client_secret)
    resp = httpx.post(f"{flow.base}/api/v1/oauth/token", auth=auth, timeout=10,
                      data={"grant_type": "client_credentials", "scope": "read"})
    token = resp.json()["access_token"]
    verifier.verify(token, ["read"])
    assert httpx.post(f"{flow.base}/api/v1/oauth/revoke", auth=auth, data={"token": token},
                      timeout=10).status_code == 200
    assert _refused_within(verifier, token) == "The access token has been revoked."


def test_a_dpop_bound_token_is_accepted_with_its_proof_only(flow: Flow, verifier: Verifier) -> None:
    client = flow.client("--grant-type", "client_credentials", scopes="read")
    auth, url = (client.client_id, client.client_secret), f"{flow.base}/api/v1/oauth/token"
    form, key = {"grant_type": "client_credentials", "scope": "read"}, DPoPKey.generate()
    first = httpx.post(url, auth=auth, data=form, headers={"DPoP": key.proof("POST", url)}, timeout=10)
    assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
    nonce = first.headers["DPoP-Nonce"]
    issued = httpx.post(url, auth=auth, data=form, headers={"DPoP": key.proof("POST", url, nonce=nonce)},
                        timeout=10)
    assert issued.status_code == 200 and issued.json()["token_type"] == "DPoP"
    token = issued.json()["access_token"]

    resource = "https://api.example.com/orders"
    proof = key.proof("GET", resource, access_token=token)
    claims = verifier.verify(token, ["read"], dpop=DPoPRequest(proof, "GET", resource))
    assert claims.cnf_jkt == key.jkt and claims.client_id == client.client_id
    with pytest.raises(InvalidToken) as replayed:
        verifier.verify(token, ["read"], dpop=DPoPRequest(proof, "GET", resource))
    assert replayed.value.error == "invalid_dpop_proof"
    with pytest.raises(InvalidToken) as as_bearer:
        verifier.verify(token, ["read"])
    assert as_bearer.value.error == "invalid_token"
    assert as_bearer.value.www_authenticate().startswith('DPoP algs="')


def test_keys_rotated_in_are_picked_up_without_a_restart(flow: Flow, cli: Cli, verifier: Verifier) -> None:
    user, client = flow.user(), flow.client()
    verifier.verify(flow.tokens(user, client)["access_token"])  # the JWKS is held now
    for _ in range(2):  # the second one's key was not published when the verifier fetched
        rotated = cli("keys", "rotate", "--force")
        assert rotated["rotated"] is True
    kid = rotated["current_kid"]

    def fresh_token_verifies() -> bool:
        token = flow.tokens(user, client)["access_token"]
        if _parts(token)[0]["kid"] != kid:
            return False  # a replica that has not reloaded its keys yet
        try:
            verifier.verify(token)
            return True
        except InvalidToken:
            return False  # fetched within the last 5 s: the next try fetches again
    eventually(fresh_token_verifies, "a token of the rotated key accepted", seconds=15, interval=0.5)


def test_forged_expired_wrong_audience_and_alg_confused_tokens_are_refused(
        flow: Flow, stack: Stack, verifier: Verifier) -> None:
    token = flow.tokens(flow.user(), flow.client())["access_token"]
    head, body, sig = token.split(".")
    header, claims = _parts(token)
    tampered = _b64(json.dumps({**claims, "scope": "openid read write admin"}).encode())
    assert verifier.verify(token).sub == claims["sub"]
    assert _refused_within(verifier, f"{head}.{tampered}.{sig}") == "The access token is invalid."
    jwks = httpx.get(f"{flow.base}/.well-known/jwks.json", timeout=10).text.encode()
    hs = _b64(json.dumps({**header, "alg": "HS256"}).encode())
    mac = _b64(hmac.new(jwks, f"{hs}.{body}".encode(), hashlib.sha256).digest())
    assert "algorithm" in _refused_within(verifier, f"{hs}.{body}.{mac}")
    none = _b64(json.dumps({**header, "alg": "none"}).encode())
    assert "algorithm" in _refused_within(verifier, f"{none}.{body}.")

    # The same keys and revocations, another resource server's audience; a clock past exp.
    other = Verifier(stack.base_url, "urn:someone-else", verifier.jwks, verifier.revocations)
    assert "audience" in _refused_within(other, token)
    late = Verifier(stack.base_url, API, verifier.jwks, verifier.revocations,
                    clock=lambda: claims["exp"] + 31)
    assert "expired" in _refused_within(late, token)


class Proxy:
    """A TCP relay to one token replica's gRPC port that the test can cut and restore."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._socks: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._socks = [self._listener]
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def cut(self) -> None:
        for s in self._socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self._socks = []

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                down, _ = listener.accept()
            except OSError:
                return
            up = socket.create_connection(("127.0.0.1", self.upstream))
            self._socks += [down, up]
            for a, b in ((down, up), (up, down)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass


def _verifies(v: Verifier, token: str) -> bool:
    try:
        v.verify(token)
    except InvalidToken:
        return False
    return True


def test_a_cut_feed_makes_the_verifier_refuse_then_recover(flow: Flow, stack: Stack) -> None:
    token = flow.tokens(flow.user(), flow.client())["access_token"]
    proxy = Proxy(stack.ports.grpc["token"][0])
    proxy.start()
    v = connect(_config(stack, f"127.0.0.1:{proxy.port}", max_silence=1.0), wait_seconds=15)
    try:
        # A key an earlier test rotated by force may be missing for a few seconds from the
        # JWKS of the replica this verifier read (each replica reloads its key ring on its
        # own; the verifier refetches an unknown kid at most every 5 s).
        eventually(lambda: _verifies(v, token), "the verifier knows the token's key", seconds=15,
                   interval=0.5)
        proxy.cut()
        deadline = time.monotonic() + 5
        while True:
            try:
                v.verify(token)
            except Unavailable:
                break
            assert time.monotonic() < deadline, "a silent feed was still trusted"
            time.sleep(0.05)
        time.sleep(1.5)
        with pytest.raises(Unavailable):
            v.verify(token)  # still refusing: nothing to reconnect to
        proxy.start()
        eventually(lambda: v.revocations.healthy, "resynced after the feed came back", seconds=10)
        assert v.verify(token).sub
    finally:
        v.close()
        proxy.cut()
