"""The whole stack as real processes (four services + Envoy) on PostgreSQL and Redis.

Started once per test session; every test talks to it through the gateway only, like
a browser or an app would, and creates its own users and clients with the CLI. The token
service runs two replicas, so revocation is shown to reach every validator
(AUTHGATE_TEST_REPLICAS=N scales every service instead).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from authgate_devstack.stack import Stack
from flowkit import Cli, Flow, own_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with own_stack(tmp_path_factory, "it",
                   None if os.environ.get("AUTHGATE_TEST_REPLICAS") else {"token": 2}) as st:
        yield st


@pytest.fixture(scope="session")
def cli(stack: Stack) -> Cli:
    return Cli(stack)


@pytest.fixture(scope="session")
def flow(stack: Stack, cli: Cli) -> Flow:
    return Flow(stack, cli)



def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis 4.32 under pytest 9 gives each generated item its test function's node
    id (the operation is only in the item's name). pytest-xdist keys reports by node id, so
    `make test`'s two workers would count one of them; the name makes the id unique."""
    for item in items:
        if type(item).__name__ == "SchemathesisFunction" and not item.nodeid.endswith(item.name):
            item._id = item.parent.id.child(item.name)  # noqa: SLF001 - no public setter
