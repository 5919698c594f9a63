"""User codes (RFC 8628 §6.1): 8 of 20 consonants, typed in any case with or without the
dash and spaces, anything else refused before a lookup."""

from __future__ import annotations

import re

from authorization_service.domain.device.user_codes import ALPHABET, new_user_code, normalise


def test_alphabet_is_twenty_letters_without_vowels() -> None:
    assert len(set(ALPHABET)) == 20 and not set(ALPHABET) & set("AEIOUY0123456789")


def test_new_codes_are_grouped_and_random() -> None:
    codes = {new_user_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", c) for c in codes)


def test_typed_codes_are_normalised() -> None:
    assert normalise("bcdf-ghjk") == normalise("BCDF GHJK") == normalise("BCDFGHJK") == "BCDFGHJK"


def test_impossible_codes_are_refused() -> None:
    for typed in ["", "BCDF-GHJ", "BCDF-GHJKL", "ABCD-EFGH", "BCDF-GHJ1", "B" * 40, "BCDF_GHJK"]:
        assert normalise(typed) is None


def test_off_the_verification_page_is_not_there() -> None:
    from authorization_fakes import make_core, make_settings
    from fastapi.testclient import TestClient

    off = make_core(make_settings().model_copy(update={"DEVICE_FLOW_ENABLED": False}))
    on = make_core(make_settings())
    assert TestClient(off.service.http_app).get("/api/v1/oauth/device").status_code == 404
    to_login = TestClient(on.service.http_app, follow_redirects=False).get("/api/v1/oauth/device")
    assert to_login.status_code == 303
