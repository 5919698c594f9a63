"""The local stack's secrets: made on the first `make up`, kept in VAR_DIR/secrets for the next.

Each service gets its own SECRET_KEY, so one service's key opens nothing of another's; the
token service also gets SIGNING_KEY_ENCRYPTION_KEYS; with DATABASE_URL set, each service
gets its own database role (authgate_common.db_roles) and that role's password. One file
per secret, named `<service>.<SETTING>`, readable by its owner only (0600, in a 0700
folder) and written whole or not at all: a start cut short, or two at once, never leaves
a truncated or a second value behind.
"""

from __future__ import annotations

import base64
import os
import pathlib
import secrets
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from authgate_common.db_roles import role_url, service_role
from authgate_common.settings import secret_key_problem


def random_secret() -> str:
    return secrets.token_urlsafe(48)


def fernet_key() -> str:
    """A Fernet key (32 random bytes, url-safe base64): the format SIGNING_KEY_ENCRYPTION_KEYS takes."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@dataclass
class SecretStore:
    folder: pathlib.Path
    created: list[str] = field(default_factory=list)

    def get(self, name: str, make: Callable[[], str]) -> str:
        """The secret `name`, made and kept on first use."""
        path = self.folder / name
        if not path.exists():
            self._create(path, make())
        return path.read_text().strip()

    def _create(self, path: pathlib.Path, value: str) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{path.name}.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(value + "\n")
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(tmp, path)  # never replaces: a concurrent start's value wins, whole
                self.created.append(path.name)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)


@dataclass
class ServiceSecrets:
    # What each service alone is given, by service.
    env: dict[str, dict[str, str]]
    # The names of the secrets made just now (empty when every one was kept).
    created: list[str]


def service_secrets(folder: pathlib.Path, services: Iterable[str], *, secret_key: str | None = None,
                    encryption_keys: str | None = None, database_url: str | None = None) -> ServiceSecrets:
    """Each service's own secrets from `folder`, made there if missing.

    `secret_key` and `encryption_keys` (the user's SECRET_KEY and SIGNING_KEY_ENCRYPTION_KEYS)
    replace the generated ones; the old public SECRET_KEY is refused. `database_url` (an
    administrator's) becomes one role URL per service in its database.
    """
    if secret_key is not None:
        problem = secret_key_problem(secret_key)
        if problem:
            raise SystemExit(f"authgate: {problem}")
    store = SecretStore(folder)
    env: dict[str, dict[str, str]] = {}
    for svc in services:
        own = {"SECRET_KEY": secret_key or store.get(f"{svc}.SECRET_KEY", random_secret)}
        if svc == "token":
            own["SIGNING_KEY_ENCRYPTION_KEYS"] = encryption_keys or store.get(
                "token.SIGNING_KEY_ENCRYPTION_KEYS", fernet_key)
        if database_url:
            password = store.get(f"{svc}.DATABASE_PASSWORD", random_secret)
            own["DATABASE_URL"] = role_url(database_url, service_role(database_url, svc), password)
        env[svc] = own
    return ServiceSecrets(env, store.created)
