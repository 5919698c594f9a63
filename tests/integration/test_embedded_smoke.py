"""`make up` without DATABASE_URL/REDIS_URL: the embedded default (SQLite files and an
in-process session store) runs the same flow end to end through Envoy."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import httpx
import pytest
from authgate_devstack.stack import Stack
from flowkit import Cli, Flow, start_stack


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("embedded")
    stack = start_stack(workdir, {"VAR_DIR": str(workdir / "var")})
    try:
        yield stack
    finally:
        stack.stop()


def test_embedded_default_walks_the_flow(embedded: Stack) -> None:
    flow = Flow(embedded, Cli(embedded))
    tokens = flow.tokens()
    info = httpx.get(f"{flow.base}/api/v1/userinfo/me",
                     headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 200
    dbs = sorted(p.name for p in pathlib.Path(embedded.env["VAR_DIR"]).glob("*.db"))
    assert dbs == ["authorization.db", "identity.db", "session.db", "token.db"]
