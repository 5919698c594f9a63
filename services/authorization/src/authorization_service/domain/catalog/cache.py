"""The catalogue as this replica remembers it: read whole when its revision changes.

Every read of `current()` older than `max_age` asks the database for the revision only (one
row); a change made here is seen at once (`forget`), one made by another replica within
`max_age`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from authgate_common.core.scope_catalog import SEEDED, Catalog

from ..ports import UnitOfWork


class CatalogCache:
    def __init__(self, uow: UnitOfWork, max_age: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._uow = uow
        self._max_age = max_age
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._checked = 0.0

    def current(self, *, fresh: bool = False) -> Catalog:
        """The catalogue; `fresh`: at the database's revision now (one query)."""
        with self._lock:
            cached, checked = self._catalog, self._checked
        now = self._monotonic()
        if cached is not None and not fresh and now - checked < self._max_age:
            return cached
        with self._uow() as tx:
            revision = tx.catalog.revision()
            if cached is None or cached.revision != revision:
                cached = Catalog(tuple(tx.catalog.scopes()), tuple(tx.catalog.apis()), revision)
        with self._lock:
            self._catalog, self._checked = cached, now
        return cached

    def forget(self) -> None:
        with self._lock:
            self._catalog = None


class FixedCatalog:
    """One catalogue for good (tests; the migration's seed by default)."""

    def __init__(self, catalog: Catalog = SEEDED) -> None:
        self.catalog = catalog

    def current(self) -> Catalog:
        return self.catalog
