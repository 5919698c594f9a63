"""One error hierarchy for every service, with its status table; no transport imported.

An `OAuthError` carries the RFC error code, a client-safe description, log-only
detail, the HTTP status and the gRPC status (by name: `grpc_code` is the name of a
`grpc.StatusCode`, so this module needs no grpc). `authgate_common.http` writes it as
RFC 6749 §5.2 JSON (or an RFC 6750 challenge); `authgate_common.grpc_server` aborts
with the matching gRPC status and the code in trailing metadata, and
`authgate_common.grpc_errors.raise_from_rpc_error` turns that back into the same
exception on the caller side.
"""

from __future__ import annotations

from typing import ClassVar

ERROR_KEY = "authgate-oauth-error"
DESCRIPTION_KEY = "authgate-oauth-error-description"
# Metadata key of an error that knows when to retry: the HTTP mapping sends it as Retry-After.
RETRY_AFTER_KEY = "authgate-retry-after"
# Metadata key of a replayed authorization code's grant (RFC 6749 §4.1.2): the token
# service revokes every token issued for that grant.
REPLAYED_GRANT_KEY = "authgate-replayed-grant-id"
# RFC 9449 §8: the server nonce to send back (as the DPoP-Nonce header).
DPOP_NONCE_KEY = "authgate-dpop-nonce"
# RFC 9449 §7.1: the resource challenge is `DPoP` (a DPoP-bound token, or the DPoP scheme)
# rather than `Bearer`; the value is the algorithms to advertise (space-separated).
DPOP_CHALLENGE_KEY = "authgate-dpop-challenge"


class OAuthError(Exception):
    error: ClassVar[str] = "server_error"
    status_code: ClassVar[int] = 500
    grpc_code: ClassVar[str] = "INTERNAL"  # the name of a grpc.StatusCode
    default_description: ClassVar[str] = "The server encountered an unexpected condition."

    def __init__(self, description: str | None = None, *, detail: str = "",
                 metadata: dict[str, str] | None = None) -> None:
        self.description = description or self.default_description
        self.detail = detail  # for logs only, never sent to a client
        self.metadata = metadata or {}
        super().__init__(f"{self.error}: {self.description}" + (f" ({detail})" if detail else ""))

    def to_dict(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class InvalidRequest(OAuthError):
    error, status_code, grpc_code = "invalid_request", 400, "INVALID_ARGUMENT"
    default_description = "The request is missing a parameter or is otherwise malformed."


class InvalidClient(OAuthError):
    error, status_code, grpc_code = "invalid_client", 401, "UNAUTHENTICATED"
    default_description = "Client authentication failed."


class InvalidGrant(OAuthError):
    error, status_code, grpc_code = "invalid_grant", 400, "FAILED_PRECONDITION"
    default_description = "The authorization grant is invalid, expired or revoked."


class UnauthorizedClient(OAuthError):
    error, status_code, grpc_code = "unauthorized_client", 400, "PERMISSION_DENIED"
    default_description = "The client is not allowed to use this grant type."


class UnsupportedGrantType(OAuthError):
    error, status_code, grpc_code = "unsupported_grant_type", 400, "INVALID_ARGUMENT"
    default_description = "The grant type is not supported."


class InvalidScope(OAuthError):
    error, status_code, grpc_code = "invalid_scope", 400, "INVALID_ARGUMENT"
    default_description = "The requested scope is invalid or exceeds what the client may ask for."


class AccessDenied(OAuthError):
    error, status_code, grpc_code = "access_denied", 403, "PERMISSION_DENIED"
    default_description = "The resource owner or server denied the request."


class UnsupportedResponseType(OAuthError):
    error, status_code, grpc_code = "unsupported_response_type", 400, "INVALID_ARGUMENT"
    default_description = "Only response_type=code is supported."


class LoginRequired(OAuthError):
    error, status_code, grpc_code = "login_required", 400, "UNAUTHENTICATED"
    default_description = "The user must sign in."


class ConsentRequired(OAuthError):
    error, status_code, grpc_code = "consent_required", 400, "PERMISSION_DENIED"
    default_description = "The user must consent to this client."


class InteractionRequired(OAuthError):
    """OIDC Core §3.1.2.6: the request needs a page (e.g. a second factor, RFC 9470 step-up)
    that prompt=none does not allow."""

    error, status_code, grpc_code = "interaction_required", 400, "FAILED_PRECONDITION"
    default_description = "The user must interact with the authorization server."


class InvalidToken(OAuthError):
    """RFC 6750 §3.1: expired, revoked, malformed or foreign access token."""

    error, status_code, grpc_code = "invalid_token", 401, "UNAUTHENTICATED"
    default_description = "The access token is invalid."


class InsufficientScope(OAuthError):
    error, status_code, grpc_code = "insufficient_scope", 403, "PERMISSION_DENIED"
    default_description = "The access token lacks a required scope."


class InvalidDPoPProof(OAuthError):
    """RFC 9449 §5.2, §7.1: the DPoP proof is missing, malformed, replayed or not for this
    request (at a resource server it comes as invalid_token or invalid_dpop_proof, 401)."""

    error, status_code, grpc_code = "invalid_dpop_proof", 400, "INVALID_ARGUMENT"
    default_description = "The DPoP proof is invalid."


class ResourceDPoPProofRefused(InvalidToken):
    """RFC 9449 §7.1: at a protected resource (userinfo, ValidateToken, ext_authz) a bad
    proof is 401 `invalid_dpop_proof` with the DPoP challenge (DPOP_CHALLENGE_KEY)."""

    error = "invalid_dpop_proof"
    default_description = "The DPoP proof is invalid."


class UseDPoPNonce(OAuthError):
    """RFC 9449 §8: the proof must carry the nonce the server sends (DPOP_NONCE_KEY)."""

    error, status_code, grpc_code = "use_dpop_nonce", 400, "FAILED_PRECONDITION"
    default_description = "The authorization server requires a fresh DPoP nonce."


class InvalidTarget(OAuthError):
    """RFC 8707 §2: a `resource` that is malformed, unknown or not for this client."""

    error, status_code, grpc_code = "invalid_target", 400, "INVALID_ARGUMENT"
    default_description = "The requested resource is invalid, unknown or not for this client."


class NotFound(OAuthError):
    error, status_code, grpc_code = "not_found", 404, "NOT_FOUND"
    default_description = "Not found."


class AlreadyExists(OAuthError):
    error, status_code, grpc_code = "already_exists", 409, "ALREADY_EXISTS"
    default_description = "Already exists."


class TemporarilyUnavailable(OAuthError):
    error, status_code, grpc_code = "temporarily_unavailable", 503, "UNAVAILABLE"
    default_description = "The server is temporarily unable to handle the request."


class TooManyRequests(OAuthError):
    """A rate limit was hit (RFC 6585 §4); RFC 6749 has no code of its own for it."""

    error, status_code, grpc_code = "temporarily_unavailable", 429, "RESOURCE_EXHAUSTED"
    default_description = "Too many requests; retry later."


class AuthorizationPending(OAuthError):
    """RFC 8628 §3.5: the person has not yet approved the device's request; poll again."""

    error, status_code, grpc_code = "authorization_pending", 400, "FAILED_PRECONDITION"
    default_description = "The user has not yet approved the request."


class SlowDown(OAuthError):
    """RFC 8628 §3.5: polled faster than the interval; the interval grows by 5 seconds."""

    error, status_code, grpc_code = "slow_down", 400, "FAILED_PRECONDITION"
    default_description = "Polling too often; wait longer between requests."


class ExpiredToken(OAuthError):
    """RFC 8628 §3.5: the device_code expired; start a new device authorization."""

    error, status_code, grpc_code = "expired_token", 400, "FAILED_PRECONDITION"
    default_description = "The device_code has expired."


class InvalidClientMetadata(OAuthError):
    """RFC 7591 §3.2.2: a client metadata field is invalid or not allowed here."""

    error, status_code, grpc_code = "invalid_client_metadata", 400, "INVALID_ARGUMENT"
    default_description = "The client metadata is invalid."


class InvalidRedirectUri(OAuthError):
    """RFC 7591 §3.2.2: a redirect_uris value is invalid."""

    error, status_code, grpc_code = "invalid_redirect_uri", 400, "INVALID_ARGUMENT"
    default_description = "A redirect URI is invalid."


class InvalidRequestUri(OAuthError):
    """RFC 9101 §10.2 (used by RFC 9126 §4): the request_uri is unknown, used, expired or
    another client's."""

    error, status_code, grpc_code = "invalid_request_uri", 400, "INVALID_ARGUMENT"
    default_description = "The request_uri is invalid, expired or already used."


class ServerError(OAuthError):
    pass


_BY_CODE: dict[str, type[OAuthError]] = {
    cls.error: cls
    for cls in [InvalidRequest, InvalidClient, InvalidGrant, UnauthorizedClient,
                UnsupportedGrantType, InvalidScope, AccessDenied, UnsupportedResponseType,
                LoginRequired, ConsentRequired, InteractionRequired, InvalidToken, InsufficientScope,
                NotFound, AlreadyExists, TemporarilyUnavailable, ServerError, InvalidTarget,
                AuthorizationPending, SlowDown, ExpiredToken,
                InvalidClientMetadata, InvalidRedirectUri, InvalidRequestUri, InvalidDPoPProof,
                UseDPoPNonce]
}


def error_class(code: str) -> type[OAuthError]:
    return _BY_CODE.get(code, ServerError)
