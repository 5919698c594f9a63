"""Each password login is counted once in logins_total by result: success, failure
(wrong credentials, whatever the reason) or error (a dependency could not answer)."""

from __future__ import annotations

import pytest
from authgate_common import metrics
from authgate_common.core.errors import TemporarilyUnavailable
from identity_fakes import PASSWORD, Core
from identity_service.domain.login import WrongCredentials

RESULTS = ("success", "failure", "error")


def _counts() -> dict[str, float]:
    return {r: metrics.value("logins_total", {"result": r}) for r in RESULTS}


def _moved(before: dict[str, float]) -> dict[str, float]:
    after = _counts()
    return {r: after[r] - before[r] for r in RESULTS if after[r] != before[r]}


def test_a_successful_login_counts_as_success(core: Core) -> None:
    core.user()
    before = _counts()
    core.login("alice", PASSWORD, "", "")
    assert _moved(before) == {"success": 1}


def test_wrong_credentials_count_as_failure(core: Core) -> None:
    core.user()
    before = _counts()
    for username, password in [("alice", "wrong-password"), ("ghost", PASSWORD)]:
        with pytest.raises(WrongCredentials):
            core.login(username, password, "", "")
    assert _moved(before) == {"failure": 2}


def test_an_unavailable_session_service_counts_as_error(core: Core) -> None:
    core.user()
    core.sessions.failure = TemporarilyUnavailable()
    before = _counts()
    with pytest.raises(TemporarilyUnavailable):
        core.login("alice", PASSWORD, "", "")
    assert _moved(before) == {"error": 1}
