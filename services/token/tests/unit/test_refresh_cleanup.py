"""The cleanup job removes refresh tokens expired or revoked over a day ago (and families
left empty), in bounded batches, and keeps everything that reuse detection still needs;
it also purges the recorded jtis of access tokens that have expired."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from token_service.domain.refresh.refresh_cleanup import RefreshCleanup


def _age(store, family_id: str, days: int) -> None:
    """Move a family and its tokens `days` into the past."""
    ago = timedelta(days=days)

    def back(row):
        fields = ("created_at", "expires_at", "used_at", "revoked_at")
        return replace(row, **{f: getattr(row, f) - ago for f in fields if getattr(row, f, None)})

    store.families[family_id] = back(store.families[family_id])
    for h, t in list(store.tokens.items()):
        if t.family_id == family_id:
            store.tokens[h] = back(t)


def test_stale_rows_go_and_live_or_recently_used_ones_stay(calls) -> None:
    store = calls.world.refresh_store
    live = calls.sign_in()
    rotated = calls.sign_in()
    calls.refresh(rotated.refresh_token)  # the used predecessor must stay for reuse detection
    calls.sign_in()
    revoked = calls.sign_in()
    calls.revoke(revoked.refresh_token)
    recently_revoked = calls.sign_in()
    calls.revoke(recently_revoked.refresh_token)
    stale_expired, stale_revoked, _recent = list(store.families)[2:]
    _age(store, stale_expired, days=31)
    _age(store, stale_revoked, days=2)

    removed = RefreshCleanup(calls.world.service.refresh, batch_size=1).run_once()

    assert removed == 4  # two tokens, then their two families, one row per batch
    assert len(store.tokens) == 4 and len(store.families) == 3
    assert calls.refresh(live.refresh_token).access_token


def test_nothing_to_do_is_cheap(calls) -> None:
    calls.sign_in()
    assert calls.world.service.cleanup.run_once() == 0


def test_jtis_of_expired_access_tokens_are_purged(calls) -> None:
    store = calls.world.refresh_store
    expired = calls.sign_in()
    calls.revoke(expired.access_token)
    hour = timedelta(hours=1)
    store.issued = {j: replace(i, expires_at=i.expires_at - hour) for j, i in store.issued.items()}
    store.revoked = {j: (replace(e, expires_at=e.expires_at - hour), at)
                     for j, (e, at) in store.revoked.items()}
    live = calls.sign_in()
    calls.revoke(live.access_token)

    assert RefreshCleanup(calls.world.service.refresh, batch_size=1).run_once() == 2

    assert set(store.issued) == set(store.revoked) == {live.claims["jti"]}
