"""The operator's certificate: which files, whether they are usable, and why a handshake failed.

The services serve admin RPCs only on their operator listeners, and only to a client
certificate of workload `operator` from the project CA (authgate_common.grpc_access).
Each file is taken from its flag (--ca, --cert, --key), else its variable
(AUTHGATE_CA, AUTHGATE_CERT, AUTHGATE_KEY), else `<VAR_DIR>/pki/operator/` (ca.crt,
tls.crt, tls.key), where `make up` puts the local operator's certificate.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from dataclasses import dataclass

from authgate_common import pki
from authgate_common.grpc_access import OPERATOR, InternalTls
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from .errors import CertificateUnusable
from .settings import CliSettings

HOW_TO_GET_ONE = (
    "`make up` creates var/pki/operator/ in the repository root (run the CLI from there, or "
    "set VAR_DIR); elsewhere issue one from the project CA with `authgate pki issue --workload "
    "operator --ca-dir PKI/ca --out DIR` and pass --ca/--cert/--key "
    "(or AUTHGATE_CA/AUTHGATE_CERT/AUTHGATE_KEY)"
)


@dataclass(frozen=True)
class OperatorCertificate:
    files: pki.TlsFiles

    @classmethod
    def resolve(
        cls, settings: CliSettings, *, ca: str | None = None, cert: str | None = None, key: str | None = None
    ) -> OperatorCertificate:
        """Flags win over the environment and `.env`, which win over VAR_DIR's folder."""
        default = pki.TlsFiles.in_dir(pathlib.Path(settings.VAR_DIR) / "pki" / OPERATOR)
        return cls(
            pki.TlsFiles(
                cert=pathlib.Path(cert or settings.AUTHGATE_CERT or default.cert),
                key=pathlib.Path(key or settings.AUTHGATE_KEY or default.key),
                ca=pathlib.Path(ca or settings.AUTHGATE_CA or default.ca),
            )
        )

    def tls(self) -> InternalTls:
        """The channel's mutual-TLS material; CertificateUnusable names a missing file."""
        for what, path, flag in (
            ("certificate", self.files.cert, "--cert"),
            ("private key", self.files.key, "--key"),
            ("CA certificate", self.files.ca, "--ca"),
        ):
            if not path.is_file():
                problem = "is not a file" if path.exists() else "does not exist"
                raise CertificateUnusable(
                    f"no operator {what}: {path} {problem} ({flag} sets it). {HOW_TO_GET_ONE}"
                )
        return InternalTls(self.files)

    def diagnose(self) -> str | None:
        """Why a TLS handshake with these files must fail, when the files themselves show it."""
        try:
            cert = x509.load_pem_x509_certificate(self.files.cert.read_bytes())
            ca = x509.load_pem_x509_certificate(self.files.ca.read_bytes())
        except (OSError, ValueError):
            return f"{self.files.cert} or {self.files.ca} is not a readable PEM certificate"
        now = dt.datetime.now(dt.UTC)
        if cert.not_valid_after_utc <= now:
            return (
                f"the operator certificate {self.files.cert} expired on {cert.not_valid_after_utc:%Y-%m-%d}"
            )
        if cert.not_valid_before_utc > now:
            return (
                f"the operator certificate {self.files.cert} is not valid before {cert.not_valid_before_utc}"
            )
        try:
            cert.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            return f"the operator certificate {self.files.cert} is not issued by {self.files.ca}"
        return None

    def workloads(self) -> list[str]:
        """The workloads the certificate names (its SPIFFE SAN URIs); [] when unreadable."""
        try:
            return pki.peer_workloads(self.files.cert.read_bytes())
        except (OSError, ValueError):
            return []
