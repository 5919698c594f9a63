"""A code is redeemed exactly once even when many requests race on it (RFC 6749 §4.1.2:
"MUST NOT be used more than once"), on real PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from authgate_common.core.errors import InvalidGrant

THREADS = 20


def _race(redeemer, code: str, client, verifier: str) -> list[str]:
    start = threading.Barrier(THREADS)

    def redeem(_: int) -> str:
        start.wait()
        try:
            redeemer.redeem(code, client.client_id, client.redirect_uris[0], verifier)
            return "ok"
        except InvalidGrant as err:
            return "replay" if err.metadata.get("authgate-replayed-grant-id") else "other"

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(redeem, range(THREADS)))


def test_twenty_threads_one_success(harness, grpc_channel) -> None:
    client, _ = harness.client(grpc_channel)
    for _round in range(3):
        verifier, challenge = harness.pkce_pair()
        code = harness.code(client, challenge)
        results = _race(harness.service.redeemer, code, client, verifier)
        assert results.count("ok") == 1, results
        assert results.count("replay") == THREADS - 1, results
