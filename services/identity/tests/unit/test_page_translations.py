"""Every message of the identity service's pages (templates' `_()`, Python's `N_()`) has a
German translation in its catalogues (translations/de/LC_MESSAGES/*.po or the shared
common.po): whoever adds a page or a message adds its translation too (docs/theming.md)."""

from __future__ import annotations

from authgate_common.pages.completeness import extracted, missing_translations
from identity_service.entrypoints.login_page import PACKAGE


def test_every_page_message_has_a_german_translation() -> None:
    assert list(extracted(PACKAGE)), "no messages found: the extractor is not looking"
    missing = missing_translations(PACKAGE, "de")
    assert not missing, "add these to a .po file under translations/de/LC_MESSAGES/:\n" + "\n".join(missing)
