"""The rendered NetworkPolicies, evaluated the way the API defines them (a pod selected
by any policy of a direction admits only what some policy allows): only the gateway
reaches the services' public HTTP ports, only the services reach each other's gRPC
ports, and only the services and migrations reach the stores."""

from __future__ import annotations

from typing import Any

import pytest

PORTS = {"identity": (8101, 50051), "session": (8102, 50052),
         "authorization": (8103, 50053), "token": (8104, 50054)}
NAMESPACE_LABELS = {"kubernetes.io/metadata.name": "authgate"}
MONITORING = ({"app.kubernetes.io/name": "prometheus"}, {"kubernetes.io/metadata.name": "monitoring"})
# (pod labels, its namespace's labels); None: a client outside the cluster.
Peer = tuple[dict[str, str], dict[str, str]] | None


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert not selector.get("matchExpressions"), "extend the evaluator for matchExpressions"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _peer_matches(peer: dict[str, Any], other: Peer) -> bool:
    if "ipBlock" in peer:
        return other is None
    if other is None:
        return False
    labels, namespace = other
    # Without a namespaceSelector a podSelector means pods of the policy's own namespace.
    if not _matches(peer.get("namespaceSelector", {"matchLabels": NAMESPACE_LABELS}), namespace):
        return False
    return _matches(peer.get("podSelector", {}), labels)


def _rule_allows(rule: dict[str, Any], peers_key: str, peer: Peer, port: int) -> bool:
    peers = rule.get(peers_key)
    ports = rule.get("ports")
    return ((not peers or any(_peer_matches(p, peer) for p in peers))
            and (not ports or any(p.get("port") == port for p in ports)))


def _direction_allows(policies: list[dict[str, Any]], pod: dict[str, str], direction: str,
                      peer: Peer, port: int) -> bool:
    selecting = [p["spec"] for p in policies if _matches(p["spec"]["podSelector"], pod)
                 and direction in p["spec"].get("policyTypes", ["Ingress"])]
    if not selecting:
        return True
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    return any(_rule_allows(rule, peers_key, peer, port)
               for spec in selecting for rule in spec.get(key, []))


class Network:
    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
        self.pods = {o["metadata"]["name"]: o["spec"]["template"]["metadata"]["labels"]
                     for o in objects if o["kind"] in {"Deployment", "StatefulSet", "Job"}}

    def can(self, src: str | Peer, dst: str, port: int) -> bool:
        """May `src` (a workload here, a foreign pod, or None: outside) open dst:port?"""
        peer = (self.pods[src], NAMESPACE_LABELS) if isinstance(src, str) else src
        if isinstance(src, str) and not _direction_allows(
                self.policies, self.pods[src], "Egress", (self.pods[dst], NAMESPACE_LABELS), port):
            return False
        return _direction_allows(self.policies, self.pods[dst], "Ingress", peer, port)


@pytest.fixture(params=["dev", "prod"])
def net(request: pytest.FixtureRequest, objects: dict[str, list[dict[str, Any]]]) -> Network:
    return Network(objects[request.param])


def test_only_the_gateway_is_reachable_from_outside(net: Network) -> None:
    assert net.can(None, "gateway", 8000) and net.can(None, "gateway", 8443)
    assert not net.can(None, "gateway", 9901)  # admin: pods of the cluster only
    assert net.can(MONITORING, "gateway", 9901)
    assert not net.can("token", "gateway", 9901)  # the services have no business there
    for svc, (http_port, grpc_port) in PORTS.items():
        assert not net.can(None, svc, http_port)
        assert not net.can(None, svc, grpc_port)


def test_only_the_gateway_reaches_public_http_ports(net: Network) -> None:
    for svc, (http_port, grpc_port) in PORTS.items():
        assert net.can("gateway", svc, http_port)
        assert not net.can("gateway", svc, grpc_port)
        for other in PORTS:
            if other != svc:
                assert not net.can(other, svc, http_port)
        assert not net.can(f"{svc}-migrate", svc, http_port)


def test_only_services_reach_each_others_grpc_ports(net: Network) -> None:
    for svc, (_, grpc_port) in PORTS.items():
        for other in PORTS:
            if other != svc:
                assert net.can(other, svc, grpc_port)
        assert not net.can("token-migrate", svc, grpc_port)


def test_in_cluster_stores_admit_only_their_clients(objects: dict[str, list[dict[str, Any]]]) -> None:
    net = Network(objects["dev"])
    for svc in PORTS:
        assert net.can(svc, "postgres", 5432) and net.can(svc, "redis", 6379)
        assert net.can(f"{svc}-migrate", "postgres", 5432)
        assert not net.can(f"{svc}-migrate", "redis", 6379)
    assert not net.can("gateway", "postgres", 5432) and not net.can("gateway", "redis", 6379)
    assert not net.can(None, "postgres", 5432)
    assert not net.can("postgres", "token", 50054)


METRICS = {"identity": 9101, "session": 9102, "authorization": 9103, "token": 9104}


def test_metrics_ports_are_for_pods_of_the_cluster_only(net: Network) -> None:
    for svc, port in METRICS.items():
        assert net.can(MONITORING, svc, port)
        assert not net.can(None, svc, port)  # never from outside the cluster
        assert not net.can(None, "gateway", port)
