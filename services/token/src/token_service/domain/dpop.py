"""DPoP (RFC 9449) in the token service: proofs at the token endpoint, bound tokens where
access tokens are presented (userinfo, ValidateToken, ext_authz).

At /token (`at_token_endpoint`) a request with a `DPoP` header gets its access token bound
to the proof's key (`cnf.jkt`, §6.1) and `token_type` "DPoP"; a client registered with
`dpop_bound_access_tokens` must send one (§5.2). The proof must be for this endpoint's URL
and POST, fresh, used once across every replica (`ReplayGuard`, Redis), and, when
DPOP_NONCE_REQUIRED, carry a nonce this server issued (`use_dpop_nonce` otherwise, with
the nonce to use in the `DPoP-Nonce` header: §8).

Where a token is presented (`at_resource`): a bound token is valid only under the `DPoP`
authorization scheme with a proof of its key for this very request (`htm`, `htu`, `ath`:
§7.1), used once; a bound token sent as `Bearer` is refused (§7.2: it would otherwise be
a bearer token again), and so is an unbound token sent under the `DPoP` scheme. The
refusals carry the DPoP challenge (`WWW-Authenticate: DPoP algs=…`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from authgate_common.core.errors import (
    DPOP_CHALLENGE_KEY,
    DPOP_NONCE_KEY,
    InvalidDPoPProof,
    InvalidToken,
    ResourceDPoPProofRefused,
    UseDPoPNonce,
)
from authgate_dpop import ALGORITHMS, USE_DPOP_NONCE, NonceIssuer, Proof, ProofError, check_proof

ALGS = " ".join(ALGORITHMS)
CHALLENGE = {DPOP_CHALLENGE_KEY: ALGS}
BEARER, DPOP = "Bearer", "DPoP"


class ReplayGuard(Protocol):
    def first_use(self, key: str, ttl_seconds: int) -> bool:
        """True the first time `key` is seen (by any replica) within `ttl_seconds`."""


@dataclass(frozen=True)
class Presentation:
    """How an access token reached a protected resource."""

    scheme: str = BEARER  # the Authorization scheme: "Bearer" or "DPoP"
    proof: str | None = None  # the request's DPoP header; None when it sent none
    method: str = ""
    url: str = ""  # the request's absolute URL (what `htu` names)


def bound_jkt(claims: Mapping[str, Any]) -> str:
    """The thumbprint a token is bound to (`cnf.jkt`), or "" for a bearer token."""
    cnf = claims.get("cnf")
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    return jkt if isinstance(jkt, str) else ""


class DPoP:
    def __init__(self, replay: ReplayGuard, nonces: NonceIssuer, *, token_url: str,
                 nonce_required: bool = True, max_age_seconds: int = 60, skew_seconds: int = 5,
                 clock: Callable[[], float] = time.time) -> None:
        self._replay = replay
        self._nonces = nonces
        self.token_url = token_url
        self.nonce_required = nonce_required
        self._max_age = max_age_seconds
        self._skew = skew_seconds
        self._clock = clock

    def nonce(self) -> str:
        """The nonce a client should put in its next proof (the DPoP-Nonce header)."""
        return self._nonces.current()

    def at_token_endpoint(self, proof: str | None, *, required: bool = False,
                          url: str | None = None) -> Proof | None:
        """The checked proof of a request to `url` (the token endpoint by default); None when
        the request sent no proof and none is required."""
        if proof is None:
            if required:
                raise InvalidDPoPProof("This client's tokens are DPoP-bound: send a DPoP proof.",
                                       metadata={DPOP_NONCE_KEY: self.nonce()})
            return None
        try:
            checked = check_proof(proof, method="POST", url=url or self.token_url, now=self._clock(),
                                  max_age_seconds=self._max_age, skew_seconds=self._skew,
                                  nonce_ok=self._nonces.is_valid if self.nonce_required else None)
        except ProofError as exc:
            if exc.error == USE_DPOP_NONCE:
                raise UseDPoPNonce(exc.description, metadata={DPOP_NONCE_KEY: self.nonce()}) from exc
            raise InvalidDPoPProof(exc.description) from exc
        if not self._replay.first_use(checked.replay_key, self._ttl):
            raise InvalidDPoPProof("The DPoP proof has been used before.")
        return checked

    def at_resource(self, token: str, claims: Mapping[str, Any], presented: Presentation) -> None:
        """Refuses a bound token without its proof for this request, and an unbound token
        under the DPoP scheme (InvalidToken with the DPoP challenge)."""
        jkt = bound_jkt(claims)
        scheme = presented.scheme or BEARER
        if not jkt:
            if scheme.lower() == DPOP.lower():
                raise InvalidToken("The access token is not DPoP-bound.", metadata=dict(CHALLENGE))
            return
        if scheme.lower() != DPOP.lower():
            raise InvalidToken("The access token is DPoP-bound: present it with a DPoP proof.",
                               metadata=dict(CHALLENGE))
        if presented.proof is None:
            raise ResourceDPoPProofRefused("A DPoP proof is required.", metadata=dict(CHALLENGE))
        try:
            checked = check_proof(presented.proof, method=presented.method, url=presented.url,
                                  now=self._clock(), max_age_seconds=self._max_age,
                                  skew_seconds=self._skew, access_token=token)
        except ProofError as exc:
            raise ResourceDPoPProofRefused(exc.description, metadata=dict(CHALLENGE)) from exc
        if checked.jkt != jkt:
            raise ResourceDPoPProofRefused("The DPoP proof was not made with the token's key.",
                                           metadata=dict(CHALLENGE))
        if not self._replay.first_use(checked.replay_key, self._ttl):
            raise ResourceDPoPProofRefused("The DPoP proof has been used before.", metadata=dict(CHALLENGE))

    @property
    def _ttl(self) -> int:
        """How long a used proof is remembered: as long as its `iat` is acceptable."""
        return int(self._max_age + 2 * self._skew) + 1
