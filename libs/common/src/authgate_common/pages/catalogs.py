"""gettext catalogs read from `.po` files at start-up (Babel), so no compiled `.mo` is
generated or committed. Every `.po` file of a locale (one per domain: login, consent, …)
and every folder given is merged into one catalogue per locale; later folders win."""

from __future__ import annotations

import io
import pathlib
from collections.abc import Iterable

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations


def _read(path: pathlib.Path) -> Translations:
    with path.open("rb") as f:
        catalog = read_po(f, locale=path.parent.parent.name)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def load_translations(folders: Iterable[pathlib.Path]) -> dict[str, Translations]:
    """{locale: merged catalogue} from `<folder>/<locale>/LC_MESSAGES/*.po`."""
    merged: dict[str, Translations] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
            locale = po.parent.parent.name
            translations = _read(po)
            if locale in merged:
                merged[locale].merge(translations)
            else:
                merged[locale] = translations
    return merged
