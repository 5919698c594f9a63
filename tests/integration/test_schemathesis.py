"""Schemathesis against the whole public API, through the gateway (issue 7).

Every operation of /openapi.json (the merged document /docs shows) gets schema-valid and
schema-violating input from a signed-in browser (SSO cookie, same-origin), an app holding
a bearer token (UserInfo) and a confidential client (token, revocation, introspection).
Half the time the client_id, redirect_uri and scope sent are that client's, so /authorize,
/token and the end-session endpoint get past the client check into their own rules.

Checks: not_a_server_error, the documented content type and response schema wherever
the document declares them, and ours: no Python traceback in a body, an RFC error code
in every JSON 4xx, no error_description that echoes what was sent, and 429 only from a
route the gateway rate-limits (gateway.yaml), with Retry-After. The suite's gateway keeps
those limits far out of reach (flowkit.start_stack), so this run drains no bucket the
other tests share.

Bounded: Hypothesis derandomized (the same inputs every run), MAX_EXAMPLES per operation,
no example database. Nothing is skipped: an operation that ends the browser's session
(logout, ending a device, RP-initiated logout) makes the next case sign in again.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from authgate_devstack.gateway import load_source
from authgate_devstack.stack import Stack
from flowkit import AppClient, Cli, Flow, SignInUser
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from token_service.entrypoints.http_api import PUBLIC_OPENAPI

MAX_EXAMPLES = 40
# Every sign-in attempt runs bcrypt (a dummy hash for unknown users, so it takes as long):
# the login form gets a smaller share than the cheap operations.
LOGIN_MAX_EXAMPLES = 15
COOKIE = "sso_session"
FORM = "application/x-www-form-urlencoded"
# The fuzzer's confidential client, fixed at collection: the schema's value dictionaries
# name it. The stack is the test session's own, so the ids cannot clash.
CLIENT = AppClient("fuzz-client", "fuzz-client-secret-0123456789abcdef", "https://fuzz.example/cb")
POST_LOGOUT_URI = "https://fuzz.example/signed-out"
CLIENT_AUTH_FIELDS = {"client_id", "client_secret", "client_assertion", "client_assertion_type"}
CLIENT_AUTHENTICATED = {"/api/v1/oauth/token", "/api/v1/oauth/revoke", "/api/v1/oauth/introspect"}
BEARER = {"/api/v1/userinfo/me"}
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")
RFC6749_ERROR = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]+")  # RFC 6749 §5.2 error charset
ECHO_MIN_LENGTH = 4  # shorter values turn up in any sentence by chance


@dataclass
class Visitor:
    """What the fuzzer presents: a browser session, a bearer token and a client secret.

    The browser and the app are two users, so a logout fuzzed with the cookie leaves the
    bearer token alone. A case that ends the browser's session makes it sign in again."""

    flow: Flow
    client: AppClient
    browser_user: SignInUser
    app_user: SignInUser
    cookie: str = ""
    access_token: str = ""

    def credentials(self, case: Case) -> dict[str, str]:
        path = case.operation.path
        if path in CLIENT_AUTHENTICATED:
            sent = set(case.body) if isinstance(case.body, dict) else set()
            if sent & CLIENT_AUTH_FIELDS:  # client_secret_post, none or private_key_jwt as generated
                return {}
            pair = f"{self.client.client_id}:{self.client.client_secret}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        if path in BEARER:
            if not self.access_token:
                self.access_token = self.flow.tokens(self.app_user, self.client)["access_token"]
            return {"Authorization": f"Bearer {self.access_token}"}
        if not self.cookie:
            with self.flow.browser() as browser:
                self.flow.login(browser, self.browser_user)
                self.cookie = browser.cookies[COOKIE]
        # Same-origin, as our own pages send it: cookie-authenticated changes need it.
        return {"Cookie": f"{COOKIE}={self.cookie}", "Origin": self.flow.base}

    def after(self, case: Case, response: Response) -> None:
        ended = any(v.startswith(f"{COOKIE}=") and "max-age=0" in v.lower()
                    for v in _header_values(response, "set-cookie"))
        if ended or (case.method.upper() == "DELETE" and case.operation.path == "/api/v1/sessions/{sid}"
                     and response.status_code == 204):
            self.cookie = ""


@pytest.fixture(scope="module")
def visitor(flow: Flow, cli: Cli) -> Visitor:
    cli("client", "create", "--client-id", CLIENT.client_id, "--client-secret", CLIENT.client_secret,
        "--redirect-uri", CLIENT.redirect_uri, "--post-logout-redirect-uri", POST_LOGOUT_URI,
        "--scope", "openid profile email read write", "--first-party", "--grant-type", "authorization_code",
        "--grant-type", "refresh_token", "--grant-type", "client_credentials")
    return Visitor(flow, CLIENT, flow.user(), flow.user())


def _header_values(response: Response, name: str) -> list[str]:
    return [v for k, values in response.headers.items() if k.lower() == name for v in values]


def _json(response: Response) -> Any:
    if "json" not in ";".join(_header_values(response, "content-type")):
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, bytes):
        return [value.decode("utf-8", "replace")]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def no_traceback(ctx: CheckContext, response: Response, case: Case) -> None:
    """A crash answers `server_error` with no detail: no trace, no file and line."""
    body = response.content.decode("utf-8", "replace")
    assert not TRACEBACK.search(body), f"a Python traceback in the body: {body[:300]!r}"


def rfc_error_code(ctx: CheckContext, response: Response, case: Case) -> None:
    """Bad input gets a 4xx that says which RFC error it is (RFC 6749 §5.2, RFC 6750 §3.1)."""
    if not 400 <= response.status_code < 500:
        return
    body = _json(response)
    if body is None:
        return  # an HTML page for a browser, or the gateway's own plain-text 413/429
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    assert RFC6749_ERROR.fullmatch(body["error"]), body["error"]


def no_echoed_input(ctx: CheckContext, response: Response, case: Case) -> None:
    """An error_description is ours to write: never the raw input sent back (reflection,
    log and header injection), in the JSON body, the bearer challenge or a redirect."""
    body = _json(response)
    said = [body["error_description"]] if isinstance(body, dict) and isinstance(
        body.get("error_description"), str) else []
    said += [v for v in _header_values(response, "www-authenticate") if "error_description" in v]
    for location in _header_values(response, "location"):
        said += urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get("error_description", [])
    if not said:
        return
    document = json.dumps(case.operation.schema.raw_schema)
    sent = _strings(case.body) + _strings(case.query) + _strings(case.path_parameters)
    for value in {s for s in sent if len(s.strip()) >= ECHO_MIN_LENGTH}:
        if value in document:  # a name or enum value of the API itself, not raw input
            continue
        assert not any(value in text for text in said), f"{value!r} echoed in {said!r}"


_ROUTES = load_source()["routes"]


def _rate_limited(path: str) -> bool:
    """Whether gateway.yaml puts `path` under a per-address limit (first route that matches)."""
    for route in _ROUTES:
        if path == route.get("path") or ("prefix" in route and path.startswith(route["prefix"])):
            return "limit" in route
    return False


def rate_limited_only_where_limited(ctx: CheckContext, response: Response, case: Case) -> None:
    if response.status_code != 429:
        return
    assert _rate_limited(case.operation.path), f"429 from {case.operation.path}, which has no rate limit"
    assert _header_values(response, "retry-after"), "429 without Retry-After"


CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance,
          no_traceback, rfc_error_code, no_echoed_input, rate_limited_only_where_limited]

# The document the gateway serves at /openapi.json (test_public_openapi.py keeps it equal
# to what the services publish, the first test below to what the gateway serves), loaded
# at collection: each operation is a test item. (schemathesis.pytest.from_fixture, which
# would load it from the stack, fails on pytest 9.2: it sets Function._nodeid.)
_OURS = {"probability": 0.5}
schema = schemathesis.openapi.from_path(PUBLIC_OPENAPI, config=schemathesis.Config.from_dict({
    "max-redirects": 0,  # a redirect is the answer under test, not the page it leads to
    "request-timeout": 30,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    # On a busy 2-core machine drawing inputs may be slow; that says nothing about the API.
    "suppress-health-check": ["too_slow"],
    "operations": [{"include-path": "/api/v1/sso/login", "include-method": "POST",
                    "generation": {"max-examples": LOGIN_MAX_EXAMPLES}}],
    "dictionaries": {"client_id": {"values": [CLIENT.client_id]},
                     "client_secret": {"values": [CLIENT.client_secret]},
                     "redirect_uri": {"values": [CLIENT.redirect_uri]},
                     "post_logout_redirect_uri": {"values": [POST_LOGOUT_URI]},
                     "scope": {"values": ["openid read"]}},
    "parameters": {
        "query.client_id": {"dictionary": "client_id", **_OURS},
        "query.redirect_uri": {"dictionary": "redirect_uri", **_OURS},
        "query.post_logout_redirect_uri": {"dictionary": "post_logout_redirect_uri", **_OURS},
        "body.client_id": {"dictionary": "client_id", **_OURS},
        "body.client_secret": {"dictionary": "client_secret", **_OURS},
        "body.redirect_uri": {"dictionary": "redirect_uri", **_OURS},
        "body.post_logout_redirect_uri": {"dictionary": "post_logout_redirect_uri", **_OURS},
        "query.scope": {"dictionary": "scope", **_OURS},
        "body.scope": {"dictionary": "scope", **_OURS},
    },
}))


def test_the_fuzzed_document_is_the_one_the_gateway_serves(stack: Stack) -> None:
    served = httpx.get(f"{stack.base_url}/openapi.json", timeout=30)
    assert served.status_code == 200 and served.json() == schema.raw_schema


# What the first runs found the document had wrong, pinned: the answers must stay documented.
DOCUMENTED_ANSWERS = [
    # RFC 7009 §2.2: an empty 200, which the document called JSON.
    ("/api/v1/oauth/revoke", "POST", {"body": {"token": "not-a-token"}}, 200),
    # A malformed parameter: 400 invalid_request, which the document called a 422.
    ("/api/v1/logout", "POST", {"query": {"scope": "everything"}}, 400),
]


@pytest.mark.parametrize(("path", "method", "parts", "status"), DOCUMENTED_ANSWERS,
                         ids=[f"{m} {p}" for p, m, _, _ in DOCUMENTED_ANSWERS])
def test_answers_the_document_once_got_wrong(stack: Stack, visitor: Visitor, path: str, method: str,
                                             parts: dict[str, Any], status: int) -> None:
    operation = schema[path][method]
    case = operation.Case(**parts, media_type=FORM if "body" in parts else None)
    headers = visitor.credentials(case)
    response = case.call(base_url=stack.base_url, headers=headers)
    visitor.after(case, response)
    assert response.status_code == status, response.content[:300]
    case.validate_response(response, checks=[*CHECKS, status_code_conformance], headers=headers)


@schema.parametrize()
def test_public_api_under_fuzzing(case: Case, stack: Stack, visitor: Visitor) -> None:
    headers = visitor.credentials(case)
    response = case.call(base_url=stack.base_url, headers=headers)
    visitor.after(case, response)
    case.validate_response(response, checks=CHECKS, headers=headers)
