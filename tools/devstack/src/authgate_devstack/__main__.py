"""`authgate-stack up|migrate|render`: the stack as local processes (what `make up` runs)."""

from __future__ import annotations

import argparse
import os
import pathlib
import signal
import sys
import threading

from dotenv import dotenv_values

from .gateway import REPO, SERVICES, dump, render, write_rendered
from .ports import Ports
from .processes import colored_printer
from .secrets_store import service_secrets
from .stack import Stack


def _settings() -> dict[str, str]:
    values = {k: v for k, v in dotenv_values(REPO / ".env").items() if v is not None}
    values.update({k: v for k, v in os.environ.items()})
    return values


def _replicas(values: dict[str, str], service: str) -> int:
    name = f"{service.upper()}_REPLICAS"
    raw = values.get(name) or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 9:  # ports are 10 apart: at most 9 fit
        raise SystemExit(f"authgate: {name} must be a number from 1 to 9, not {raw!r}")
    return int(raw)


def _stack(values: dict[str, str]) -> Stack:
    replicas = {s: _replicas(values, s) for s in SERVICES}
    ports = Ports.defaults(replicas)
    ports.gateway = int(values.get("GATEWAY_PORT", ports.gateway))
    ports.admin = int(values.get("GATEWAY_ADMIN_PORT", ports.admin))
    # DATABASE_URL is not for every service: _own_secrets makes a role URL of it for each.
    env = {k: values[k] for k in ("REDIS_URL",) if values.get(k)}
    env["VAR_DIR"] = str(REPO / values.get("VAR_DIR", "var"))
    env.setdefault("ISSUER", values.get("ISSUER", f"http://localhost:{ports.gateway}"))
    return Stack(ports=ports, env=env, workdir=REPO, log_to=colored_printer)


def _own_secrets(values: dict[str, str], stack: Stack) -> None:
    """Each service's own secrets and database role, from VAR_DIR/secrets (made on the first
    start); SECRET_KEY or SIGNING_KEY_ENCRYPTION_KEYS set by the user replace them."""
    folder = pathlib.Path(stack.env["VAR_DIR"]) / "secrets"
    database_url = values.get("DATABASE_URL") or None
    own = service_secrets(folder, SERVICES, secret_key=values.get("SECRET_KEY") or None,
                          encryption_keys=values.get("SIGNING_KEY_ENCRYPTION_KEYS") or None,
                          database_url=database_url)
    stack.service_secrets, stack.database_admin_url = own.env, database_url
    if values.get("SECRET_KEY"):
        print("authgate: every service uses the SECRET_KEY set in .env or the environment "
              "(unset it for one per service)", flush=True)
    if not own.created:
        return
    print(f"authgate: generated per-service secrets in {_shown(folder)} (kept for the next start)",
          flush=True)
    old_data = sorted(pathlib.Path(stack.env["VAR_DIR"]).glob("*.db"))
    if any(name.endswith(".SECRET_KEY") for name in own.created) and old_data and not database_url:
        print(f"authgate: warning: {', '.join(p.name for p in old_data)} in {_shown(folder.parent)} "
              "were written under an earlier SECRET_KEY (until now a public default), which the "
              "new keys cannot read (signing keys, client secrets); remove them to start afresh "
              "(docs/secrets.md)",
              file=sys.stderr, flush=True)


def _shown(path: pathlib.Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def _describe(values: dict[str, str], stack: Stack) -> str:
    db = values.get("DATABASE_URL")
    kv = values.get("REDIS_URL")
    store = (f"PostgreSQL ({db.split('@')[-1]}, one role per service)" if db
             else f"embedded SQLite files in {stack.env['VAR_DIR']}")
    cache = f"Redis ({kv.split('@')[-1]})" if kv else "an in-process session store (one replica only)"
    replicas = ", ".join(f"{s} x{len(p)}" for s, p in stack.ports.http.items() if len(p) > 1)
    return f"storage: {store}; sessions and revocation: {cache}" + (
        f"; replicas: {replicas}" if replicas else "")


def _replica_warning(values: dict[str, str], stack: Stack) -> str | None:
    """Replicas share state only through PostgreSQL and Redis; say so before it bites."""
    scaled = [s for s, p in stack.ports.http.items() if len(p) > 1]
    if scaled and not (values.get("DATABASE_URL") and values.get("REDIS_URL")):
        return (f"authgate: warning: {', '.join(scaled)} scaled out without DATABASE_URL and "
                "REDIS_URL set; replicas then keep separate sessions and data")
    return None


def cmd_up(_args: argparse.Namespace) -> int:
    values = _settings()
    stack = _stack(values)
    print(f"authgate: {_describe(values, stack)}", flush=True)
    warning = _replica_warning(values, stack)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    if stack.ensure_pki():
        print(f"authgate: created a local CA and a certificate per workload in {stack.pki_dir} "
              "(kept for the next start; the CLI uses pki/operator)", flush=True)
    _own_secrets(values, stack)
    stack.migrate()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stack.start(timeout=90)
        issuer = stack.env["ISSUER"]
        metrics_ports = ", ".join(f"{svc} {','.join(map(str, stack.ports.metrics[svc]))}"
                                  for svc in SERVICES)
        print(f"""
authgate is up. Issuer: {issuer}
  discovery  {issuer}/.well-known/openid-configuration
  API docs   {issuer}/docs
  metrics    http://127.0.0.1:<port>/metrics; {metrics_ports}
Next:
  .venv/bin/authgate user create --username alice --email alice@example.com --password-stdin
  .venv/bin/authgate client create --client-id web --redirect-uri http://localhost:3000/cb \\
      --scope "openid profile email read" --grant-type authorization_code \\
      --grant-type refresh_token --first-party
Press Ctrl-C to stop.
""", flush=True)
        # A crashed process is started again with back-off while the others keep serving,
        # as Kubernetes would; Envoy retries elsewhere what never reached it.
        stack.supervise()
        while not stop.wait(0.5):  # a timeout, so Ctrl-C's handler gets to run
            pass
        return 0
    finally:
        print("authgate: stopping", flush=True)
        stack.stop()


def cmd_migrate(_args: argparse.Namespace) -> int:
    values = _settings()
    stack = _stack(values)
    print(f"authgate: migrating — {_describe(values, stack)}")
    _own_secrets(values, stack)
    stack.migrate()
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    if args.all:
        for path in write_rendered():
            print(f"wrote {path.relative_to(REPO)}")
        return 0
    if args.target == "local":
        pki = REPO / _settings().get("VAR_DIR", "var") / "pki" / "gateway"
        text = dump(render("local", Ports.defaults().endpoints(), tls=args.tls,
                           gateway_tls_dir=str(pki)))
    else:
        text = dump(render(args.target, tls=args.tls))
    if args.output:
        pathlib.Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="authgate-stack", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="apply migrations, then run the four services and Envoy in the foreground")
    sub.add_parser("migrate", help="apply every service's migrations")
    r = sub.add_parser("render", help="render the Envoy config for a target")
    r.add_argument("--target", choices=["local", "compose", "k8s"], default="local")
    r.add_argument("--tls", action="store_true",
                   help="HTTPS on 8443 (TLS 1.2+, HSTS); plain HTTP only redirects to it")
    r.add_argument("--output", "-o")
    r.add_argument("--all", action="store_true",
                   help="rewrite every committed copy (gateway/rendered/, k8s/) from the source")
    args = parser.parse_args(argv)
    return {"up": cmd_up, "migrate": cmd_migrate, "render": cmd_render}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
