"""The gateway's routes (authgate_devstack.gateway renders them from gateway/gateway.yaml):
each public route with its rate limit, each protected one with the scope and audience
ext_authz checks, the 404 for anything else, and the plain-HTTP listener's redirect."""

from __future__ import annotations

from typing import Any

from .ext_authz import check_settings

NOT_FOUND = '{"error":"not_found","error_description":"No such endpoint."}'
EXT_AUTHZ = "envoy.filters.http.ext_authz"
EXT_AUTHZ_PER_ROUTE = "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute"


def ext_authz_off() -> dict[str, Any]:
    """A route's `typed_per_filter_config` for a public route (or a bench-only one):
    ext_authz is on for every route that does not carry this."""
    return {EXT_AUTHZ: {"@type": EXT_AUTHZ_PER_ROUTE, "disabled": True}}


def retry_policy() -> dict[str, Any]:
    """Only a request that never reached a replica is retried (no connection, a stream
    refused, a reset before the request went out), so a POST /token never runs twice; never
    a 5xx, nor a reset after the request was sent. A retry goes to a replica not tried yet
    (previous_hosts), within the route's timeout."""
    previous_hosts = ("type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3"
                      ".PreviousHostsPredicate")
    return {
        "retry_on": "connect-failure,refused-stream,reset-before-request",
        "num_retries": 2,
        "retry_host_predicate": [{"name": "envoy.retry_host_predicates.previous_hosts",
                                  "typed_config": {"@type": previous_hosts}}],
        "host_selection_retry_max_attempts": 3,
    }


LOCAL_RATELIMIT = "envoy.filters.http.local_ratelimit"
_PERCENT_100 = {"default_value": {"numerator": 100, "denominator": "HUNDRED"}}


def rate_limit(name: str, limit: dict[str, int], max_tracked: int) -> dict[str, Any]:
    """Per-route local rate limit: one bucket per client address (a dynamic descriptor)."""
    bucket = {"max_tokens": limit["requests"], "tokens_per_fill": limit["requests"],
              "fill_interval": f"{limit['per_seconds']}s"}
    return {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
        "stat_prefix": f"ratelimit_{name}",
        # The route-wide bucket only backs the per-address ones; it never limits by itself.
        "token_bucket": {"max_tokens": 1_000_000, "tokens_per_fill": 1_000_000, "fill_interval": "1s"},
        "filter_enabled": _PERCENT_100,
        "filter_enforced": _PERCENT_100,
        # Keyed by the limit's name and the address: routes sharing a limit share buckets.
        "rate_limits": [{"actions": [
            {"generic_key": {"descriptor_key": "limit", "descriptor_value": name}},
            {"remote_address": {}}]}],
        "descriptors": [{"entries": [{"key": "limit", "value": name}, {"key": "remote_address"}],
                         "token_bucket": bucket}],
        "max_dynamic_descriptors": max_tracked,
        "response_headers_to_add": [{"header": {"key": "retry-after",
                                                "value": str(limit["per_seconds"])},
                                     "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}],
    }


def route(entry: dict[str, Any], timeout: int, method: str | None = None,
          scope: str | None = None, limits: dict[str, Any] | None = None,
          max_tracked: int = 10000, auth: dict[str, Any] | None = None) -> dict[str, Any]:
    match: dict[str, Any] = {"path": entry["path"]} if "path" in entry else {"prefix": entry["prefix"]}
    if method and method != "*":
        match["headers"] = [{"name": ":method", "string_match": {"exact": method}}]
    # ext_authz runs on every route unless the route says it is public: a route added to
    # the render by hand is protected (fails closed) rather than open.
    # A protected route's `audience` must be in the token's `aud` (RFC 9068 §4).
    checks = None if scope is None else check_settings(auth or {"mode": "grpc"}, scope, entry.get("audience"))
    extra: dict[str, Any] = {"typed_per_filter_config": ext_authz_off() if checks is None else {
        EXT_AUTHZ: {"@type": EXT_AUTHZ_PER_ROUTE, "check_settings": checks}}}
    if limits and entry.get("limit") in limits:
        extra.setdefault("typed_per_filter_config", {})[LOCAL_RATELIMIT] = rate_limit(
            entry["limit"], limits[entry["limit"]], max_tracked)
    return {
        "match": match,
        **extra,
        "route": {
            "cluster": f"{entry['service']}_http",
            "timeout": f"{timeout}s",
            "retry_policy": retry_policy(),
        },
    }


def protected_routes(src: dict[str, Any], upstreams: set[str]) -> list[dict[str, Any]]:
    routes = []
    for entry in src.get("protected_routes", []):
        if entry["service"] not in upstreams:
            continue
        for method, scope in entry["scopes"].items():
            routes.append(route(entry, src["route_timeout_seconds"], method, scope, auth=src["ext_authz"]))
    return routes


def public_routes(src: dict[str, Any], hsts: str | None, upstreams: set[str]) -> dict[str, Any]:
    limits, tracked = src.get("rate_limits") or {}, src.get("max_tracked_addresses", 10000)
    config: dict[str, Any] = {
        "name": "public",
        "virtual_hosts": [{
            "name": "authgate",
            "domains": ["*"],
            "routes": [route(r, src["route_timeout_seconds"], limits=limits, max_tracked=tracked)
                       for r in src["routes"]]
            + protected_routes(src, upstreams) + [{
                "match": {"prefix": "/"},
                "typed_per_filter_config": ext_authz_off(),
                "direct_response": {"status": 404, "body": {"inline_string": NOT_FOUND}},
                "response_headers_to_add": [{"header": {"key": "content-type",
                                                         "value": "application/json"}}],
            }],
        }],
    }
    if hsts:
        config["response_headers_to_add"] = [{
            "header": {"key": "strict-transport-security", "value": hsts},
            "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}]
    return config


def redirect_routes(port: int) -> dict[str, Any]:
    redirect: dict[str, Any] = {"https_redirect": True}
    if port != 443:
        redirect["port_redirect"] = port
    return {"name": "to_https", "virtual_hosts": [{
        "name": "to_https", "domains": ["*"],
        "routes": [{"match": {"prefix": "/"}, "redirect": redirect}]}]}
