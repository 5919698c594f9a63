"""The `scope` request parameter (RFC 6749 §3.3): space-delimited, case-sensitive tokens;
and the scope catalogue they are read against (what each opens and releases: the
authorization service's CatalogService, authgate_common.core.scope_catalog)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from authgate_common.core.errors import InvalidScope
from authgate_common.core.scope_catalog import SEEDED, Catalog

MAX_SCOPES = 32
SCOPE_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F)) - {'"', "\\"}


def parse_scope(value: str | None) -> list[str] | None:
    """The requested scopes in order without repeats; None when the parameter is absent
    or empty, which RFC 6749 §3.3 and §6 treat as "what was granted / the default"."""
    if value is None or not value.strip():
        return None
    scopes = list(dict.fromkeys(value.split(" ")))
    scopes = [s for s in scopes if s]
    if len(scopes) > MAX_SCOPES or any(not set(s) <= SCOPE_CHARS for s in scopes):
        raise InvalidScope("The scope parameter is malformed.")
    return scopes


class CatalogSource(Protocol):
    """The scope catalogue as this replica holds it (adapters/catalog_client.py keeps it
    within about a second of the authorization service's)."""

    def current(self) -> Catalog:
        """Raises TemporarilyUnavailable while none was ever read: an access token's `aud`
        and claims must not be guessed."""
        ...

    def covering(self, scopes: Sequence[str]) -> Catalog:
        """The catalogue, read again first when it does not know one of `scopes` (a scope
        defined a moment ago, before the next poll): a token is never minted with a scope
        this replica cannot yet map to its API and claims while a fresher copy exists."""
        ...


class FixedCatalog:
    """One catalogue for good (tests, and the migration's seed by default)."""

    def __init__(self, catalog: Catalog = SEEDED) -> None:
        self.catalog = catalog

    def current(self) -> Catalog:
        return self.catalog

    def covering(self, scopes: Sequence[str]) -> Catalog:
        return self.catalog
