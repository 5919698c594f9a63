"""Write the secrets docker-compose.yml needs to .env: `python3 deploy/compose/generate_env.py [FILE]`.

Each service gets its own SECRET_KEY and its own database role password; the token
service alone gets the Fernet keys that encrypt its signing keys; POSTGRES_PASSWORD is
PostgreSQL's own user, which only the migrations use. Values already in FILE are kept
(rotating one is a deliberate act: see README "Deploying"), missing ones are generated,
and FILE is created 0600. Values are never printed. Standard library only: it runs
before anything is installed.
"""

from __future__ import annotations

import base64
import os
import pathlib
import secrets
import sys
from collections.abc import Callable

SERVICES = ("identity", "session", "authorization", "token")


def _key() -> str:
    return secrets.token_urlsafe(48)


def _password() -> str:
    return secrets.token_hex(24)  # hex: no escaping inside a postgresql:// URL


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


GENERATORS: dict[str, Callable[[], str]] = {
    **{f"{svc.upper()}_SECRET_KEY": _key for svc in SERVICES},
    **{f"{svc.upper()}_DB_PASSWORD": _password for svc in SERVICES},
    "TOKEN_SIGNING_KEY_ENCRYPTION_KEYS": _fernet_key,
    "POSTGRES_PASSWORD": _password,
}


def present(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        name, sep, _ = line.strip().partition("=")
        if sep and not name.startswith("#"):
            names.add(name.removeprefix("export ").strip())
    return names


def write(path: pathlib.Path) -> tuple[list[str], list[str]]:
    """Append the missing secrets to `path`; (names written, names kept)."""
    existing = path.read_text() if path.exists() else ""
    have = present(existing)
    missing = [name for name in GENERATORS if name not in have]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as out:
        if missing and existing and not existing.endswith("\n"):
            out.write("\n")
        out.writelines(f"{name}={GENERATORS[name]()}\n" for name in missing)
    os.chmod(path, 0o600)
    return missing, [name for name in GENERATORS if name in have]


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print("usage: generate_env.py [FILE (default .env)]", file=sys.stderr)
        return 2
    path = pathlib.Path(argv[0] if argv else ".env")
    written, kept = write(path)
    print(f"{path}: wrote {', '.join(written) or 'nothing'}; kept {', '.join(kept) or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
