"""The gateway's ext_authz filter and each protected route's checks, in gateway.yaml's
`ext_authz.mode`:

- `http` (the default): Envoy's `http_service` to the token service's ext_authz HTTP
  listener (token_service.entrypoints.ext_authz_http; cluster `token_authz`, mutual TLS,
  only the gateway's certificate accepted). The check request carries the client's
  method, path (after `/check`) and Host, and of its headers only `authorization`, `dpop`
  (the DPoP proof, RFC 9449) and `x-forwarded-proto` (Envoy's own: it sets it from the
  client's connection and overwrites a client's, unless `trusted_hops` trusts a proxy in
  front), plus the route's required scopes and audience as headers the route's own
  http_service adds; on 200 exactly the x-auth-* headers reach the upstream, on a
  refusal the status, body and the challenge headers reach the client.
- `grpc`: envoy.service.auth.v3.Authorization/Check on the token service's gRPC port
  (cluster `token_grpc`), the route's checks in `context_extensions`.

Both fail closed: the token service unreachable or too slow is 503, never allowed.
bench/NOTES.md (item 32) has the measurements that chose `http`.
"""

from __future__ import annotations

from typing import Any

EXT_AUTHZ_TYPE = "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz"
AUTHZ_CLUSTER = "token_authz"
SCOPES_HEADER = "x-authgate-required-scopes"
AUDIENCE_HEADER = "x-authgate-audience"
# What of the token service's refusal reaches the client (besides status and body).
CLIENT_HEADERS = ("www-authenticate", "content-type", "cache-control", "retry-after")
# Of the client's request headers, what the HTTP check reads (Envoy adds the method, path,
# Host and content-length itself): the access token, the DPoP proof, and the scheme the
# client used (with the Host and path: the URL a DPoP proof names in `htu`).
CHECKED_HEADERS = ("authorization", "dpop", "x-forwarded-proto")


def mode(auth: dict[str, Any]) -> str:
    value = auth.get("mode", "http")
    if value not in ("http", "grpc"):
        raise ValueError(f"ext_authz.mode must be http or grpc, not {value!r}")
    return value


def _exact(names: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {"patterns": [{"exact": n} for n in names]}


def http_service(auth: dict[str, Any], checks: dict[str, str] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {}
    if checks:
        request["headers_to_add"] = [{"key": k, "value": v} for k, v in checks.items()]
    return {
        "server_uri": {"uri": f"https://{AUTHZ_CLUSTER}", "cluster": AUTHZ_CLUSTER,
                       "timeout": auth["timeout"]},
        "path_prefix": "/check",
        **({"authorization_request": request} if request else {}),
        "authorization_response": {
            "allowed_upstream_headers": _exact(auth["trusted_headers"]),
            "allowed_client_headers": _exact(CLIENT_HEADERS),
        },
    }


def filter_config(auth: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {"@type": EXT_AUTHZ_TYPE, "transport_api_version": "V3"}
    if mode(auth) == "grpc":
        config["grpc_service"] = {"envoy_grpc": {"cluster_name": "token_grpc"}, "timeout": auth["timeout"]}
    else:
        # A route without checks of its own (added by hand) still needs a valid token.
        config["http_service"] = http_service(auth)
        config["allowed_headers"] = _exact(CHECKED_HEADERS)
    config.update({"failure_mode_allow": False, "status_on_error": {"code": "ServiceUnavailable"}})
    return config


def check_settings(auth: dict[str, Any], scope: str, audience: str | None) -> dict[str, Any]:
    """A protected route's `check_settings` (ExtAuthzPerRoute)."""
    if mode(auth) == "grpc":
        return {"context_extensions": {"required_scopes": scope,
                                       **({"audience": audience} if audience else {})}}
    checks = {SCOPES_HEADER: scope, **({AUDIENCE_HEADER: audience} if audience else {})}
    return {"http_service": http_service(auth, checks)}
