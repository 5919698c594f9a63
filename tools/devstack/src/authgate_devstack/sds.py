"""The gateway's certificates as file-based SDS resources (Envoy's `path_config_source`).

A resource file per secret names the certificate files and the folder to watch
(`watched_directory`); when an entry is moved into that folder (the kubelet's `..data` swap
when a Secret volume is updated, an atomic rename), Envoy reads the files again and new
connections use them: a renewed certificate needs no restart.
"""

from __future__ import annotations

import posixpath
from typing import Any

import yaml

# Envoy's secrets, each read from its own file `sds-<name>.yaml`.
GATEWAY_CERT, GATEWAY_CA, PUBLIC_CERT = "gateway-cert", "gateway-ca", "public-cert"
SECRET_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"


def sds_file(secret: str) -> str:
    return f"sds-{secret}.yaml"


def sds_ref(secret: str, sds_dir: str) -> dict[str, Any]:
    """A reference to `secret`, read from its file in `sds_dir` (see `sds_files`)."""
    return {"name": secret, "sds_config": {
        "path_config_source": {"path": posixpath.join(sds_dir, sds_file(secret))},
        "resource_api_version": "V3"}}


def _secret(name: str, kind: str, files: dict[str, str], watched: str) -> str:
    secret = {"@type": SECRET_TYPE, "name": name,
              kind: {**{field: {"filename": path} for field, path in files.items()},
                     "watched_directory": {"path": watched}}}
    return yaml.safe_dump({"resources": [secret]}, sort_keys=False)


def sds_files(gateway_tls_dir: str, tls_files: tuple[str, str] | None = None) -> dict[str, str]:
    """The SDS resources a render given `sds_dir` reads, to write into that folder (file name
    -> YAML): the gateway's internal certificate and the project CA (`gateway_tls_dir`), and
    with `tls_files` (certificate chain, private key) the public listener's certificate,
    each watching the folder its files are in."""
    def path(name: str) -> str:
        return posixpath.join(gateway_tls_dir, name)

    files = {
        sds_file(GATEWAY_CERT): _secret(GATEWAY_CERT, "tls_certificate", {
            "certificate_chain": path("tls.crt"), "private_key": path("tls.key")}, gateway_tls_dir),
        sds_file(GATEWAY_CA): _secret(GATEWAY_CA, "validation_context", {
            "trusted_ca": path("ca.crt")}, gateway_tls_dir),
    }
    if tls_files:
        chain, key = tls_files
        files[sds_file(PUBLIC_CERT)] = _secret(PUBLIC_CERT, "tls_certificate", {
            "certificate_chain": chain, "private_key": key}, posixpath.dirname(chain))
    return files
