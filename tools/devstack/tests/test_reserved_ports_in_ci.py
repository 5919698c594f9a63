"""CI keeps `make up`'s fixed ports out of the kernel's ephemeral range (.ci/run writes them
to ip_local_reserved_ports): the ranges there are exactly RESERVED_PORTS, so a port added
to one is added to the other."""

from __future__ import annotations

import pathlib
import re

from authgate_devstack.ports import RESERVED_PORTS

CI_RUN = pathlib.Path(__file__).resolve().parents[3] / ".ci" / "run"


def test_ci_reserves_exactly_the_ports_make_up_uses() -> None:
    found = re.search(r'echo "([0-9,-]+)" > /proc/sys/net/ipv4/ip_local_reserved_ports', CI_RUN.read_text())
    assert found, ".ci/run no longer reserves make up's ports"
    ports: set[int] = set()
    for part in found.group(1).split(","):
        low, _, high = part.partition("-")
        ports |= set(range(int(low), int(high or low) + 1))
    assert ports == set(RESERVED_PORTS)
