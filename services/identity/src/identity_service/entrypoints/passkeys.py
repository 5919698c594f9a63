"""Passkeys over HTTP: the JSON the page script (static/passkeys.js) exchanges with the
WebAuthn ceremonies of domain/passkeys, and the script itself.

    POST   /api/v1/sso/passkeys/registration/options    a recent sign-in (10 min)
    POST   /api/v1/sso/passkeys/registration/verify     → 201, the new passkey
    POST   /api/v1/sso/passkeys/authentication/options  purpose: passwordless | second_factor
    POST   /api/v1/sso/passkeys/authentication/verify   → the SSO cookie and {"redirect": …}
    GET    /api/v1/sso/passkeys                         the signed-in user's passkeys
    PATCH  /api/v1/sso/passkeys/{id}                    rename (recent sign-in)
    DELETE /api/v1/sso/passkeys/{id}                    remove (recent sign-in) → 204
    GET    /api/v1/sso/static/passkeys.js

Every change is cookie-authenticated, so it must come from our own pages (OWASP CSRF
Prevention Cheat Sheet): an Origin / Sec-Fetch-Site of one of the Relying Party's
origins (authgate_common.same_origin), and the X-CSRF-Token header matching the login
pages' CSRF cookie (domain/login_csrf.py) — a custom header and a JSON body are what no
cross-site form can send without a CORS preflight, which is never granted. A passwordless
challenge is bound to that cookie, a second factor's to the pending sign-in's cookie
(pending_cookie.py), a registration's to the session. Pages that include a passkey
partial are served with `with_passkey_script`: the CSP gains `script-src 'self';
connect-src 'self'`, no more.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from authgate_common.core.crypto import derive_key
from authgate_common.core.errors import AccessDenied, InvalidRequest, LoginRequired
from authgate_common.core.return_to import safe_return_to
from authgate_common.http import HTML_SECURITY_HEADERS, NO_STORE, client_ip
from authgate_common.same_origin import same_origin
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ..domain.login import Login
from ..domain.mfa.complete import CompleteSignIn
from ..domain.passkeys.assertion import Assertions
from ..domain.passkeys.challenges import PASSWORDLESS, SECOND_FACTOR, Challenges
from ..domain.passkeys.manage import ManagePasskeys
from ..domain.passkeys.model import Passkey
from ..domain.passkeys.passwordless import PasswordlessSignIn
from ..domain.passkeys.ports import ChallengeStore, PasskeyUnitOfWork
from ..domain.passkeys.registration import Registration
from ..domain.passkeys.relying_party import RelyingParty
from ..domain.passkeys.second_factor import PasskeySecondFactor
from ..domain.ports import UserUnitOfWork
from ..domain.throttle import LoginThrottle
from .account_session import RECENT_SIGN_IN_SECONDS, AccountSession, AccountSessions
from .cookies import CookiePolicy
from .pending_cookie import PendingCookie

PASSKEYS_PATH = "/api/v1/sso/passkeys"
SCRIPT_PATH = "/api/v1/sso/static/passkeys.js"
SCRIPT_FILE = pathlib.Path(__file__).resolve().parent.parent / "static" / "passkeys.js"
SCRIPT_CACHE = "public, max-age=3600"
JSON_TYPE = "application/json"
USER_HANDLE_PURPOSE = "identity/webauthn-user-handle"
CHALLENGE_PURPOSE = "identity/webauthn-challenge"


def with_passkey_script(headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """A page's headers (default HTML_SECURITY_HEADERS) letting it run static/passkeys.js
    and call back home; nothing else is allowed (no inline script, no other origin)."""
    merged = dict(HTML_SECURITY_HEADERS if headers is None else headers)
    merged["Content-Security-Policy"] += "; script-src 'self'; connect-src 'self'"
    return merged


class ReauthenticationRequired(LoginRequired):
    status_code = 401
    default_description = "Sign in again to change your passkeys."


class PageExpired(LoginRequired):
    default_description = "This page expired, please reload it."


@dataclass(frozen=True)
class PasskeyDeps:
    registration: Registration
    passwordless: PasswordlessSignIn
    second_factor: PasskeySecondFactor
    manage: ManagePasskeys
    origins: tuple[str, ...]  # the Relying Party's page origins (relying_party.py)
    available: bool = True  # False: an IP address RP ID (show no passkey buttons)


def passkey_deps(*, issuer: str, secret_key: str, rp_id: str = "", origins: str = "",
                 passkeys: PasskeyUnitOfWork, users: UserUnitOfWork, store: ChallengeStore, login: Login,
                 complete: CompleteSignIn, throttle: LoginThrottle | None = None) -> PasskeyDeps:
    """The passkey use cases wired on built adapters (bootstrap.build calls this):
    `rp_id` and `origins` are WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS (comma-separated)."""
    rp = RelyingParty.for_issuer(issuer, derive_key(secret_key, USER_HANDLE_PURPOSE), rp_id,
                                 [o.strip() for o in origins.split(",") if o.strip()])
    challenges = Challenges(store, derive_key(secret_key, CHALLENGE_PURPOSE))
    assertions = Assertions(passkeys, rp, challenges)
    return PasskeyDeps(registration=Registration(passkeys, users, rp, challenges),
                       passwordless=PasswordlessSignIn(assertions, users, login, throttle),
                       second_factor=PasskeySecondFactor(assertions, complete, users, throttle),
                       manage=ManagePasskeys(passkeys), origins=rp.origins, available=rp.available)


def passkey_json(passkey: Passkey) -> dict[str, Any]:
    def when(at: Any) -> str | None:
        return at.strftime("%Y-%m-%dT%H:%M:%SZ") if at is not None else None

    return {"id": passkey.id, "name": passkey.name, "created_at": when(passkey.created_at),
            "last_used_at": when(passkey.last_used_at), "backup_eligible": passkey.backup_eligible,
            "backed_up": passkey.backed_up, "transports": list(passkey.transports)}


async def _json_body(request: Request) -> dict[str, Any]:
    if (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower() != JSON_TYPE:
        raise InvalidRequest(f"Send {JSON_TYPE}.")
    try:
        body = json.loads(await request.body())
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest("The body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise InvalidRequest("The body must be a JSON object.")
    return body


Body = Annotated[dict[str, Any], Depends(_json_body)]


def _text(body: Mapping[str, Any], name: str, default: str = "") -> str:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a string.")
    return value


def passkeys_router(deps: PasskeyDeps, cookies: CookiePolicy, account: AccountSessions,
                    pending_cookie: PendingCookie) -> APIRouter:
    router = APIRouter(tags=["passkeys"])

    def guarded(request: Request) -> None:
        if not any(same_origin(request.headers, origin) for origin in deps.origins):
            raise AccessDenied("Cross-site request refused.")
        if not cookies.csrf_matches(request, request.headers.get("x-csrf-token", "")):
            raise PageExpired()

    def signed_in(request: Request) -> AccountSession:
        found = account.current(request)
        if found is None:
            raise ReauthenticationRequired()
        return found

    def recent(request: Request) -> AccountSession:
        guarded(request)
        found = signed_in(request)
        if not found.authenticated_within(RECENT_SIGN_IN_SECONDS):
            raise ReauthenticationRequired()
        return found

    # Defaults, not local Annotated aliases: under `from __future__ import annotations`
    # FastAPI resolves annotations in the module's globals, where a local alias is unknown.
    me_signed_in, me_recent = Depends(signed_in), Depends(recent)

    def purpose_of(body: Mapping[str, Any]) -> str:
        purpose = _text(body, "purpose")
        if purpose not in (PASSWORDLESS, SECOND_FACTOR):
            raise InvalidRequest("purpose is passwordless or second_factor.")
        return purpose

    @router.post(f"{PASSKEYS_PATH}/registration/options", summary="Options to register a passkey")
    def registration_options(me: AccountSession = me_recent) -> JSONResponse:
        return JSONResponse(deps.registration.options(me.user_id, me.sid), headers=NO_STORE)

    @router.post(f"{PASSKEYS_PATH}/registration/verify", status_code=201, summary="Register a passkey")
    def registration_verify(body: Body, me: AccountSession = me_recent) -> JSONResponse:
        passkey = deps.registration.finish(me.user_id, me.sid, body.get("credential"), _text(body, "name"),
                                           sid=me.sid)
        return JSONResponse(passkey_json(passkey), status_code=201, headers=NO_STORE)

    @router.post(f"{PASSKEYS_PATH}/authentication/options", summary="Options to sign in with a passkey")
    def authentication_options(request: Request, body: Body) -> JSONResponse:
        guarded(request)
        if purpose_of(body) == PASSWORDLESS:
            options = deps.passwordless.options(request.cookies.get(cookies.csrf_name, ""))
        else:
            options = deps.second_factor.options(pending_cookie.read(request))
        return JSONResponse(options, headers=NO_STORE)

    @router.post(f"{PASSKEYS_PATH}/authentication/verify", summary="Sign in with a passkey")
    def authentication_verify(request: Request, body: Body) -> JSONResponse:
        guarded(request)
        address, agent = client_ip(request), request.headers.get("user-agent", "")
        credential = body.get("credential")
        if purpose_of(body) == PASSWORDLESS:
            browser = request.cookies.get(cookies.csrf_name, "")
            session = deps.passwordless(browser, credential, address, agent)
            return_to = safe_return_to(_text(body, "return_to", "/"))
            answer = JSONResponse({"redirect": return_to}, headers=NO_STORE)
        else:
            completed = deps.second_factor(pending_cookie.read(request), credential, address, agent,
                                           request.cookies.get(cookies.session_name, ""))
            session = completed.session
            answer = JSONResponse({"redirect": completed.return_to}, headers=NO_STORE)
            pending_cookie.clear(answer)
        cookies.set_session(answer, session)
        cookies.clear_csrf(answer)
        return answer

    @router.get(PASSKEYS_PATH, summary="The signed-in user's passkeys")
    def list_passkeys(me: AccountSession = me_signed_in) -> JSONResponse:
        return JSONResponse({"passkeys": [passkey_json(p) for p in deps.manage.for_user(me.user_id)]},
                            headers=NO_STORE)

    @router.patch(PASSKEYS_PATH + "/{passkey_id}", summary="Rename a passkey")
    def rename_passkey(passkey_id: str, body: Body, me: AccountSession = me_recent) -> JSONResponse:
        passkey = deps.manage.rename(me.user_id, passkey_id, _text(body, "name"), sid=me.sid)
        return JSONResponse(passkey_json(passkey), headers=NO_STORE)

    @router.delete(PASSKEYS_PATH + "/{passkey_id}", status_code=204, summary="Remove a passkey")
    def remove_passkey(passkey_id: str, me: AccountSession = me_recent) -> Response:
        deps.manage.remove(me.user_id, passkey_id, sid=me.sid)
        return Response(status_code=204, headers=NO_STORE)

    script = SCRIPT_FILE.read_bytes()
    etag = '"' + hashlib.sha256(script).hexdigest()[:32] + '"'

    @router.get(SCRIPT_PATH, include_in_schema=False)
    def passkeys_script(request: Request) -> Response:
        headers = {"Cache-Control": SCRIPT_CACHE, "ETag": etag, "X-Content-Type-Options": "nosniff"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(script, media_type="text/javascript; charset=utf-8", headers=headers)

    return router
