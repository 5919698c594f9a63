"""Login protection through the gateway (issue 7 §2): after five wrong passwords the
account is locked — even the right password is refused, with exactly the answer of a
wrong one — until the lockout ends or an operator runs `authgate user unlock`."""

from __future__ import annotations

from flowkit import Flow


def test_lockout_reads_like_a_wrong_password_and_unlock_lifts_it(flow: Flow) -> None:
    user = flow.user()
    with flow.browser() as browser:
        wrong = None
        for _ in range(5):
            wrong = browser.post("/api/v1/sso/login", json={"username": user.username,
                                                             "password": "not-the-password"})
            assert wrong.status_code == 401
        locked = browser.post("/api/v1/sso/login", json={"username": user.username,
                                                          "password": user.password})
        assert locked.status_code == 401
        assert wrong is not None and locked.json() == wrong.json()
        assert "sso_session" not in locked.headers.get("set-cookie", "")

        out = flow.cli("user", "unlock", "--username", user.username)
        assert out["id"] == user.id
        assert flow.login(browser, user).status_code == 200


def test_a_success_resets_the_count(flow: Flow) -> None:
    user = flow.user()
    with flow.browser() as browser:
        for _ in range(4):
            assert browser.post("/api/v1/sso/login", json={"username": user.username,
                                                            "password": "nope-nope"}).status_code == 401
        flow.login(browser, user)
        for _ in range(4):
            browser.post("/api/v1/sso/login", json={"username": user.username, "password": "nope-nope"})
        assert flow.login(browser, user).status_code == 200
