"""Signing-key rotation across two replicas on real PostgreSQL and Redis: tokens signed
before a rotation keep validating until they expire, new tokens carry the new kid on
both replicas, a JWKS cached before the rotation already holds the new key, and
concurrent rotations leave exactly one current key."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import redis
from authgate.token.v1 import token_pb2 as pb
from authgate.token.v1 import token_pb2_grpc as pb_grpc
from authgate_common.testing import REDIS_URL
from jose import jwt
from sqlalchemy import text
from token_service.adapters import key_changes
from token_service.adapters.key_repository import SqlKeyUnitOfWork, make_cipher
from token_service.bootstrap import engine_for, key_policy
from token_service.domain.keys.key_rotation import KeyRotation

JWKS = "/.well-known/jwks.json"
REDIRECT = "https://app.example/cb"


def _stub(replica) -> tuple[grpc.Channel, pb_grpc.TokenServiceStub]:
    ch = grpc.insecure_channel(replica.grpc_target)
    return ch, pb_grpc.TokenServiceStub(ch)


def _call(replica, method: str, request):
    ch, stub = _stub(replica)
    with ch:
        return getattr(stub, method)(request, timeout=10)


def _sign_in(harness, replica, client) -> dict:
    resp = replica.http.post("/api/v1/oauth/token", auth=client, data={
        "grant_type": "authorization_code", "code": harness.fakes.add_code(client[0], "openid read"),
        "redirect_uri": REDIRECT, "code_verifier": "v" * 43})
    assert resp.status_code == 200, resp.text
    return resp.json()


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def _validates(replica, token: str) -> bool:
    try:
        _call(replica, "ValidateToken", pb.ValidateTokenRequest(token=token))
        return True
    except grpc.RpcError as exc:
        assert exc.code() == grpc.StatusCode.UNAUTHENTICATED
        return False


def _eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


@pytest.fixture
def client(harness):
    client = ("app-" + secrets.token_hex(4), secrets.token_urlsafe(32))
    harness.fakes.add_client(*client, scopes="openid read")
    return client


def test_rotation_under_traffic(harness, replicas, client) -> None:
    a, b = replicas
    cached = a.http.get(JWKS)  # a relying party caches the JWKS before the rotation
    cached_kids = {k["kid"] for k in cached.json()["keys"]}
    old = _sign_in(harness, a, client)
    old_kid = _kid(old["access_token"])

    rotated = _call(a, "RotateSigningKeys", pb.RotateSigningKeysRequest(force=True))
    assert rotated.rotated and rotated.current_kid != old_kid
    assert rotated.current_kid in cached_kids  # it was published as next
    assert {k.state for k in rotated.keys} == {"next", "current", "retired"}
    assert all(k.kid and k.created_at.seconds for k in rotated.keys)

    # The rotating replica signs with the new key at once; both verify it at once.
    new = _sign_in(harness, a, client)
    assert _kid(new["access_token"]) == _kid(new["id_token"]) == rotated.current_kid
    assert _validates(a, new["access_token"]) and _validates(b, new["access_token"])
    # The other replica follows within its refresh interval.
    _eventually(lambda: _kid(_sign_in(harness, b, client)["access_token"]) == rotated.current_kid)
    # Tokens signed before keep working everywhere, at userinfo too.
    for replica in (a, b):
        assert _validates(replica, old["access_token"])
        me = replica.http.get("/api/v1/userinfo/me",
                              headers={"Authorization": f"Bearer {old['access_token']}"})
        assert me.status_code == 200 and me.json()["sub"] == "u1"
        assert cached.headers["etag"] != replica.http.get(JWKS).headers["etag"]

    # Once every token the old key signed has expired, it leaves both JWKS.
    _eventually(lambda: all(old_kid not in r.http.get(JWKS).text for r in (a, b)), seconds=30)
    assert not _validates(a, old["access_token"])
    assert _validates(b, _sign_in(harness, b, client)["access_token"])


def test_unforced_rotation_waits_for_jwks_caches(replicas) -> None:
    a, b = replicas
    next_kid = next(k.kid for k in _call(a, "ListSigningKeys", pb.ListSigningKeysRequest()).keys
                    if k.state == "next")
    early = _call(b, "RotateSigningKeys", pb.RotateSigningKeysRequest())
    assert not early.rotated and early.current_kid != next_kid
    not_before = early.not_before.ToDatetime(tzinfo=UTC)
    assert not_before > datetime.now(UTC) - timedelta(seconds=1)
    time.sleep(max(0.0, (not_before - datetime.now(UTC)).total_seconds()) + 0.3)
    later = _call(b, "RotateSigningKeys", pb.RotateSigningKeysRequest())
    assert later.rotated and later.current_kid == next_kid


def test_replicas_serve_the_same_etag_and_answer_304(replicas) -> None:
    a, b = replicas
    first = a.http.get(JWKS)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=3"
    assert b.http.get(JWKS).headers["etag"] == etag  # either replica may answer a revalidation
    assert b.http.get(JWKS, headers={"If-None-Match": etag}).status_code == 304
    _call(a, "RotateSigningKeys", pb.RotateSigningKeysRequest(force=True))
    assert a.http.get(JWKS, headers={"If-None-Match": etag}).status_code == 200
    _eventually(lambda: b.http.get(JWKS).headers["etag"] == a.http.get(JWKS).headers["etag"])
    meta = [r.http.get("/.well-known/openid-configuration") for r in (a, b)]
    assert meta[0].headers["etag"] == meta[1].headers["etag"]
    assert meta[0].headers["cache-control"] == "public, max-age=3"


def test_concurrent_rotations_leave_exactly_one_current_key(harness, replicas) -> None:
    a, b = replicas
    barrier, errors, answers = threading.Barrier(8), [], []

    def rotate(replica) -> None:
        try:
            barrier.wait()
            answers.append(_call(replica, "RotateSigningKeys", pb.RotateSigningKeysRequest(force=True)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=rotate, args=(r,)) for r in (a, b) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(answers) == 8 and all(x.rotated for x in answers)
    keys = _call(a, "ListSigningKeys", pb.ListSigningKeysRequest()).keys
    states = [k.state for k in keys]
    assert states.count("current") == 1 and states.count("next") == 1
    current = next(k.kid for k in keys if k.state == "current")
    _eventually(lambda: a.service.keys.current_kid == b.service.keys.current_kid == current)


def test_scheduled_check_from_many_replicas_rotates_once(replicas) -> None:
    settings = replicas[0].settings
    before = {k.kid: k.state for k in replicas[0].service.signing_keys.describe()}
    due = datetime.now(UTC) + timedelta(days=settings.SIGNING_KEY_ROTATION_DAYS, hours=1)
    engines = [engine_for(settings) for _ in range(4)]  # one per "replica"
    barrier, errors = threading.Barrier(4), []

    def check(engine) -> None:
        rotation = KeyRotation(SqlKeyUnitOfWork(engine, make_cipher(settings.SECRET_KEY)),
                               key_policy(settings), clock=lambda: due)
        try:
            barrier.wait()
            rotation.check()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=check, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        with engines[0].connect() as conn:
            rows = dict(conn.execute(text("SELECT kid, state FROM signing_keys")).all())
    finally:
        for engine in engines:
            engine.dispose()
    assert not errors
    old_current = next(kid for kid, state in before.items() if state == "current")
    old_next = next(kid for kid, state in before.items() if state == "next")
    assert rows[old_current] == "retired" and rows[old_next] == "current"
    assert sorted(rows.values()) == ["current", "next", "retired"]  # one rotation, not four


def test_a_forced_rotation_reaches_the_other_replicas_jwks_at_once(start_replicas) -> None:
    """With a key refresh an hour apart, only the rotating replica's announcement can make
    the other replica publish and sign with the new key (adapters/key_changes.py)."""
    with start_replicas(SIGNING_KEY_REFRESH_SECONDS=3600) as (a, b):
        # Pub/sub reaches only who listens: wait until both replicas have subscribed.
        channel = key_changes.channel_name(a.settings.REDIS_KEY_PREFIX + "token:")
        with redis.Redis.from_url(REDIS_URL) as r:
            _eventually(lambda: dict(r.pubsub_numsub(channel)).get(channel.encode(), 0) >= 2)
        for _ in range(2):  # the second key was not even published as next before
            rotated = _call(a, "RotateSigningKeys", pb.RotateSigningKeysRequest(force=True))
        _eventually(lambda: rotated.current_kid in b.http.get(JWKS).text, seconds=5)
        assert b.service.keys.current_kid == rotated.current_kid
