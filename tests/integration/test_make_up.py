"""`make up` as a new user runs it (embedded stores, the default ports), and what an
attacker on the same network would find: nothing listening beyond loopback, no plaintext
gRPC, an example API that refuses forged identity headers, generated secrets, and the
README walk-through passing as written.

The stack's files go to a temporary VAR_DIR, not the checkout's var/.
"""

from __future__ import annotations

import os
import pathlib
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import httpx
import pytest
from authgate_devstack.gateway import REPO
from grpc_health.v1 import health_pb2, health_pb2_grpc

VENV_BIN = pathlib.Path(sys.executable).parent
INTERNAL_GRPC = [50051, 50052, 50053, 50054, 50151, 50152, 50153, 50154]
EXT_AUTHZ_HTTP = 50254  # the token service's ext_authz listener (mutual TLS, the gateway only)
GATEWAY = 8000
LOOPBACK = ("127.0.0.1", "::1", "::ffff:127.0.0.1")


@dataclass
class Up:
    proc: subprocess.Popen[str]
    var_dir: pathlib.Path
    output: list[str]

    def env(self) -> dict[str, str]:
        return {**_clean_env(), "VAR_DIR": str(self.var_dir)}


def _clean_env() -> dict[str, str]:
    """A new user's shell: none of the test session's store or stack settings."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "REDIS_", "SECRET_KEY", "AUTHGATE_", "VAR_DIR"))}


def _busy(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    busy = [p for p in [GATEWAY, 9901, 8110, *INTERNAL_GRPC, EXT_AUTHZ_HTTP] if _busy(p)]
    if busy:
        pytest.skip(f"make up's default ports are taken here: {busy}")
    var_dir = tmp_path_factory.mktemp("make-up") / "var"
    env = {**_clean_env(), "VAR_DIR": str(var_dir)}
    proc = subprocess.Popen([str(VENV_BIN / "authgate-stack"), "up"], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    output: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if "authgate is up" in line:
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(150):
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        text = "".join(output)
        if "Address already in use" in text:
            # Another process of this machine took one of the fixed ports after the check
            # above (test stacks draw theirs outside them: devstack RESERVED_PORTS).
            pytest.skip("a default port of make up was taken meanwhile:\n" + text[-2000:])
        pytest.fail("make up did not come up:\n" + "".join(output[-80:]))
    try:
        yield Up(proc, var_dir, output)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        found.add(p)
        todo.extend(children.get(p, []))
    return found


def _listening(pids: set[int]) -> list[tuple[str, int, int]]:
    """(address, port, pid) of every TCP socket in LISTEN that one of `pids` holds."""
    inodes: dict[str, int] = {}
    for pid in pids:
        try:
            for fd in pathlib.Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes[target[8:-1]] = pid
        except OSError:
            continue
    found = []
    for table, width in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        for line in pathlib.Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:
                continue
            raw, port = local.split(":")
            found.append((_address(raw, width), int(port, 16), inodes[inode]))
    return found


def _address(raw: str, width: int) -> str:
    data = bytes.fromhex(raw)
    # /proc/net/tcp prints each 32-bit word in host (little-endian) order.
    words = b"".join(data[i:i + 4][::-1] for i in range(0, len(data), 4))
    family = socket.AF_INET if width == 4 else socket.AF_INET6
    return socket.inet_ntop(family, words)


def test_make_up_generates_its_secrets_and_certificates_and_says_so(up: Up) -> None:
    text = "".join(up.output)
    assert "created a local CA" in text
    assert re.search(r"generated .*secret", text, re.I), text[:2000]
    secrets_dir = up.var_dir / "secrets"
    assert (secrets_dir.stat().st_mode & 0o777) == 0o700
    files = [p for p in secrets_dir.iterdir() if p.is_file()]
    assert files and all((p.stat().st_mode & 0o777) == 0o600 for p in files)
    assert len({p.read_text().strip() for p in files}) == len(files), "two secrets are the same"


def test_make_up_writes_nothing_outside_var(up: Up) -> None:
    status = subprocess.run(["git", "status", "--porcelain", "--ignored=no"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    assert "envoy.yaml" not in status and " jar" not in status, status


def test_nothing_but_the_gateway_listens_beyond_loopback(up: Up) -> None:
    sockets = _listening(_descendants(up.proc.pid))
    ports = {port for _, port, _ in sockets}
    assert {GATEWAY, *INTERNAL_GRPC, EXT_AUTHZ_HTTP} <= ports, sorted(ports)
    exposed = [(a, p) for a, p, _ in sockets
               if a not in LOOPBACK and p != GATEWAY]
    assert not exposed, exposed


@pytest.mark.parametrize("port", INTERNAL_GRPC)
def test_a_plaintext_grpc_call_to_an_internal_port_fails(up: Up, port: int) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch, pytest.raises(grpc.RpcError) as err:
        health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=3)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_the_ext_authz_listener_answers_no_one_but_the_gateway(up: Up) -> None:
    check = f"https://127.0.0.1:{EXT_AUTHZ_HTTP}/check/api/v1/example/items"
    with pytest.raises(httpx.HTTPError):  # plain HTTP: no TLS, no answer
        httpx.get(f"http://127.0.0.1:{EXT_AUTHZ_HTTP}/check/x", timeout=5)
    pki = up.var_dir / "pki" / "validator"  # the project's CA, not the gateway's identity
    context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    context.check_hostname = False
    context.load_cert_chain(str(pki / "tls.crt"), str(pki / "tls.key"))
    with pytest.raises(httpx.HTTPError):
        httpx.get(check, headers={"x-authgate-required-scopes": ""}, verify=context, timeout=5)


def test_forged_identity_headers_sent_straight_to_the_example_api_are_refused(up: Up) -> None:
    forged = {"x-auth-sub": "someone", "x-auth-scope": "admin read write"}
    with pytest.raises(httpx.HTTPError):
        httpx.get("http://127.0.0.1:8110/api/v1/example/admin", headers=forged, timeout=5)
    # Over TLS with a certificate of the project's CA that is not the gateway's.
    pki = up.var_dir / "pki" / "validator"
    context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    context.load_cert_chain(str(pki / "tls.crt"), str(pki / "tls.key"))
    with pytest.raises((httpx.HTTPError, ssl.SSLError, OSError)):
        resp = httpx.get("https://127.0.0.1:8110/api/v1/example/admin", headers=forged,
                         verify=context, timeout=5)
        pytest.fail(f"answered {resp.status_code}: {resp.text}")
    # Through the gateway the headers are stripped and a token is required.
    resp = httpx.get(f"http://127.0.0.1:{GATEWAY}/api/v1/example/admin", headers=forged, timeout=5)
    assert resp.status_code == 401


def test_a_service_refuses_the_old_public_secret(up: Up) -> None:
    env = {**up.env(), "SECRET_KEY": "insecure-development-secret-change-me",
           "IDENTITY_GRPC_PORT": "0", "IDENTITY_HTTP_PORT": "0", "IDENTITY_OPERATOR_PORT": "0",
           "IDENTITY_METRICS_PORT": "0"}
    proc = subprocess.run([sys.executable, "-m", "identity_service", "serve"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "old public development" in proc.stdout + proc.stderr


def _readme_walkthrough() -> str:
    text = (REPO / "README.md").read_text()
    section = text.split("## Walk-through", 1)[1]
    return section.split("```bash\n", 1)[1].split("```", 1)[0]


# `# → …` lines in the README show what the command above prints; the test keeps from it
# what later commands use (their <PLACEHOLDER>s).
CAPTURES = {
    "client_secret: <SECRET>": ("SECRET", r"client_secret:\s+(\S+)"),
    "code=<CODE>": ("CODE", r"code=([^&\s]+)"),
    '"access_token":"eyJ…"': ("ACCESS_TOKEN", r'"access_token":"([^"]+)"'),
}


def test_the_readme_walk_through_passes_as_written(up: Up, tmp_path: pathlib.Path) -> None:
    # Run where the README runs it (`.venv/bin/…` relative), leaving the cookie jar in tmp.
    (tmp_path / ".venv").symlink_to(REPO / ".venv")
    values: dict[str, str] = {}
    command: list[str] = []
    shell_vars: dict[str, str] = {}
    last = ""
    env = up.env()
    for line in _readme_walkthrough().splitlines():
        if line.startswith("# →"):
            expected = line[len("# →"):].strip()
            for marker, (name, pattern) in CAPTURES.items():
                if marker in expected:
                    match = re.search(pattern, last)
                    assert match, f"{name} not in the output of the command above: {last}"
                    values[name] = match.group(1)
            continue
        if not line.strip() or line.startswith("#"):
            continue
        command.append(line.rstrip("\\").rstrip() if line.endswith("\\") else line)
        if line.endswith("\\"):
            continue
        script = " ".join(command)
        command = []
        for name, value in values.items():
            script = script.replace(f"<{name}>", value)
        assignment = re.match(r"^([A-Z_]+)=\$\((.*)\)$", script)
        prefix = "".join(f"{k}={_quote(v)}; " for k, v in shell_vars.items())
        proc = subprocess.run(["bash", "-c", prefix + (assignment.group(2) if assignment else script)],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, f"{script}\n{proc.stdout}{proc.stderr}"
        last = proc.stdout
        if assignment:
            shell_vars[assignment.group(1)] = proc.stdout.strip()
    assert "ACCESS_TOKEN" in values and '"sub"' in last and "preferred_username" in last, last


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"
