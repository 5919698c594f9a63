"""Back-channel logout (OIDC Back-Channel Logout 1.0): participants, queueing, delivery
with exponential backoff, and the delivery loop, against in-memory fakes."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from authgate_common.core.audit import SYSTEM
from authgate_common.core.errors import TemporarilyUnavailable
from authorization_service.domain.backchannel.delivery import DELIVERED, GAVE_UP, RETRY, BackchannelDelivery
from authorization_service.domain.backchannel.models import RetryPolicy
from authorization_service.domain.backchannel.ports import DeliveryFailed, DeliveryRefused
from authorization_service.entrypoints.backchannel_worker import BackchannelWorker

BC_URI = "https://rp.example/backchannel"


class FakeSigner:
    def __init__(self) -> None:
        self.signed: list[tuple[str, str, str]] = []
        self.down = False

    def sign(self, client_id: str, sub: str, sid: str) -> str:
        if self.down:
            raise TemporarilyUnavailable()
        self.signed.append((client_id, sub, sid))
        return f"token-{len(self.signed)}"


class FakePoster:
    def __init__(self, failures: list[DeliveryFailed] | None = None) -> None:
        self.failures = list(failures or [])
        self.posted: list[tuple[str, str]] = []

    def post(self, uri: str, logout_token: str) -> None:
        self.posted.append((uri, logout_token))
        if self.failures:
            raise self.failures.pop(0)


@pytest.fixture
def bc(core):
    """The core with a back-channel client 'rp' and a plain client 'web'."""
    core.register("rp", backchannel_logout_uri=BC_URI)
    core.register("web")
    return core


def delivery_for(
    core,
    poster: FakePoster,
    signer: FakeSigner | None = None,
    max_attempts: int = 4,
) -> BackchannelDelivery:
    policy = RetryPolicy(
        base=timedelta(seconds=1),
        cap=timedelta(seconds=5),
        max_attempts=max_attempts,
        lease=timedelta(seconds=60),
    )
    return BackchannelDelivery(core.uow, core.clock, signer or FakeSigner(), poster, policy)


def sign_in_to(core, *client_ids: str) -> str:
    """One session that gets a code for each client; returns its sid."""
    cookie, info = core.sessions.sign_in("alice")
    for client_id in client_ids:
        outcome = core.authorize(cookie=cookie, **core.valid_params(core.pkce_pair()[1], client_id=client_id))
        assert "code" in core.query(outcome.location)
    return info.sid


def test_a_code_makes_its_client_a_participant_of_the_session(bc) -> None:
    sid = sign_in_to(bc, "rp", "web", "rp")
    assert set(bc.uow.repos.backchannel.participants) == {(sid, "rp"), (sid, "web")}


def test_ended_session_queues_one_logout_per_registered_client_once(bc) -> None:
    sid = sign_in_to(bc, "rp", "web")
    other = sign_in_to(bc, "web")
    notices = bc.service.logout_notices
    assert notices.sessions_ended([sid, other, "unknown-sid"]) == 1
    # Every replica hears of it, and again on reconnection: still one.
    assert notices.sessions_ended([sid]) == 0
    (queued,) = bc.uow.repos.backchannel.logouts.values()
    assert (queued.sid, queued.client_id, queued.user_id) == (sid, "rp", "alice")


def test_delivery_signs_for_the_client_and_posts_to_its_uri(bc) -> None:
    sid = sign_in_to(bc, "rp")
    bc.service.logout_notices.sessions_ended([sid])
    signer, poster = FakeSigner(), FakePoster()
    delivery = delivery_for(bc, poster, signer)
    (notice,) = delivery.claim(10)
    assert delivery.deliver(notice).outcome == DELIVERED
    assert signer.signed == [("rp", "alice", sid)] and poster.posted == [(BC_URI, "token-1")]
    assert delivery.claim(10) == []  # delivered: never again
    (row,) = bc.uow.repos.backchannel.logouts.values()
    assert row.state == "delivered" and row.attempts == 1


def test_a_claimed_logout_is_not_claimed_again_until_its_lease_ends(bc) -> None:
    bc.service.logout_notices.sessions_ended([sign_in_to(bc, "rp")])
    delivery = delivery_for(bc, FakePoster())
    assert len(delivery.claim(10)) == 1
    assert delivery.claim(10) == []  # another replica asking now gets nothing
    bc.clock.advance(61)  # the claimer died mid-attempt: the lease runs out, someone retries
    (again,) = delivery.claim(10)
    assert again.attempts == 2


def test_failures_are_retried_with_exponential_backoff_then_given_up(bc) -> None:
    bc.service.logout_notices.sessions_ended([sign_in_to(bc, "rp")])
    poster = FakePoster([DeliveryFailed("HTTP 503")] * 10)
    delivery = delivery_for(bc, poster, max_attempts=4)
    waits = []
    for attempt in range(1, 5):
        (notice,) = delivery.claim(10)
        assert notice.attempts == attempt
        result = delivery.deliver(notice)
        row = bc.uow.repos.backchannel.logouts[notice.id]
        if attempt < 4:
            assert result.outcome == RETRY
            waits.append((row.next_attempt_at - bc.clock.now()).total_seconds())
            assert delivery.claim(10) == []  # not due yet
            bc.clock.advance(waits[-1])
        else:
            assert result.outcome == GAVE_UP and row.state == "failed" and row.last_error == "HTTP 503"
    assert waits == [1, 2, 4]
    bc.clock.advance(3600)
    assert delivery.claim(10) == [] and len(poster.posted) == 4


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(base=timedelta(seconds=1), cap=timedelta(seconds=5))
    assert [policy.delay(n).total_seconds() for n in range(1, 6)] == [1, 2, 4, 5, 5]


def test_a_definite_refusal_is_not_retried(bc) -> None:
    bc.service.logout_notices.sessions_ended([sign_in_to(bc, "rp")])
    delivery = delivery_for(bc, FakePoster([DeliveryFailed("HTTP 400", permanent=True)]))
    (notice,) = delivery.claim(10)
    assert delivery.deliver(notice).outcome == GAVE_UP


def test_a_refused_target_is_given_up_at_once_and_audited(bc) -> None:
    core = bc
    sid = sign_in_to(core, "rp")
    core.service.logout_notices.sessions_ended([sid])
    refused = DeliveryRefused("refused: rp.example resolves to 127.0.0.1 is loopback")
    poster = FakePoster([refused])
    delivery = delivery_for(core, poster, max_attempts=10)
    (notice,) = delivery.claim(10)
    assert notice.attempts == 1
    result = delivery.deliver(notice)
    assert result.outcome == GAVE_UP and result.refused
    row = core.uow.repos.backchannel.logouts[notice.id]
    assert row.state == "failed" and row.last_error == refused.reason
    core.clock.advance(3600)
    assert delivery.claim(10) == [] and len(poster.posted) == 1  # never hammered
    (event,) = [e for e in core.uow.repos.audit.events if e.type == "backchannel_logout.refused"]
    assert (event.actor, event.client_id, event.sid, event.subject) == (SYSTEM, "rp", sid, "alice")
    assert event.details == {"reason": refused.reason}


def test_signing_outage_is_retried(bc) -> None:
    bc.service.logout_notices.sessions_ended([sign_in_to(bc, "rp")])
    signer, poster = FakeSigner(), FakePoster()
    signer.down = True
    delivery = delivery_for(bc, poster, signer)
    (notice,) = delivery.claim(10)
    assert delivery.deliver(notice).outcome == RETRY and poster.posted == []
    signer.down = False
    bc.clock.advance(1)
    (notice,) = delivery.claim(10)
    assert delivery.deliver(notice).outcome == DELIVERED


def test_a_client_deleted_before_delivery_is_not_called(bc) -> None:
    bc.service.logout_notices.sessions_ended([sign_in_to(bc, "rp")])
    bc.service.registry.delete("rp")
    poster = FakePoster()
    delivery = delivery_for(bc, poster)
    (notice,) = delivery.claim(10)
    assert delivery.deliver(notice).outcome == GAVE_UP and poster.posted == []


def test_purge_forgets_old_finished_logouts_and_participants(bc) -> None:
    sid = sign_in_to(bc, "rp")
    bc.service.logout_notices.sessions_ended([sid])
    delivery = delivery_for(bc, FakePoster())
    delivery.deliver(delivery.claim(1)[0])
    assert bc.service.logout_notices.purge() == 0  # recent: kept, so a re-reported session is not re-sent
    bc.clock.advance(timedelta(days=3).total_seconds())
    assert bc.service.logout_notices.purge() == 2
    assert bc.uow.repos.backchannel.logouts == {} and bc.uow.repos.backchannel.participants == {}


# -- the delivery loop ------------------------------------------------------------
@dataclass
class Stamp:
    seconds: int


@dataclass
class Revocation:
    sid: str
    revoked_at: Stamp


def worker_for(core, poster, concurrency: int = 2):
    delivery = BackchannelDelivery(core.uow, core.clock, FakeSigner(), poster, RetryPolicy())
    return BackchannelWorker(
        core.service.logout_notices, delivery, poll_seconds=0.05, concurrency=concurrency
    )


def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_feed_callback_only_records_and_the_tick_delivers(core) -> None:
    core.register("rp", backchannel_logout_uri=BC_URI)
    sid = sign_in_to(core, "rp")
    poster = FakePoster()
    worker = worker_for(core, poster)
    commits = core.uow.commits
    worker.sessions_ended([Revocation(sid, Stamp(int(time.time())))])
    assert core.uow.commits == commits and poster.posted == []  # nothing done on the feed thread
    assert worker.tick() == 1
    assert wait_for(lambda: len(poster.posted) == 1)
    assert wait_for(lambda: core.uow.repos.backchannel.logouts[1].state == "delivered")
    worker.stop()


def test_a_hanging_client_does_not_hold_up_the_others(core) -> None:
    core.register("slow", backchannel_logout_uri="https://slow.example/bc")
    core.register("rp", backchannel_logout_uri=BC_URI)
    release = threading.Event()

    class Poster(FakePoster):
        def post(self, uri: str, logout_token: str) -> None:
            if uri.startswith("https://slow"):
                release.wait(5)
            super().post(uri, logout_token)

    poster = Poster()
    worker = worker_for(core, poster, concurrency=2)
    worker.sessions_ended([Revocation(sign_in_to(core, "slow", "rp"), Stamp(int(time.time())))])
    worker.tick()
    assert wait_for(lambda: [u for u, _ in poster.posted] == [BC_URI])
    release.set()
    assert wait_for(lambda: len(poster.posted) == 2)
    worker.stop()


def test_a_database_outage_keeps_ended_sessions_for_the_next_round(core) -> None:
    core.register("rp", backchannel_logout_uri=BC_URI)
    sid = sign_in_to(core, "rp")
    worker = worker_for(core, FakePoster())
    notices = core.service.logout_notices
    real = notices.sessions_ended

    def down(sids):
        raise OSError("database down")

    notices.sessions_ended = down  # type: ignore[method-assign]
    worker.sessions_ended([Revocation(sid, Stamp(int(time.time())))])
    try:
        worker.tick()
    except OSError:
        pass
    notices.sessions_ended = real  # type: ignore[method-assign]
    assert worker.tick() == 1
    worker.stop()


def test_recently_ended_sessions_are_queued_again_for_late_participants(core) -> None:
    core.register("rp", backchannel_logout_uri=BC_URI)
    now = [1000.0]
    delivery = BackchannelDelivery(core.uow, core.clock, FakeSigner(), FakePoster(), RetryPolicy())
    worker = BackchannelWorker(
        core.service.logout_notices, delivery, poll_seconds=1, concurrency=1, monotonic=lambda: now[0]
    )
    cookie, info = core.sessions.sign_in("alice")
    worker.sessions_ended([Revocation(info.sid, Stamp(int(time.time())))])
    worker.tick()  # nothing to queue yet: the code below was issued as the session ended
    assert core.uow.repos.backchannel.logouts == {}
    core.authorize(cookie=cookie, **core.valid_params(core.pkce_pair()[1], client_id="rp"))
    now[0] += 11
    worker.tick()
    assert [n.client_id for n in core.uow.repos.backchannel.logouts.values()] == ["rp"]
    worker.stop()
