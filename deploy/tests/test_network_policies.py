"""The rendered NetworkPolicies, evaluated the way the API defines them: a connection is
allowed when the source's egress and the destination's ingress both allow it, and a
direction of a pod selected by some policy admits only what a rule of one of those
policies allows (a rule matches when one of its peers AND one of its ports match).

The tables say who reaches what: only the gateway reaches the services' public HTTP ports;
each gRPC port only from the services that call it (plus the gateway and labelled
validators anywhere for token); the operator listeners only from labelled operator pods
of the namespace; Envoy's admin port from nowhere; the stores only from their clients."""

from __future__ import annotations

from typing import Any

import pytest

NAMESPACE = "authgate"
HTTP = {"identity": 8101, "session": 8102, "authorization": 8103, "token": 8104}
GRPC = {"identity": 50051, "session": 50052, "authorization": 50053, "token": 50054}
OPERATOR = {"identity": 50151, "session": 50152, "authorization": 50153, "token": 50154}
METRICS = {"identity": 9101, "session": 9102, "authorization": 9103, "token": 9104}
# Who calls whom over gRPC (the services' bootstraps).
CALLS = {"identity": {"session", "token", "authorization"}, "session": {"token", "authorization"},
         "authorization": {"session", "token"}, "token": {"identity", "session", "authorization"}}

# A pod: (its labels, its namespace's labels); None: a client outside the cluster.
Peer = tuple[dict[str, str], dict[str, str]] | None


def namespace(name: str) -> dict[str, str]:
    return {"kubernetes.io/metadata.name": name}


HOME = namespace(NAMESPACE)
VALIDATOR_ELSEWHERE: Peer = ({"app": "orders", "authgate.io/validator": "true"}, namespace("shop"))
VALIDATOR_HERE: Peer = ({"app": "reports", "authgate.io/validator": "true"}, HOME)
STRANGER_ELSEWHERE: Peer = ({"app": "orders"}, namespace("shop"))
STRANGER_HERE: Peer = ({"app": "debug"}, HOME)
OPERATOR_HERE: Peer = ({"app": "admin-job", "authgate.io/operator": "true"}, HOME)
OPERATOR_ELSEWHERE: Peer = ({"app": "admin-job", "authgate.io/operator": "true"}, namespace("ops"))
MONITORING: Peer = ({"app.kubernetes.io/name": "prometheus"}, namespace("monitoring"))
OUTSIDE: Peer = None


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A label selector; {} selects everything."""
    assert not selector.get("matchExpressions"), "extend the evaluator for matchExpressions"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _peer_matches(peer: dict[str, Any], other: Peer) -> bool:
    if "ipBlock" in peer:
        return other is None  # the policies here only use ipBlock for outside addresses
    if other is None:
        return False  # a client outside the cluster is no pod of any namespace
    labels, ns = other
    # Without a namespaceSelector a podSelector means pods of the policy's own namespace;
    # without a podSelector a namespaceSelector means every pod of those namespaces.
    if not _matches(peer.get("namespaceSelector", {"matchLabels": HOME}), ns):
        return False
    return _matches(peer.get("podSelector", {}), labels)


def _port_matches(entry: dict[str, Any], port: int) -> bool:
    assert isinstance(entry.get("port"), int) and "endPort" not in entry, (
        "extend the evaluator for named ports and ranges")
    return entry.get("protocol", "TCP") == "TCP" and entry["port"] == port


def _rule_allows(rule: dict[str, Any], peers_key: str, peer: Peer, port: int) -> bool:
    peers, ports = rule.get(peers_key), rule.get("ports")
    return ((not peers or any(_peer_matches(p, peer) for p in peers))
            and (not ports or any(_port_matches(p, port) for p in ports)))


def _direction_allows(policies: list[dict[str, Any]], pod: dict[str, str], direction: str,
                      peer: Peer, port: int) -> bool:
    selecting = [p["spec"] for p in policies if _matches(p["spec"]["podSelector"], pod)
                 and direction in p["spec"].get("policyTypes", ["Ingress"])]
    if not selecting:
        return True  # a pod no policy selects is open in that direction
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    return any(_rule_allows(rule, peers_key, peer, port)
               for spec in selecting for rule in spec.get(key, []))


class Network:
    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
        assert all(o["metadata"]["namespace"] == NAMESPACE for o in self.policies)
        self.pods = {o["metadata"]["name"]: o["spec"]["template"]["metadata"]["labels"]
                     for o in objects if o["kind"] in {"Deployment", "StatefulSet", "Job"}}

    def peer(self, src: str | Peer) -> Peer:
        return (self.pods[src], HOME) if isinstance(src, str) else src

    def can(self, src: str | Peer, dst: str, port: int) -> bool:
        """May `src` (a workload of the namespace, any pod, or OUTSIDE) open dst:port?"""
        peer, target = self.peer(src), (self.pods[dst], HOME)
        # The namespace's policies govern the egress of its own pods only; a pod elsewhere
        # answers to its own namespace's policies, which are not ours to write.
        if peer is not None and peer[1] == HOME and not _direction_allows(
                self.policies, peer[0], "Egress", target, port):
            return False
        return _direction_allows(self.policies, self.pods[dst], "Ingress", peer, port)


@pytest.fixture(params=["dev", "prod"])
def net(request: pytest.FixtureRequest, objects: dict[str, list[dict[str, Any]]]) -> Network:
    return Network(objects[request.param])


def test_default_deny_covers_every_pod_both_ways(net: Network) -> None:
    deny = [p["spec"] for p in net.policies if p["spec"]["podSelector"] == {}
            and not p["spec"].get("ingress") and not p["spec"].get("egress")]
    assert any(set(spec["policyTypes"]) == {"Ingress", "Egress"} for spec in deny)


# (source, destination, port, allowed): the cases the issue names, and their neighbours.
TOKEN_GRPC_CASES = [
    (VALIDATOR_ELSEWHERE, "token", 50054, True),
    (VALIDATOR_HERE, "token", 50054, True),
    ("gateway", "token", 50054, True),
    (STRANGER_ELSEWHERE, "token", 50054, False),
    (STRANGER_HERE, "token", 50054, False),
    (OUTSIDE, "token", 50054, False),
    (OPERATOR_HERE, "token", 50054, False),
    ("token-migrate", "token", 50054, False),
    (STRANGER_HERE, "identity", 50051, False),
    (STRANGER_ELSEWHERE, "identity", 50051, False),
    ("gateway", "identity", 50051, False),
    (VALIDATOR_ELSEWHERE, "identity", 50051, False),
    (VALIDATOR_HERE, "session", 50052, False),
    (OPERATOR_HERE, "identity", 50151, True),
    (OPERATOR_HERE, "token", 50154, True),
    (OPERATOR_ELSEWHERE, "identity", 50151, False),
    (VALIDATOR_HERE, "identity", 50151, False),
    (VALIDATOR_ELSEWHERE, "token", 50154, False),
    ("gateway", "token", 50154, False),
    ("token", "identity", 50151, False),
    (OUTSIDE, "identity", 50151, False),
]


@pytest.mark.parametrize(("src", "dst", "port", "allowed"), TOKEN_GRPC_CASES)
def test_who_reaches_the_grpc_and_operator_ports(net: Network, src: str | Peer, dst: str,
                                                 port: int, allowed: bool) -> None:
    assert net.can(src, dst, port) is allowed


def test_envoy_admin_is_reachable_from_nowhere(net: Network) -> None:
    sources: list[str | Peer] = [OUTSIDE, MONITORING, STRANGER_HERE, OPERATOR_HERE,
                                 VALIDATOR_ELSEWHERE, *GRPC]
    assert not any(net.can(src, "gateway", 9901) for src in sources)


def test_the_gateway_is_public_and_its_ops_port_is_for_pods_only(net: Network) -> None:
    assert net.can(OUTSIDE, "gateway", 8000) and net.can(OUTSIDE, "gateway", 8443)
    assert net.can(MONITORING, "gateway", 9902)  # readiness and /stats/prometheus
    assert not net.can(OUTSIDE, "gateway", 9902)
    assert not net.can("token", "gateway", 9902)  # the services' egress goes elsewhere


def test_only_the_gateway_reaches_public_http_ports(net: Network) -> None:
    for svc, port in HTTP.items():
        assert net.can("gateway", svc, port)
        assert not net.can(OUTSIDE, svc, port)
        assert not net.can(STRANGER_HERE, svc, port)
        assert not net.can(f"{svc}-migrate", svc, port)
        assert not any(net.can(other, svc, port) for other in HTTP if other != svc)


def test_grpc_follows_the_call_graph_and_nothing_else(net: Network) -> None:
    for dst, port in GRPC.items():
        callers = {src for src, targets in CALLS.items() if dst in targets}
        for src in GRPC:
            assert net.can(src, dst, port) is (src in callers), f"{src} -> {dst}:{port}"
        for other in (*(f"{s}-migrate" for s in GRPC), OUTSIDE, STRANGER_HERE, STRANGER_ELSEWHERE,
                      MONITORING, OPERATOR_HERE):
            assert not net.can(other, dst, port), f"{other} -> {dst}:{port}"
        assert net.can("gateway", dst, port) is (dst == "token")


def test_operator_listeners_admit_operator_pods_of_the_namespace_only(net: Network) -> None:
    for svc, port in OPERATOR.items():
        assert net.can(OPERATOR_HERE, svc, port)
        for other in (OPERATOR_ELSEWHERE, VALIDATOR_HERE, STRANGER_HERE, MONITORING, OUTSIDE,
                      "gateway", *(s for s in GRPC if s != svc), f"{svc}-migrate"):
            assert not net.can(other, svc, port), f"{other} -> {svc}:{port}"


def test_metrics_ports_are_for_pods_of_the_cluster_only(net: Network) -> None:
    for svc, port in METRICS.items():
        assert net.can(MONITORING, svc, port)
        assert not net.can(OUTSIDE, svc, port)


def test_in_cluster_stores_admit_only_their_clients(objects: dict[str, list[dict[str, Any]]]) -> None:
    net = Network(objects["dev"])
    for svc in GRPC:
        assert net.can(svc, "postgres", 5432) and net.can(svc, "redis", 6379)
        assert net.can(f"{svc}-migrate", "postgres", 5432)
        assert not net.can(f"{svc}-migrate", "redis", 6379)
    assert not net.can("gateway", "postgres", 5432) and not net.can("gateway", "redis", 6379)
    assert not net.can(OUTSIDE, "postgres", 5432)
    assert not net.can(VALIDATOR_ELSEWHERE, "postgres", 5432)
    assert not net.can("postgres", "token", 50054)
