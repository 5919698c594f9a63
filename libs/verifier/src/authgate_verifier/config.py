"""A Verifier from settings: the JWKS through discovery, the feed subscription started."""

from __future__ import annotations

import os
from dataclasses import dataclass

from .feed import FeedSubscriber, TlsFiles
from .jwks import JwksCache
from .revocations import RevocationState
from .verifier import Verifier


@dataclass(frozen=True)
class VerifierConfig:
    issuer: str  # the `iss` of authgate's tokens (its public base URL)
    audience: str  # this resource server's API identifier: tokens must name it in `aud`
    feed_target: str  # the token service's internal gRPC port, e.g. token:50054
    tls: TlsFiles | None  # the `validator` workload's certificate; None only with insecure_plaintext
    jwks_url: str | None = None  # default: discovery's jwks_uri
    max_silence: float = 5.0  # seconds without a feed message before refusing (503)
    clock_skew: float = 30.0
    cache_size: int = 10_000  # verified tokens remembered
    insecure_plaintext: bool = False  # tests against an in-process feed only; never in production
    # DPoP (RFC 9449): the URL clients use for this resource server, e.g. https://api.example.com
    # (with any path prefix a proxy strips): a proof's `htu` must name it. Unset, the URL is
    # built from each request's scheme and Host header, which a client controls: set it in
    # production, and always behind a proxy or TLS terminator.
    public_base_url: str | None = None
    dpop_max_age: float = 60.0  # seconds a proof's `iat` may lie in the past
    dpop_clock_skew: float = 5.0  # ... and in the future
    dpop_replay_cache_size: int = 100_000  # proofs remembered for single use (per process)

    @classmethod
    def from_env(cls, prefix: str = "AUTHGATE_VERIFIER_") -> VerifierConfig:
        """ISSUER, AUDIENCE, FEED_TARGET, TLS_DIR (tls.crt, tls.key, ca.crt), JWKS_URL,
        MAX_SILENCE_SECONDS, CLOCK_SKEW_SECONDS, PUBLIC_URL, DPOP_MAX_AGE_SECONDS,
        DPOP_CLOCK_SKEW_SECONDS, each under `prefix`."""
        env = {k[len(prefix):]: v for k, v in os.environ.items() if k.startswith(prefix)}
        return cls(issuer=env["ISSUER"], audience=env["AUDIENCE"], feed_target=env["FEED_TARGET"],
                   tls=TlsFiles.in_dir(env["TLS_DIR"]), jwks_url=env.get("JWKS_URL") or None,
                   max_silence=float(env.get("MAX_SILENCE_SECONDS", 5.0)),
                   clock_skew=float(env.get("CLOCK_SKEW_SECONDS", 30.0)),
                   public_base_url=env.get("PUBLIC_URL") or None,
                   dpop_max_age=float(env.get("DPOP_MAX_AGE_SECONDS", 60.0)),
                   dpop_clock_skew=float(env.get("DPOP_CLOCK_SKEW_SECONDS", 5.0)))


def connect(config: VerifierConfig, wait_seconds: float = 0.0) -> Verifier:
    """A running Verifier (close() stops its feed); with `wait_seconds`, wait that long for
    the first snapshot (validations answer Unavailable until it has arrived)."""
    state = RevocationState(config.max_silence)
    verifier = Verifier(config.issuer, config.audience, JwksCache(config.issuer, config.jwks_url), state,
                        clock_skew=config.clock_skew, cache_size=config.cache_size,
                        public_base_url=config.public_base_url, dpop_max_age=config.dpop_max_age,
                        dpop_clock_skew=config.dpop_clock_skew,
                        dpop_replay_cache_size=config.dpop_replay_cache_size)
    feed = FeedSubscriber(config.feed_target, config.tls, state,
                          insecure_plaintext=config.insecure_plaintext).start()
    verifier.closers.append(feed.stop)
    if wait_seconds:
        feed.wait_healthy(wait_seconds)
    return verifier
