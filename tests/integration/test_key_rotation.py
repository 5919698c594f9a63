"""Signing-key rotation through the gateway, as a relying party sees it: it caches the
JWKS, the operator rotates with `authgate keys rotate --force`, new tokens carry the new
`kid` that the cached JWKS already holds (it was published as the next key; the other
token replica follows within SIGNING_KEY_REFRESH_SECONDS), and tokens signed before
keep working at userinfo. JWKS and discovery revalidate with 304."""

from __future__ import annotations

import json
import os
import subprocess
import time

import httpx
from authgate_devstack.stack import Stack
from authlib.jose import JsonWebKey, JsonWebToken
from flowkit import AUTHGATE, Flow

JWKS = "/.well-known/jwks.json"


def keys_cli(stack: Stack, *args: str) -> tuple[int, dict]:
    env = {**os.environ, **stack.cli_env()}
    proc = subprocess.run([AUTHGATE, "keys", *args, "--json"], capture_output=True, text=True,
                          env=env, cwd=stack.workdir, timeout=60)
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}


def _replicas_agree(stack: Stack, kid: str) -> bool:
    """Every token replica publishes the same JWKS, holding `kid` (straight to each)."""
    bodies = [httpx.get(f"http://127.0.0.1:{port}{JWKS}", timeout=10)
              for port in stack.ports.http["token"]]
    return len({r.headers["etag"] for r in bodies}) == 1 and kid in bodies[0].text


def test_rotation_keeps_cached_jwks_and_old_tokens_valid(flow: Flow, stack: Stack) -> None:
    user, client = flow.user(), flow.client()
    before = flow.tokens(user, client)
    jwt = JsonWebToken(["RS256"])
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        cached = app.get(JWKS)  # the relying party's copy, fetched before the rotation
        assert cached.status_code == 200 and cached.headers["cache-control"].startswith("public, max-age=")
        cached_keys = JsonWebKey.import_key_set(cached.json())
        cached_kids = {k["kid"] for k in cached.json()["keys"]}

        code, listed = keys_cli(stack, "list")
        assert code == 0
        current = [k["kid"] for k in listed if k["state"] == "current"]
        waiting = [k["kid"] for k in listed if k["state"] == "next"]
        assert len(current) == 1 and len(waiting) == 1 and set(current + waiting) <= cached_kids
        assert all(set(k) == {"kid", "alg", "state", "created_at", "activated_at", "retired_at",
                              "published_until"} for k in listed)

        code, rotated = keys_cli(stack, "rotate", "--force")
        assert code == 0 and rotated["rotated"] is True
        new_kid = rotated["current_kid"]
        assert new_kid == waiting[0] and new_kid in cached_kids  # published in advance
        assert [k["state"] for k in rotated["keys"] if k["kid"] == current[0]] == ["retired"]

        def check(tokens: dict, kids: set[str]) -> None:
            for token in (tokens["access_token"], tokens["id_token"]):
                assert jwt.decode(token, cached_keys).header["kid"] in kids  # no refetch needed
            me = app.get("/api/v1/userinfo/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
            assert me.status_code == 200 and me.json()["sub"] == user.id

        # Until the other replica's refresh tick, the replicas sign with either key; every
        # token verifies with the cached JWKS and at userinfo on whichever replica answers.
        for _ in range(4):
            check(flow.tokens(user, client), {current[0], new_kid})
        deadline = time.monotonic() + 60  # SIGNING_KEY_REFRESH_SECONDS (30 s by default)
        while not _replicas_agree(stack, new_kid):
            assert time.monotonic() < deadline, "the token replicas did not converge"
            time.sleep(0.5)
        for _ in range(4):
            check(flow.tokens(user, client), {new_kid})
        check(before, {current[0]})  # signed before the rotation, still good

        fresh = app.get(JWKS, headers={"If-None-Match": cached.headers["etag"]})
        assert fresh.status_code == 200 and fresh.headers["etag"] != cached.headers["etag"]
        assert {current[0], new_kid} <= {k["kid"] for k in fresh.json()["keys"]}


def test_jwks_and_discovery_revalidate_with_304(flow: Flow) -> None:
    # Every replica serves the same bytes, hence the same strong ETag, for the same keys.
    with httpx.Client(base_url=flow.base, timeout=30) as app:
        for path in (JWKS, "/.well-known/openid-configuration"):
            first = app.get(path)
            etag = first.headers["etag"]
            assert first.status_code == 200 and not etag.startswith("W/")
            again = app.get(path, headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.content == b""
            assert again.headers["etag"] == etag
            assert again.headers["cache-control"] == first.headers["cache-control"]
