"""The internal contract's table (docs/internal-plane.md), rendered from the allow-lists
declared beside the servicers; `python tests/integration/internal_contract.py` rewrites it
and test_internal_access.py fails when the document drifts from the code."""

from __future__ import annotations

import pathlib
import re

from authgate_common.audit_service import ACCESS as AUDIT_ACCESS
from authgate_common.grpc_access import ANY_WORKLOAD, INTERNAL, OPERATOR_PLANE, allowed_on
from authorization_service.entrypoints.grpc_api import ACCESS as AUTHORIZATION_ACCESS
from identity_service.entrypoints.grpc_api import ACCESS as IDENTITY_ACCESS
from session_service.entrypoints.grpc_api import ACCESS as SESSION_ACCESS
from token_service.entrypoints.grpc_api import ACCESS as TOKEN_ACCESS

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "internal-plane.md"
BEGIN, END = "<!-- allow-list:begin -->", "<!-- allow-list:end -->"
TABLES = {"identity": IDENTITY_ACCESS, "session": SESSION_ACCESS,
          "authorization": AUTHORIZATION_ACCESS, "token": TOKEN_ACCESS}


def _who(workloads: frozenset[str]) -> str:
    if ANY_WORKLOAD in workloads:
        return "any workload"
    return ", ".join(f"`{w}`" for w in sorted(workloads)) or "nobody"


def render() -> str:
    rows = ["| service | method | internal listener | operator listener |", "|---|---|---|---|"]
    for service, table in TABLES.items():
        for path, workloads in table.items():
            if path in AUDIT_ACCESS:
                continue
            rows.append(f"| {service} | `{path.lstrip('/')}` | {_who(allowed_on(INTERNAL, workloads))} "
                        f"| {_who(allowed_on(OPERATOR_PLANE, workloads))} |")
    for path, workloads in AUDIT_ACCESS.items():
        rows.append(f"| every service | `{path.lstrip('/')}` | {_who(allowed_on(INTERNAL, workloads))} "
                    f"| {_who(allowed_on(OPERATOR_PLANE, workloads))} |")
    rows.append("| every listener | `grpc.health.v1.Health/Check`, `Watch` | any workload | any workload |")
    return "\n".join(rows)


def current() -> str:
    text = DOC.read_text()
    match = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    return match.group(1) if match else ""


def rewrite() -> None:
    text = DOC.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + render() + "\n" + text[end:])


if __name__ == "__main__":
    rewrite()
