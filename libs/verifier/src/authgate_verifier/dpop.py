"""DPoP (RFC 9449) at a resource server: a bound token is good only with a proof of its key
for this very request.

A token whose claims hold `cnf.jkt` (§6.1) was bound by the token service to the client's
key. It must come under the `DPoP` authorization scheme with a `DPoP` header whose proof
(§7.1, checked by authgate_dpop.check_proof):

- is signed by the key the token names (`Proof.jkt == cnf.jkt`);
- is for this request: `htm` its method, `htu` its URL (see asgi.request_url for how the
  URL is found), `ath` the hash of this token;
- is fresh (`iat` within `max_age` back and `skew` ahead) and used once (`ReplayCache`).

A bound token sent as `Bearer` is refused (§7.2: it would be a bearer token again), and so
is an unbound token under the `DPoP` scheme. Refusals are 401 with the DPoP challenge:
`invalid_token` for the scheme mismatches, `invalid_dpop_proof` for the proof.

Single use is per process: `ReplayCache` lives in memory, so every replica (and every
worker process) of a resource server keeps its own. A proof captured in transit could be
replayed once against another replica within its lifetime (`max_age + 2 * skew`, about
70 s), and only for the same method, URL and token — the request the client already made.
Where that matters, pass a `replay` shared by the replicas (any object with
`first_use(key, iat) -> bool`, e.g. on Redis with a TTL of `ttl_seconds`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from authgate_dpop import ALGORITHMS, ProofError, check_proof

from .errors import InvalidDPoPProof, InvalidToken

ALGS = " ".join(ALGORITHMS)  # what the challenge advertises (RFC 9449 §7.1 `algs`)


@dataclass(frozen=True)
class DPoPRequest:
    """A request that presented its token under the `DPoP` scheme."""

    proof: str | None  # the `DPoP` header (None: the request sent none)
    method: str  # the request's HTTP method
    url: str  # the request's absolute URL, as the client addressed it (`htu`)


class ReplayGuard(Protocol):
    def first_use(self, key: str, iat: float) -> bool:
        """True the first time `key` (a proof's replay key) is seen; `iat` is the proof's."""


class ReplayCache:
    """Proof keys seen in this process, each kept `ttl_seconds` (as long as its proof could
    still be fresh), at most `max_entries`.

    Full of live entries, it drops the oldest and from then on refuses every proof whose
    `iat` is not later than that dropped one's: a dropped proof could not be recognised
    again, so nothing as old is accepted (fail closed). Size it above the proofs a process
    sees in `ttl_seconds` (the default, 100,000, is ~1,400 requests/s)."""

    def __init__(self, ttl_seconds: float, max_entries: int = 100_000,
                 clock: Callable[[], float] = time.time) -> None:
        if max_entries < 1:
            raise ValueError("a replay cache needs room for one entry")
        self.ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._seen: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (expires, iat)
        self._floor = float("-inf")  # proofs with iat <= this are refused
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def first_use(self, key: str, iat: float) -> bool:
        now = self._clock()
        with self._lock:
            while self._seen:  # the ttl is fixed, so the oldest entries expire first
                oldest = next(iter(self._seen.values()))
                if oldest[0] > now:
                    break
                self._seen.popitem(last=False)
            if iat <= self._floor or key in self._seen:
                return False
            self._seen[key] = (now + self.ttl, iat)
            while len(self._seen) > self._max:
                _, (_, dropped_iat) = self._seen.popitem(last=False)
                self._floor = max(self._floor, dropped_iat)
            return True


def bound_jkt(cnf: object) -> str:
    """The thumbprint of a token's `cnf` (RFC 9449 §6.1), "" when it has none; a `cnf`
    this verifier cannot check (malformed, or another confirmation method such as mTLS's
    `x5t#S256`) is refused rather than ignored."""
    if cnf is None:
        return ""
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    if not isinstance(jkt, str) or not jkt:
        raise InvalidToken("The access token is bound in a way this resource server cannot check.")
    return jkt


class ProofChecker:
    """The binding rules above for one verifier."""

    def __init__(self, *, max_age: float = 60.0, skew: float = 5.0, replay: ReplayGuard | None = None,
                 replay_cache_size: int = 100_000, clock: Callable[[], float] = time.time) -> None:
        self.max_age = max_age
        self.skew = skew
        self._clock = clock
        self.replay: ReplayGuard = replay or ReplayCache(self.ttl_seconds, replay_cache_size, clock)

    @property
    def ttl_seconds(self) -> float:
        """How long a used proof must be remembered: as long as its `iat` is acceptable."""
        return self.max_age + 2 * self.skew + 1

    def check(self, token: str, jkt: str, dpop: DPoPRequest | None) -> None:
        """Refuses (InvalidToken / InvalidDPoPProof, with the DPoP challenge) what the rules
        above do not allow; returns for an unbound token as Bearer or a good proof."""
        if dpop is None:
            if jkt:
                raise InvalidToken("The access token is DPoP-bound: present it with a DPoP proof."
                                   ).under_dpop(ALGS)
            return
        if not jkt:
            raise InvalidToken("The access token is not DPoP-bound: present it as a Bearer token."
                               ).under_dpop(ALGS)
        if dpop.proof is None:
            raise InvalidDPoPProof("A DPoP proof is required.").under_dpop(ALGS)
        try:
            proof = check_proof(dpop.proof, method=dpop.method, url=dpop.url, now=self._clock(),
                                max_age_seconds=self.max_age, skew_seconds=self.skew, access_token=token)
        except ProofError as exc:
            raise InvalidDPoPProof(exc.description).under_dpop(ALGS) from exc
        if proof.jkt != jkt:
            raise InvalidDPoPProof("The DPoP proof was not made with the token's key.").under_dpop(ALGS)
        if not self.replay.first_use(proof.replay_key, proof.iat):
            raise InvalidDPoPProof("The DPoP proof has been used before.").under_dpop(ALGS)
