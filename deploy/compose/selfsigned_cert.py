"""One-shot job of the compose `tls` profile: a self-signed certificate for Envoy.

`python selfsigned_cert.py DIR [HOSTNAME…]` writes DIR/tls.crt and DIR/tls.key (the
names a Kubernetes TLS Secret uses) unless both already exist, so a restart keeps the
certificate a browser was told to trust. The key is readable by Envoy's user only.
Runs in an authgate image, which already ships `cryptography`.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pathlib
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ENVOY_UID = 101  # the `envoy` user of the envoyproxy/envoy image, which the gateway runs as
VALID_DAYS = 365


def certificate(hostnames: list[str]) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])])
    now = datetime.datetime.now(datetime.UTC)
    sans: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ("127.0.0.1", "::1")]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def write(directory: pathlib.Path, hostnames: list[str], owner: int | None) -> bool:
    crt, key = directory / "tls.crt", directory / "tls.key"
    if crt.exists() and key.exists():
        return False
    cert_pem, key_pem = certificate(hostnames)
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    crt.write_bytes(cert_pem)
    if owner is not None:
        for path in (crt, key):
            os.chown(path, owner, owner)
    return True


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: selfsigned_cert.py DIR [HOSTNAME…]", file=sys.stderr)
        return 2
    directory = pathlib.Path(argv[0])
    directory.mkdir(parents=True, exist_ok=True)
    hostnames = argv[1:] or ["localhost"]
    owner = ENVOY_UID if os.geteuid() == 0 else None
    made = write(directory, hostnames, owner)
    print(f"{'wrote' if made else 'kept'} {directory}/tls.crt and tls.key for {', '.join(hostnames)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
