"""The Envoy config rendered from gateway/gateway.yaml is valid for every target and
exposes only public HTTP routes."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
import yaml
from authgate_devstack.gateway import SERVICES, dump, load_source, render

ENVOY = pathlib.Path(sys.executable).parent / "envoy"


def _local() -> dict:
    return render("local", {s: [("127.0.0.1", 8100 + i)] for i, s in enumerate(SERVICES)},
                  listener_port=18000, admin_port=19901)


@pytest.mark.parametrize("target", ["local", "compose", "k8s"])
def test_envoy_accepts_the_rendered_config(target: str, tmp_path: pathlib.Path) -> None:
    config = _local() if target == "local" else render(target)
    path = tmp_path / "envoy.yaml"
    path.write_text(dump(config))
    proc = subprocess.run([str(ENVOY), "--mode", "validate", "-c", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_only_http_ports_of_services_are_upstreams() -> None:
    clusters = _local()["static_resources"]["clusters"]
    assert sorted(c["name"] for c in clusters) == sorted(f"{s}_http" for s in SERVICES)
    compose = render("compose")["static_resources"]["clusters"]
    ports = {c["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
             ["socket_address"]["port_value"] for c in compose}
    assert ports == {8101, 8102, 8103, 8104}  # never a gRPC port (5005x)


def test_every_public_route_of_the_spec_is_routed() -> None:
    routes = {r.get("path") or r.get("prefix"): r["service"] for r in load_source()["routes"]}
    assert routes["/api/v1/oauth/authorize"] == "authorization"
    assert routes["/api/v1/oauth/"] == "token"
    assert routes["/api/v1/sso/"] == "identity"
    assert routes["/.well-known/"] == "token"
    assert routes["/api/v1/userinfo/"] == "token"
    # authorize must win over the broader /api/v1/oauth/ prefix
    order = [r.get("path") or r.get("prefix") for r in load_source()["routes"]]
    assert order.index("/api/v1/oauth/authorize") < order.index("/api/v1/oauth/")


def test_admin_listens_on_loopback_locally() -> None:
    admin = _local()["admin"]["address"]["socket_address"]
    assert admin["address"] == "127.0.0.1"
    assert yaml.safe_load(dump(_local()))  # round-trips as YAML
