"""`authgate pki init|issue|k8s-secrets`: the internal plane's certificates (no service needed).

Every gRPC call inside authgate is mutual TLS: each workload holds a certificate from the
project CA whose SAN URI `spiffe://authgate/<workload>` names it, and each method lets only
the workloads its allow-list names call it (authgate_common.grpc_access). A workload's
folder holds tls.crt, tls.key (0600) and ca.crt, as a `kubernetes.io/tls` Secret does; the
CA's key stays in DIR/ca and never goes into a workload's folder or a Secret.

Workload names are the ones the allow-lists know: the four services, `gateway`,
`operator` (this CLI), `validator` (a resource server of yours that calls ValidateToken)
and `example`. A certificate for any other name would be refused everywhere.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import pathlib
import re
import sys
from typing import Any

from authgate_common import pki
from cryptography import x509

from .context import Context
from .errors import CliFailure
from .parsers import command, command_group

SECRET_NAME = "authgate-{}-tls"  # as the cert-manager component names them
_DNS_NAME = re.compile(
    r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


class PkiFailure(CliFailure):
    """A certificate could not be made (invalid_request, exit 2)."""


def _cert(path: pathlib.Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _expires(path: pathlib.Path) -> str:
    return _cert(path).not_valid_after_utc.isoformat().replace("+00:00", "Z")


def _certificates(root: pathlib.Path, workloads: list[str]) -> dict[str, bytes | None]:
    """Each certificate's bytes before a run ("ca" for the CA), to tell made from kept."""
    paths = {"ca": root / "ca" / "ca.crt", **{w: pki.TlsFiles.in_dir(root / w).cert for w in workloads}}
    return {name: path.read_bytes() if path.is_file() else None for name, path in paths.items()}


def _ensure(root: pathlib.Path, workloads: list[str]) -> list[dict[str, Any]]:
    """ensure_dev_pki, and what it did to each certificate: created, renewed or kept."""
    before = _certificates(root, workloads)
    try:
        pki.ensure_dev_pki(root, workloads)
    except (OSError, ValueError) as exc:
        raise PkiFailure(f"cannot make the certificates in {root}: {exc}") from exc
    after = _certificates(root, workloads)
    rows = []
    for name, old in before.items():
        status = "created" if old is None else "kept" if old == after[name] else "renewed"
        folder = root / name
        rows.append(
            {
                "workload": name,
                "status": status,
                "expires": _expires(folder / ("ca.crt" if name == "ca" else "tls.crt")),
                "folder": str(folder),
            }
        )
    return rows


def init(args: argparse.Namespace, ctx: Context) -> None:
    rows = _ensure(pathlib.Path(args.dir), list(pki.WORKLOADS))
    ctx.out.table(rows, ["workload", "status", "expires", "folder"])
    ctx.out.note(f"\nThe CA's key is {pathlib.Path(args.dir) / 'ca' / 'ca.key'}: keep it off the workloads.")


def issue(args: argparse.Namespace, ctx: Context) -> None:
    ca_dir, out = pathlib.Path(args.ca_dir), pathlib.Path(args.out)
    if not ((ca_dir / "ca.crt").is_file() and (ca_dir / "ca.key").is_file()):
        raise PkiFailure(
            f"no CA in {ca_dir} (ca.crt and ca.key): `authgate pki init --dir DIR` makes one "
            "in DIR/ca; `make up` keeps its own in var/pki/ca"
        )
    if out.resolve() == ca_dir.resolve():
        raise PkiFailure("--out must be a folder of its own, not the CA's")
    try:
        authority = pki.Authority.load(ca_dir)
    except (OSError, ValueError) as exc:
        raise PkiFailure(f"cannot read the CA in {ca_dir}: {exc}") from exc
    ends = dt.datetime.now(dt.UTC) + dt.timedelta(days=args.days)
    if ends > authority.cert.not_valid_after_utc:
        raise PkiFailure(
            f"--days {args.days} outlives the CA, which expires on "
            f"{authority.cert.not_valid_after_utc:%Y-%m-%d}"
        )
    try:
        files = authority.write_leaf(out, args.workload, dns_names=args.dns_name, days=args.days)
    except OSError as exc:
        raise PkiFailure(f"cannot write {out}: {exc}") from exc
    cert = _cert(files.cert)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ctx.out.record(
        {
            "workload": args.workload,
            "spiffe_id": pki.spiffe_id(args.workload),
            "dns_names": san.get_values_for_type(x509.DNSName),
            "expires": _expires(files.cert),
            "cert": str(files.cert),
            "key": str(files.key),
            "ca": str(files.ca),
        },
        ["workload", "spiffe_id", "dns_names", "expires", "cert", "key", "ca"],
    )


def secret(workload: str, files: pki.TlsFiles, namespace: str) -> dict[str, Any]:
    """The `kubernetes.io/tls` Secret cert-manager would make for `workload`."""
    cert, key, ca = files.read()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": SECRET_NAME.format(workload),
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": "authgate", "authgate.io/workload": workload},
        },
        "type": "kubernetes.io/tls",
        "data": {
            name: base64.b64encode(data).decode()
            for name, data in (("tls.crt", cert), ("tls.key", key), ("ca.crt", ca))
        },
    }


def k8s_secrets(args: argparse.Namespace, ctx: Context) -> None:
    import yaml  # only this command needs it

    root = pathlib.Path(args.dir)
    workloads = list(dict.fromkeys(args.workload or pki.WORKLOADS))
    made = [r for r in _ensure(root, workloads) if r["status"] != "kept"]
    for row in made:
        print(f"authgate: {row['status']} {row['folder']}", file=sys.stderr)
    docs = [secret(w, pki.TlsFiles.in_dir(root / w), args.namespace) for w in workloads]
    sys.stdout.write(yaml.safe_dump_all(docs, sort_keys=False, explicit_start=True))


def _days(text: str) -> int:
    days = int(text)
    if days < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return days


def _dns_name(text: str) -> str:
    if len(text) > 253 or not _DNS_NAME.match(text):
        raise argparse.ArgumentTypeError(f"not a DNS name: {text!r}")
    return text


def register(groups: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    commands = command_group(groups, common, "pki", metavar=None, description=__doc__,
                             formatter_class=argparse.RawDescriptionHelpFormatter,
                             help="make the internal plane's CA and certificates, "
                             "or Kubernetes Secrets of them")
    workload = {
        "choices": pki.WORKLOADS,
        "metavar": "WORKLOAD",
        "help": f"one of {', '.join(pki.WORKLOADS)} (the names the allow-lists know)",
    }

    made = command(commands, common, "init", init,
                   help="create (or reuse) a CA and every workload's certificate under DIR; "
                   "prints what it made")
    made.add_argument("--dir", required=True, help="the PKI folder: DIR/ca, DIR/<workload> (0700)")

    one = command(commands, common, "issue", issue,
                  help="issue one workload's certificate from an existing CA",
                  description="Issue tls.crt, tls.key (0600) and ca.crt into OUTDIR (0700); "
                  "an existing certificate there is replaced (renewal).")
    one.add_argument("--workload", required=True, **workload)
    one.add_argument(
        "--ca-dir", required=True, metavar="DIR", help="the CA's folder (ca.crt, ca.key), e.g. var/pki/ca"
    )
    one.add_argument("--out", required=True, metavar="OUTDIR", help="where tls.crt, tls.key and ca.crt go")
    one.add_argument(
        "--dns-name",
        action="append",
        default=[],
        type=_dns_name,
        metavar="NAME",
        help="an extra DNS SAN (repeatable); the workload's name and localhost are always in",
    )
    one.add_argument("--days", type=_days, default=pki.LEAF_DAYS, help=f"validity (default {pki.LEAF_DAYS})")

    k8s = command(commands, common, "k8s-secrets", k8s_secrets,
                  help="print kubernetes.io/tls Secrets "
                  "(authgate-<workload>-tls) for `kubectl apply -f -`, where cert-manager is absent",
                  description="Print one Secret per workload as a YAML stream, after creating "
                  "the CA and certificates under DIR if missing. The CA key is never printed.")
    k8s.add_argument("--dir", required=True, help="the PKI folder (as for init)")
    k8s.add_argument("--namespace", default="authgate", help="the Secrets' namespace (default authgate)")
    k8s.add_argument(
        "--workload",
        action="append",
        **{**workload, "help": "only this workload (repeatable; default every one): " + workload["help"]},
    )
