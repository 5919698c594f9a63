"""Which of a service's page messages a language lacks: for a test per service, so that
whoever adds a page or a message adds its translations too.

Messages are extracted the way a translator's tools would (Babel, with Jinja2's
`babel_extract` for templates): `_()`/`gettext`/`ngettext` in `templates/**/*.html` and `*.txt` (mail), and
`N_()` in the package's Python modules. A message counts as translated when a `.po` file
of the locale (the shared catalogues or the service's) has a non-empty, non-fuzzy entry.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterable, Iterator
from typing import Any

from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from . import SHARED_TRANSLATIONS

_TEMPLATE_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


def _msgid(message: Any) -> str:
    """The msgid of a message, or of its singular form (ngettext)."""
    return str(message if isinstance(message, str) else message[0])


def extracted(package: pathlib.Path) -> Iterator[tuple[str, str]]:
    """(msgid, "file:line") of every message of a service package."""
    templates = package / "templates"
    for path in sorted([*templates.rglob("*.html"), *templates.rglob("*.txt")]):
        with path.open("rb") as f:
            jinja: Any = babel_extract  # its annotations predate Babel's
            for line, message, _c, _ctx in extract(jinja, f, DEFAULT_KEYWORDS, options=_TEMPLATE_OPTIONS):
                yield _msgid(message), f"{path.relative_to(package)}:{line}"
    for path in sorted(package.rglob("*.py")):
        with path.open("rb") as f:
            for line, message, _c, _ctx in extract("python", f, {"N_": None}):
                yield _msgid(message), f"{path.relative_to(package)}:{line}"


def translated(folders: Iterable[pathlib.Path], locale: str) -> set[str]:
    """The msgids the `.po` files of `locale` in `folders` translate."""
    done: set[str] = set()
    for folder in folders:
        for po in sorted((folder / locale / "LC_MESSAGES").glob("*.po")):
            with po.open("rb") as f:
                catalog = read_po(f, locale=locale)
            for message in catalog:
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and all(strings) and not message.fuzzy:
                    done.add(_msgid(message.id))
    return done


def missing_translations(package: pathlib.Path, locale: str,
                         translations: pathlib.Path | None = None) -> list[str]:
    """"msgid (where)" of each message of `package` that `locale` does not translate."""
    done = translated([SHARED_TRANSLATIONS, translations or package / "translations"], locale)
    return sorted({f"{msgid!r} ({where})" for msgid, where in extracted(package) if msgid not in done})
