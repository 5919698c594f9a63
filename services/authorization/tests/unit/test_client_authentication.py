"""Client authentication (RFC 6749 §2.3.1): every failure is invalid_client, in constant time."""

from __future__ import annotations

import pytest
from authgate_common.core.errors import InvalidClient
from authorization_service.domain.client_secrets import SecretHasher


def test_right_secret_authenticates(core) -> None:
    _, secret = core.register()
    assert core.service.registry.authenticate("web", secret).client_id == "web"


@pytest.mark.parametrize("presented", ["", "wrong-" + "x" * 40])
def test_wrong_or_missing_secret_is_invalid_client(core, presented) -> None:
    core.register()
    with pytest.raises(InvalidClient):
        core.service.registry.authenticate("web", presented)


def test_unknown_client_is_invalid_client_after_the_same_comparison(core, monkeypatch) -> None:
    calls: list[str | None] = []
    original = SecretHasher.matches

    def spy(self, secret, stored):
        calls.append(stored)
        return original(self, secret, stored)

    monkeypatch.setattr(SecretHasher, "matches", spy)
    with pytest.raises(InvalidClient):
        core.service.registry.authenticate("nobody", "x" * 43)
    assert calls == [None]  # compared against the dummy hash, not skipped


def test_public_client_without_secret_authenticates(core) -> None:
    core.register(client_type="public")
    assert core.service.registry.authenticate("web", "").is_public


def test_public_client_presenting_a_secret_is_invalid_client(core) -> None:
    core.register(client_type="public")
    with pytest.raises(InvalidClient):
        core.service.registry.authenticate("web", "x" * 43)


def test_secret_of_another_client_is_refused(core) -> None:
    core.register("a")
    _, secret_b = core.register("b")
    with pytest.raises(InvalidClient):
        core.service.registry.authenticate("a", secret_b)


def test_hasher_never_matches_without_a_stored_hash() -> None:
    hasher = SecretHasher(b"k" * 32)
    assert hasher.matches("s", hasher.hash("s"))
    assert not hasher.matches("s", hasher.hash("t"))
    assert not hasher.matches("", None)
    assert not hasher.matches("", "")
