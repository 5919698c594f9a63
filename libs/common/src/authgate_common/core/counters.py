"""The domain's metric calls: what a use case counts, without a metrics library.

A use case calls `counters.logins("success")`, `counters.tokens_issued(...)` …; the
calls go to the sink installed by infrastructure (authgate_common.metrics installs its
Prometheus sink when it is imported, which every service process does). Until one is
installed (a unit test of a core alone) they count nothing.
"""

from __future__ import annotations

from typing import Protocol

LOGIN_RESULTS = ("success", "failure", "error")


class CounterSink(Protocol):
    def tokens_issued(self, grant_type: str) -> None: ...
    def logins(self, result: str) -> None: ...
    def revocations(self, kind: str) -> None: ...
    def refresh_reuse_detected(self) -> None: ...
    def signing_key_created_at(self, created_at: float) -> None: ...


class _Nothing:
    def tokens_issued(self, grant_type: str) -> None:
        pass

    def logins(self, result: str) -> None:
        pass

    def revocations(self, kind: str) -> None:
        pass

    def refresh_reuse_detected(self) -> None:
        pass

    def signing_key_created_at(self, created_at: float) -> None:
        pass


_sink: CounterSink = _Nothing()


def install(sink: CounterSink) -> None:
    global _sink
    _sink = sink


def tokens_issued(grant_type: str) -> None:
    """A token response issued, by grant type."""
    _sink.tokens_issued(grant_type)


def logins(result: str) -> None:
    """A password login, by result: success, failure or error."""
    if result not in LOGIN_RESULTS:  # a closed label set keeps the series count bounded
        raise ValueError(f"login result must be one of {LOGIN_RESULTS}")
    _sink.logins(result)


def revocations(kind: str) -> None:
    """A revocation, by kind (session, refresh_token …)."""
    _sink.revocations(kind)


def refresh_reuse_detected() -> None:
    """A rotated refresh token presented again (RFC 9700 §4.14.2)."""
    _sink.refresh_reuse_detected()


def signing_key_created_at(created_at: float) -> None:
    """The active signing key's creation time (Unix seconds); its age is computed per scrape."""
    _sink.signing_key_created_at(created_at)
