"""channel() over a list of replicas: calls are spread over every one (round robin), and
when one replica dies the next calls go to the others."""

from __future__ import annotations

from collections import Counter

from authgate_common.grpc_server import channel


def test_calls_spread_over_every_replica_and_survive_one_dying(grpc_service) -> None:
    hits: Counter[str] = Counter()
    targets = [grpc_service("t.Rep", {"Who": lambda _r, _c, n=n: hits.update([n]) or n.encode()})
               for n in ("one", "two")]
    with channel("ipv4:" + ",".join(targets)) as ch:
        who = ch.unary_unary("/t.Rep/Who")
        answers = {who(b"", timeout=5, wait_for_ready=True) for _ in range(20)}
        assert answers == {b"one", b"two"} and min(hits.values()) >= 5
        grpc_service.stop(0)  # the first replica goes away
        assert [who(b"", timeout=5) for _ in range(10)] == [b"two"] * 10
