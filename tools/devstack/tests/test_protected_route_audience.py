"""A protected route names the API it is: its `audience` reaches ext_authz beside the scope,
so a token meant for another API (RFC 9068 §4: `aud`) is refused there."""

from __future__ import annotations

from authgate_devstack.gateway import SERVICES, render


def test_every_example_route_asks_ext_authz_for_the_resource_apis_audience() -> None:
    endpoints = {s: [("127.0.0.1", 8100 + i)] for i, s in enumerate(SERVICES)}
    endpoints.update(token_grpc=[("127.0.0.1", 50054)], token_authz=[("127.0.0.1", 50254)],
                     example=[("127.0.0.1", 8110)])
    config = render("local", endpoints, listener_port=18000, admin_port=19901,
                    gateway_tls_dir="/var/pki/gateway")
    hcm = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    checks = [{h["key"]: h["value"] for h in r["typed_per_filter_config"]["envoy.filters.http.ext_authz"]
               ["check_settings"]["http_service"]["authorization_request"]["headers_to_add"]}
              for r in hcm["route_config"]["virtual_hosts"][0]["routes"]
              if (r["match"].get("prefix") or "").startswith("/api/v1/example/")]
    assert len(checks) == 7  # admin, and six methods of the rest
    assert all(c["x-authgate-audience"] == "urn:authgate:api" and c["x-authgate-required-scopes"]
               for c in checks)
