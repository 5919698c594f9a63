"""The internal plane's certificates: a project CA and one leaf per workload.

Each workload (a service, the gateway, the operator's CLI, a validator) proves who it is
with a certificate whose SAN URI is `spiffe://<trust domain>/<workload>`, so a mesh or
SPIRE that issues SPIFFE identities can supply them instead. The files of one workload
sit in one folder, named as a cert-manager / `kubernetes.io/tls` Secret names them:
`tls.crt` (leaf), `tls.key` (its key, 0600) and `ca.crt` (the CA to trust), so the same
paths work for `make up` (`var/pki/<workload>/`), compose's volume and a mounted Secret.

`ensure_dev_pki` makes the CA and the leaves on first start and reuses them after,
renewing a leaf that is close to expiry; the CA key stays in `<root>/ca/`, never in a
workload's folder.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TRUST_DOMAIN = "authgate"
SERVICES = ("identity", "session", "authorization", "token")
# Every workload the project issues a certificate to. `validator` is any resource server
# that checks tokens with ValidateToken; `example` is the example API behind the gateway.
WORKLOADS = (*SERVICES, "gateway", "operator", "validator", "example")
CA_DAYS = 3650
LEAF_DAYS = 90
RENEW_BEFORE_DAYS = 30


def spiffe_id(workload: str, trust_domain: str = TRUST_DOMAIN) -> str:
    return f"spiffe://{trust_domain}/{workload}"


def workload_of(uri: str, trust_domain: str = TRUST_DOMAIN) -> str | None:
    """`spiffe://authgate/token` -> `token`; anything else (another trust domain) -> None."""
    prefix = f"spiffe://{trust_domain}/"
    if not uri.startswith(prefix):
        return None
    name = uri[len(prefix):]
    return name if name and "/" not in name else None


@dataclass(frozen=True)
class TlsFiles:
    """One workload's certificate, key and the CA it trusts (paths)."""

    cert: pathlib.Path
    key: pathlib.Path
    ca: pathlib.Path

    @classmethod
    def in_dir(cls, folder: str | os.PathLike[str]) -> TlsFiles:
        base = pathlib.Path(folder)
        return cls(cert=base / "tls.crt", key=base / "tls.key", ca=base / "ca.crt")

    def exist(self) -> bool:
        return self.cert.is_file() and self.key.is_file() and self.ca.is_file()

    def read(self) -> tuple[bytes, bytes, bytes]:
        """(certificate chain, private key, CA) as PEM bytes."""
        return self.cert.read_bytes(), self.key.read_bytes(), self.ca.read_bytes()

    def read_matching(self) -> tuple[bytes, bytes, bytes]:
        """`read()`, refused (ValueError) while the key is not the certificate's: files
        being replaced one after the other are caught half-way."""
        cert, key, ca = self.read()
        public = x509.load_pem_x509_certificate(cert).public_key()
        private = serialization.load_pem_private_key(key, password=None)
        spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if public.public_bytes(*spki) != private.public_key().public_bytes(*spki):
            raise ValueError(f"{self.key} is not the key of {self.cert}")
        return cert, key, ca


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path: pathlib.Path, data: bytes, mode: int) -> None:
    """Written whole or not at all (a reader never sees half a key), with `mode` from the start."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _private_dir(path: pathlib.Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


@dataclass(frozen=True)
class Authority:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def create(cls, name: str = "authgate internal CA", days: int = CA_DAYS) -> Authority:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = _now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(cert, key)

    @classmethod
    def load(cls, folder: pathlib.Path) -> Authority:
        cert = x509.load_pem_x509_certificate((folder / "ca.crt").read_bytes())
        key = serialization.load_pem_private_key((folder / "ca.key").read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cls(cert, key)

    def save(self, folder: pathlib.Path) -> None:
        _private_dir(folder)
        _write(folder / "ca.key", _key_pem(self.key), 0o600)
        _write(folder / "ca.crt", self.pem, 0o644)

    def issue(self, workload: str, *, dns_names: Iterable[str] = (), days: int = LEAF_DAYS,
              trust_domain: str = TRUST_DOMAIN, not_before: dt.datetime | None = None,
              ) -> tuple[bytes, bytes]:
        """A leaf for `workload`: (certificate PEM, key PEM). Usable as server and client.

        Its SAN holds the SPIFFE URI, the workload's bare name (what a channel expects
        the server to be, wherever it runs), `localhost`, 127.0.0.1 and ::1, and
        `dns_names` (e.g. Kubernetes Service names).
        """
        key = ec.generate_private_key(ec.SECP256R1())
        start = not_before or (_now() - dt.timedelta(minutes=5))
        names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(spiffe_id(workload, trust_domain))]
        names += [x509.DNSName(n) for n in dict.fromkeys([workload, "localhost", *dns_names])]
        names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ("127.0.0.1", "::1")]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, workload)]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=False,
                                         content_commitment=False, data_encipherment=False,
                                         key_agreement=True, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                           critical=False)
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)

    def write_leaf(self, folder: pathlib.Path, workload: str, **kwargs: object) -> TlsFiles:
        """Issue a leaf for `workload` into `folder` (tls.crt, tls.key 0600, ca.crt)."""
        cert, key = self.issue(workload, **kwargs)  # type: ignore[arg-type]
        _private_dir(folder)
        files = TlsFiles.in_dir(folder)
        _write(files.key, key, 0o600)
        _write(files.cert, cert, 0o644)
        _write(files.ca, self.pem, 0o644)
        return files


def expires_within(cert_path: pathlib.Path, days: float) -> bool:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return cert.not_valid_after_utc - _now() < dt.timedelta(days=days)


def ensure_dev_pki(root: str | os.PathLike[str], workloads: Iterable[str] = WORKLOADS,
                   ) -> dict[str, TlsFiles]:
    """The local CA and a leaf per workload under `root` (0700), made once and reused.

    A leaf is (re)issued when missing, issued by another CA, or within RENEW_BEFORE_DAYS
    of expiry; the services reload renewed files by themselves.
    """
    base = pathlib.Path(root)
    _private_dir(base)
    ca_dir = base / "ca"
    if (ca_dir / "ca.key").is_file() and (ca_dir / "ca.crt").is_file() \
            and not expires_within(ca_dir / "ca.crt", RENEW_BEFORE_DAYS):
        authority = Authority.load(ca_dir)
    else:
        authority = Authority.create()
        authority.save(ca_dir)
    out = {}
    for workload in workloads:
        files = TlsFiles.in_dir(base / workload)
        if (not files.exist() or files.ca.read_bytes() != authority.pem
                or expires_within(files.cert, RENEW_BEFORE_DAYS)):
            authority.write_leaf(base / workload, workload)
        out[workload] = files
    return out


def peer_workloads(cert_pem: bytes, trust_domain: str = TRUST_DOMAIN) -> list[str]:
    """The workloads a PEM certificate's SAN URIs name in `trust_domain`."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    found = (workload_of(u, trust_domain) for u in san.get_values_for_type(x509.UniformResourceIdentifier))
    return [w for w in found if w]
