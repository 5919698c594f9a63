"""What a scenario needs to know about one system under test, authgate or the peer
(stacks.py, oidc_provider.py), and the code flow it drives: RFC 6749 §4.1 with PKCE
(RFC 7636)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.parse
from dataclasses import dataclass, field

import httpx


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Target:
    """What a scenario needs to know about one system, authgate or the peer."""

    name: str
    base: str                      # where the load goes (the gateway for authgate)
    token_path: str
    introspect_path: str
    authorize_path: str
    cc_client: tuple[str, str]     # client_credentials client (id, secret)
    flow_client: tuple[str, str]   # code-flow client (id, secret)
    refresh_client: tuple[str, str]
    redirect_uri: str
    intro_caller: tuple[str, str] = ("", "")
    intro_token: str = ""
    flow_cookies: dict[str, str] = field(default_factory=dict)
    flow_scope: str = "openid read"
    refresh_scope: str = "openid read"
    refresh_extra: dict[str, str] = field(default_factory=dict)
    # The peer's prompt=consent interaction replaces the session it runs in, so each of its
    # refresh workers signs in on its own (outside the clock).
    refresh_shares_session: bool = True
    pids: list[int] = field(default_factory=list)

    def authorize(self, http: httpx.Client, client: tuple[str, str], scope: str,
                  **extra: str) -> tuple[str, str]:
        """One authorize request with the session cookie: returns (code, verifier)."""
        verifier, challenge = pkce_pair()
        query = {"response_type": "code", "client_id": client[0], "redirect_uri": self.redirect_uri,
                 "scope": scope, "state": "s", "code_challenge": challenge,
                 "code_challenge_method": "S256", **extra}
        resp = http.get(self.base + self.authorize_path, params=query)
        hops = 0
        # The peer's first authorize passes through its (automatic) interaction.
        while resp.status_code in (302, 303) and not resp.headers["location"].startswith(self.redirect_uri):
            hops += 1
            if hops > 6:
                raise RuntimeError(f"{self.name}: authorize loops: {resp.headers['location']}")
            resp = http.get(urllib.parse.urljoin(self.base, resp.headers["location"]))
        if resp.status_code not in (302, 303):
            raise RuntimeError(f"{self.name}: authorize {resp.status_code}: {resp.text[:300]}")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(resp.headers["location"]).query)
        if "code" not in q:
            raise RuntimeError(f"{self.name}: no code in {resp.headers['location']}")
        return q["code"][0], verifier

    def exchange(self, http: httpx.Client, client: tuple[str, str], code: str, verifier: str) -> dict:
        resp = http.post(self.base + self.token_path, auth=client,
                         data={"grant_type": "authorization_code", "code": code,
                               "redirect_uri": self.redirect_uri, "code_verifier": verifier})
        if resp.status_code != 200:
            raise RuntimeError(f"{self.name}: token {resp.status_code}: {resp.text[:300]}")
        return resp.json()

    def browser(self) -> httpx.Client:
        return httpx.Client(follow_redirects=False, timeout=30, cookies=self.flow_cookies)

    def code_flow(self, http: httpx.Client, client: tuple[str, str], scope: str, **extra: str) -> dict:
        code, verifier = self.authorize(http, client, scope, **extra)
        return self.exchange(http, client, code, verifier)
