"""A standard OAuth/OIDC client library (Authlib) completes the code flow against the gateway,
finding every endpoint through discovery (OIDC Discovery 1.0, RFC 8414) — no hard-coded paths."""

from __future__ import annotations

import secrets
import urllib.parse

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken
from flowkit import Flow


def test_authlib_client_completes_the_flow_via_discovery(flow: Flow) -> None:
    user = flow.user()
    app = flow.client()
    meta = httpx.get(f"{flow.base}/.well-known/openid-configuration").json()
    rfc8414 = httpx.get(f"{flow.base}/.well-known/oauth-authorization-server").json()
    assert rfc8414["issuer"] == meta["issuer"]
    assert rfc8414["token_endpoint"] == meta["token_endpoint"]
    assert "S256" in meta["code_challenge_methods_supported"]
    assert meta["authorization_response_iss_parameter_supported"] is True

    oauth = OAuth2Client(app.client_id, app.client_secret, scope="openid profile email",
                         redirect_uri=app.redirect_uri, code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_basic")
    verifier = generate_token(48)
    nonce = secrets.token_urlsafe(16)
    url, state = oauth.create_authorization_url(meta["authorization_endpoint"],
                                                code_verifier=verifier, nonce=nonce)

    with flow.browser() as browser:
        flow.login(browser, user)
        resp = browser.get(url)
    assert resp.status_code == 302
    callback = resp.headers["location"]
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)
    assert params["iss"] == [meta["issuer"]]  # RFC 9207 mix-up defence

    token = oauth.fetch_token(meta["token_endpoint"], authorization_response=callback,
                              code_verifier=verifier, state=state)
    assert token["token_type"].lower() == "bearer"

    keys = JsonWebKey.import_key_set(httpx.get(meta["jwks_uri"]).json())
    claims = jwt.decode(token["id_token"], keys, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": meta["issuer"]}},
                        claims_params={"nonce": nonce, "client_id": app.client_id,
                                       "access_token": token["access_token"]})
    claims.validate()  # iss, aud, exp, iat, nonce and at_hash
    assert claims["sub"] == user.id

    oauth.base_url = ""
    info = oauth.get(meta["userinfo_endpoint"]).json()
    assert info["sub"] == user.id and info["email"] == f"{user.username}@example.com"
    oauth.close()
