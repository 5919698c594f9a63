"""Which language a page is shown in (authgate_common.pages.locale): ui_locales first
(OIDC Core §3.1.2.1), then Accept-Language by q-value (RFC 9110 §12.5.4), then English;
unknown or malformed tags are skipped, never an error."""

from __future__ import annotations

import pytest
from authgate_common.pages.locale import DEFAULT_LOCALE, negotiate

AVAILABLE = ("en", "de", "pt_BR")


@pytest.mark.parametrize(("ui_locales", "accept", "expected"), [
    (None, None, "en"),
    ("de", None, "de"),
    ("fr de", None, "de"),                      # the first one authgate has
    ("de-AT", None, "de"),                      # by primary subtag
    ("DE", None, "de"),                         # tags are case-insensitive
    ("pt-BR", None, "pt_BR"),                   # BCP 47 tag, gettext folder name
    ("en de", "de", "en"),                      # ui_locales wins over the header
    ("fr", "de", "de"),                         # nothing of ui_locales: the header
    (None, "fr-CH, fr;q=0.9, de;q=0.8, *;q=0.5", "de"),
    (None, "de;q=0.1, en;q=0.9", "en"),          # by weight, not by order
    (None, "de;q=0", "en"),                     # q=0 means "not this one"
    (None, "*", "en"),
    (None, "de;q=abc, en", "en"),               # a malformed weight drops that item only
    ("../../etc de", None, "de"),               # malformed tags are skipped
    ("x" * 300, "de", "de"),
    ("", "", "en"),
])
def test_the_language_is_chosen_by_ui_locales_then_accept_language(ui_locales, accept, expected) -> None:
    assert negotiate(ui_locales, accept, AVAILABLE) == expected


def test_only_the_first_tags_are_read() -> None:
    assert negotiate(" ".join(["fr"] * 50 + ["de"]), None, AVAILABLE) == DEFAULT_LOCALE
    assert negotiate(None, ", ".join(["fr"] * 50 + ["de"]), AVAILABLE) == DEFAULT_LOCALE
