"""The scope catalogue, read from the authorization service (CatalogService.GetCatalog)
and kept current by a short poll.

Why a poll and not pub/sub: the catalogue is small and changes rarely, a poll needs no
Redis (the embedded default has none) and cannot miss a change; one GetCatalog a second
per replica is nothing next to the token traffic, and each answers from the authorization
replica's memory after one one-row query of the revision. So every replica sees a change
within about CATALOG_POLL_SECONDS. When the authorization service cannot answer, the last
good copy stays in use; before the first one arrives, issuance answers
`temporarily_unavailable` (a token's `aud` must not be guessed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

import grpc
from authgate.authorization.v1 import authorization_pb2 as pb
from authgate.authorization.v1 import authorization_pb2_grpc as pb_grpc
from authgate_common.core.errors import OAuthError, TemporarilyUnavailable
from authgate_common.core.scope_catalog import Api, Catalog, Scope
from authgate_common.grpc_server import RpcClient
from authgate_common.periodic_job import PeriodicJob

log = logging.getLogger(__name__)
# A scope this replica does not know yet makes it read the catalogue at once, but no more
# often than this (a client cannot make it hammer the authorization service).
FORCED_GAP = 0.2


def catalog_from_message(resp: pb.GetCatalogResponse) -> Catalog:
    return Catalog(
        scopes=tuple(Scope(name=s.name, description=s.description, api=s.api, claims=tuple(s.claims),
                           access_token_claims=tuple(s.access_token_claims), builtin=s.builtin)
                     for s in resp.scopes),
        apis=tuple(Api(name=a.name, audience=a.audience, description=a.description) for a in resp.apis),
        revision=resp.revision)


class GrpcCatalogReader:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._rpc = RpcClient(pb_grpc.CatalogServiceStub(channel), timeout)

    def read(self) -> Catalog:
        return catalog_from_message(self._rpc.call("GetCatalog", pb.GetCatalogRequest()))


class PolledCatalog:
    """The CatalogSource of a replica: the last catalogue read, refreshed every `poll_seconds`."""

    def __init__(self, reader: GrpcCatalogReader, poll_seconds: float) -> None:
        self._reader = reader
        self._catalog: Catalog | None = None
        self._failing = False
        self._job = PeriodicJob("catalog-poll", self.refresh, poll_seconds)
        self._reading = threading.Lock()
        self._last_forced = float("-inf")

    def current(self) -> Catalog:
        catalog = self._catalog
        if catalog is None:
            raise TemporarilyUnavailable(detail="the scope catalogue has not been read yet")
        return catalog

    def covering(self, scopes: Sequence[str]) -> Catalog:
        catalog = self.current()
        if all(catalog.scope(s) is not None for s in scopes):
            return catalog
        with self._reading:  # one read for a crowd of requests, at most every FORCED_GAP
            if self._catalog is catalog and time.monotonic() - self._last_forced >= FORCED_GAP:
                self._last_forced = time.monotonic()
                self.refresh()
        return self.current()

    def refresh(self) -> bool:
        """Read it once; False (logged once per outage) when the authorization service
        cannot answer. Never lowers the revision: a lagging replica's answer is ignored."""
        try:
            fresh = self._reader.read()
        except OAuthError as exc:
            if not self._failing:
                log.warning("scope catalogue not read (%s); keeping revision %s", exc.error,
                            self._catalog.revision if self._catalog else "none")
            self._failing = True
            return False
        if self._failing:
            log.info("scope catalogue read again (revision %d)", fresh.revision)
        self._failing = False
        if self._catalog is None or fresh.revision >= self._catalog.revision:
            self._catalog = fresh
        return True

    def start(self, wait_seconds: float = 0) -> PolledCatalog:
        """Read it now (retrying for up to `wait_seconds`), then keep polling."""
        deadline = time.monotonic() + wait_seconds
        while not self.refresh() and time.monotonic() < deadline:
            time.sleep(0.25)
        self._job.start()
        return self

    def stop(self) -> None:
        self._job.stop()
