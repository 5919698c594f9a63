"""Both kustomize overlays render, every object is valid Kubernetes (pinned API version,
strict schemas; cert-manager's kinds against their API's fields), every Deployment is
probed, bounded, locked down, autoscaled, disruption-budgeted and fenced by a
NetworkPolicy, each pod mounts its own certificate and reads its own Secret only."""

from __future__ import annotations

import pathlib
import posixpath
import re
import subprocess
import sys
from typing import Any

import jsonschema
import pytest
import yaml
from authgate_devstack.gateway import load_source, rendered_sds, rendered_text

KUBERNETES_VERSION = "1.32.0"
VALIDATE = pathlib.Path(sys.executable).parent / "kubernetes-validate"
PORTS = {"identity": (8101, 50051), "session": (8102, 50052),
         "authorization": (8103, 50053), "token": (8104, 50054)}
OPERATOR_PORTS = {"identity": 50151, "session": 50152, "authorization": 50153, "token": 50154}
AUTHZ_PORT = 50254  # the token service's ext_authz over HTTP (gateway.yaml ext_authz.mode http)
WORKLOADS = (*PORTS, "gateway", "operator", "validator")
TLS_DIR = "/etc/authgate/pki"
CERT_MANAGER = "cert-manager.io/v1"
Objects = list[dict[str, Any]]

# cert-manager.io/v1 Issuer and Certificate: the fields of its API these manifests use,
# strictly (a misspelt or unknown field fails, as kubernetes-validate does for core kinds,
# which has no schema for CRDs).
_REF = {"type": "object", "additionalProperties": False, "required": ["name"],
        "properties": {"name": {"type": "string"}, "kind": {"enum": ["Issuer", "ClusterIssuer"]},
                       "group": {"const": "cert-manager.io"}}}
_USAGES = ["signing", "digital signature", "content commitment", "key encipherment",
           "key agreement", "data encipherment", "cert sign", "crl sign", "encipher only",
           "decipher only", "any", "server auth", "client auth", "code signing",
           "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user",
           "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc"]
_DURATION = {"type": "string", "pattern": r"^([0-9]+(\.[0-9]+)?(h|m|s))+$"}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_METADATA = {"type": "object", "required": ["name", "namespace"],
             "properties": {"name": {"type": "string"}, "namespace": {"type": "string"}}}


def _strict(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": required,
            "properties": properties}


def _resource(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _strict(["apiVersion", "kind", "metadata", "spec"], apiVersion={"const": CERT_MANAGER},
                   kind={"const": kind}, metadata=_METADATA, spec=spec)


_ISSUER_SPEC = {**_strict([], selfSigned=_strict([], crlDistributionPoints=_STRINGS),
                          ca=_strict(["secretName"], secretName={"type": "string"})),
                "minProperties": 1, "maxProperties": 1}
_PRIVATE_KEY = _strict([], algorithm={"enum": ["RSA", "ECDSA", "Ed25519"]}, size={"type": "integer"},
                       encoding={"enum": ["PKCS1", "PKCS8"]},
                       rotationPolicy={"enum": ["Never", "Always"]})
_CERTIFICATE_SPEC = _strict(
    ["secretName", "issuerRef"], secretName={"type": "string"}, commonName={"type": "string"},
    isCA={"type": "boolean"}, duration=_DURATION, renewBefore=_DURATION, dnsNames=_STRINGS,
    ipAddresses=_STRINGS, uris=_STRINGS, usages={"type": "array", "items": {"enum": _USAGES}},
    issuerRef=_REF, privateKey=_PRIVATE_KEY)
CERT_MANAGER_SCHEMAS = {"Issuer": _resource("Issuer", _ISSUER_SPEC),
                        "Certificate": _resource("Certificate", _CERTIFICATE_SPEC)}


def of_kind(objs: Objects, kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    match = selector.get("matchLabels", {})
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_object_is_valid_kubernetes(overlay: str, objects: dict[str, Objects],
                                          tmp_path: pathlib.Path) -> None:
    core = [o for o in objects[overlay] if o["apiVersion"] != CERT_MANAGER]
    path = tmp_path / f"{overlay}.yaml"
    path.write_text(yaml.safe_dump_all(core, sort_keys=False))
    proc = subprocess.run([str(VALIDATE), "--strict", "-k", KUBERNETES_VERSION, str(path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(" passed for resource ") == len(core)
    crds = [o for o in objects[overlay] if o["apiVersion"] == CERT_MANAGER]
    assert {o["kind"] for o in crds} == {"Issuer", "Certificate"}
    for obj in crds:
        jsonschema.validate(obj, CERT_MANAGER_SCHEMAS[obj["kind"]])
    assert all(o["metadata"].get("namespace") == "authgate"
               for o in objects[overlay] if o["kind"] != "Namespace")


def test_the_cert_manager_schemas_bite() -> None:
    cert = {"apiVersion": CERT_MANAGER, "kind": "Certificate",
            "metadata": {"name": "x", "namespace": "authgate"},
            "spec": {"secretName": "x", "issuerRef": {"name": "ca"}, "uri": ["spiffe://authgate/x"]}}
    with pytest.raises(jsonschema.ValidationError, match="uri"):
        jsonschema.validate(cert, CERT_MANAGER_SCHEMAS["Certificate"])


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_deployment_is_production_shaped(overlay: str, objects: dict[str, Objects]) -> None:
    objs = objects[overlay]
    deployments = of_kind(objs, "Deployment")
    assert set(deployments) == {*PORTS, "gateway"}
    hpas, pdbs = of_kind(objs, "HorizontalPodAutoscaler"), of_kind(objs, "PodDisruptionBudget")
    policies = of_kind(objs, "NetworkPolicy").values()
    accounts = of_kind(objs, "ServiceAccount")
    for name, dep in deployments.items():
        pod = dep["spec"]["template"]
        labels, spec = pod["metadata"]["labels"], pod["spec"]
        assert "replicas" not in dep["spec"], f"{name}: the HPA owns replicas"
        assert any(h["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                   "name": name} for h in hpas.values()), name
        assert any(selects(p["spec"]["selector"], labels) for p in pdbs.values()), name
        assert any(selects(p["spec"]["podSelector"], labels) for p in policies), name
        assert spec["serviceAccountName"] in accounts and spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["topologySpreadConstraints"]
        tmp = next(m for c in spec["containers"] for m in c["volumeMounts"]
                   if m["mountPath"] == "/tmp")  # noqa: S108 - the mount, not a file
        assert "emptyDir" in next(v for v in spec["volumes"] if v["name"] == tmp["name"])
        for c in spec["containers"]:
            assert c["readinessProbe"] and c["livenessProbe"], name
            assert {"cpu", "memory"} <= set(c["resources"]["limits"]), name
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]), name
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"] == {"drop": ["ALL"]}


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_services_are_probed_over_grpc_health_and_http(overlay: str, objects: dict[str, Objects]) -> None:
    deployments = of_kind(objects[overlay], "Deployment")
    for svc, (http_port, grpc_port) in PORTS.items():
        (c,) = deployments[svc]["spec"]["template"]["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        metrics_port = {"identity": 9101, "session": 9102, "authorization": 9103, "token": 9104}[svc]
        # The token service's ext_authz HTTP listener: the gateway's only (network policy).
        authz = {"authz": AUTHZ_PORT} if svc == "token" else {}
        assert ports == {"http": http_port, "grpc": grpc_port, "metrics": metrics_port,
                         "operator": OPERATOR_PORTS[svc], **authz}
        annotations = deployments[svc]["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == str(metrics_port)
        # The kubelet's gRPC probe cannot present a client certificate: the image's own
        # check does, with the pod's certificate (GRPC_TLS_DIR), over HTTP and gRPC health.
        check = ["python", "/app/healthcheck.py", str(http_port), str(grpc_port)]
        assert c["readinessProbe"]["exec"] == {"command": check}
        assert c["livenessProbe"]["exec"] == {"command": check}
        assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert c["args"] == ["serve"]
        assert c["lifecycle"]["preStop"]["sleep"]["seconds"] > 0  # drain before SIGTERM


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_each_service_has_a_migration_job(overlay: str, objects: dict[str, Objects]) -> None:
    jobs = of_kind(objects[overlay], "Job")
    deployments = of_kind(objects[overlay], "Deployment")
    for svc in PORTS:
        (c,) = jobs[f"{svc}-migrate"]["spec"]["template"]["spec"]["containers"]
        (served,) = deployments[svc]["spec"]["template"]["spec"]["containers"]
        assert c["args"] == ["migrate"] and c["image"] == served["image"]
        # The service's own settings, and the privileged URL that creates its role and schema.
        admin = {"DATABASE_ADMIN_URL", "POSTGRES_PASSWORD"}
        # (A migration uses no Redis and sends no mail.)
        assert [e for e in c["env"] if e["name"] not in admin] == [
            e for e in served["env"] if e["name"] not in ("REDIS_URL", "SMTP_PASSWORD")]
        assert "DATABASE_ADMIN_URL" in _env(c)
        assert c["securityContext"]["readOnlyRootFilesystem"] is True
        assert not c.get("volumeMounts", []) or all(
            m["mountPath"] != TLS_DIR for m in c["volumeMounts"])  # no gRPC: no certificate


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def _container(objs: Objects, kind: str, name: str) -> dict[str, Any]:
    (container,) = of_kind(objs, kind)[name]["spec"]["template"]["spec"]["containers"]
    return container


def _secrets_read(pod: dict[str, Any]) -> set[str]:
    """Every Secret a pod template reads: env references and mounted volumes."""
    names = {e["valueFrom"]["secretKeyRef"]["name"]
             for c in pod["spec"]["containers"] for e in c.get("env", [])
             if "secretKeyRef" in e.get("valueFrom", {})}
    names |= {ref["secretRef"]["name"] for c in pod["spec"]["containers"]
              for ref in c.get("envFrom", []) if "secretRef" in ref}
    return names | {v["secret"]["secretName"] for v in pod["spec"].get("volumes", []) if "secret" in v}


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_no_secret_value_is_in_the_repository(overlay: str, objects: dict[str, Objects]) -> None:
    objs = objects[overlay]
    assert not of_kind(objs, "Secret"), "Secrets are created by the operator, not committed"
    for workload in (*of_kind(objs, "Deployment").values(), *of_kind(objs, "Job").values(),
                     *of_kind(objs, "StatefulSet").values()):
        for c in workload["spec"]["template"]["spec"]["containers"]:
            for name, entry in _env(c).items():
                if name == "DATABASE_ADMIN_URL" and "value" in entry:
                    # dev: the kubelet builds it from a Secret's key; no password is written.
                    assert "$(POSTGRES_PASSWORD)" in entry["value"]
                elif re.search(r"SECRET|PASSWORD|_URL$|_KEYS$", name):
                    assert "secretKeyRef" in entry["valueFrom"], name
    for cm in of_kind(objs, "ConfigMap").values():
        assert not {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SIGNING_KEY_ENCRYPTION_KEYS",
                    "DATABASE_ADMIN_URL"} & set(cm["data"])


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_each_service_reads_only_its_own_secrets(overlay: str, objects: dict[str, Objects]) -> None:
    objs = objects[overlay]
    deployments, jobs = of_kind(objs, "Deployment"), of_kind(objs, "Job")
    for svc in PORTS:
        pod = deployments[svc]["spec"]["template"]
        assert _secrets_read(pod) == {f"authgate-{svc}", f"authgate-{svc}-tls"}
        env = _env(pod["spec"]["containers"][0])
        for key in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
            assert env[key]["valueFrom"]["secretKeyRef"] == {"name": f"authgate-{svc}", "key": key}
        # The signing keys' encryption keys exist in the token service only.
        assert ("SIGNING_KEY_ENCRYPTION_KEYS" in env) is (svc == "token")
        assert "DATABASE_ADMIN_URL" not in env  # only the migration creates roles
        migration = jobs[f"{svc}-migrate"]["spec"]["template"]
        assert _secrets_read(migration) == {f"authgate-{svc}", "authgate-database-admin"}
    gateway = deployments["gateway"]["spec"]["template"]
    expected = {"authgate-gateway-tls"} | ({"authgate-tls"} if overlay == "prod" else set())
    assert _secrets_read(gateway) == expected


def test_dev_runs_its_own_stores_and_prod_uses_managed_ones(objects: dict[str, Objects]) -> None:
    assert set(of_kind(objects["dev"], "StatefulSet")) == {"postgres", "redis"}
    assert not of_kind(objects["prod"], "StatefulSet")
    postgres = of_kind(objects["dev"], "StatefulSet")["postgres"]["spec"]["template"]
    assert _secrets_read(postgres) == {"authgate-database-admin"}
    for svc in PORTS:
        dev = _env(_container(objects["dev"], "Job", f"{svc}-migrate"))
        assert dev["DATABASE_ADMIN_URL"]["value"] == (
            "postgresql://authgate:$(POSTGRES_PASSWORD)@postgres:5432/authgate")
        assert dev["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": "authgate-database-admin", "key": "POSTGRES_PASSWORD"}
        prod = _env(_container(objects["prod"], "Job", f"{svc}-migrate"))
        assert prod["DATABASE_ADMIN_URL"]["valueFrom"]["secretKeyRef"] == {
            "name": "authgate-database-admin", "key": "DATABASE_ADMIN_URL"}
        assert "POSTGRES_PASSWORD" not in prod


def _tls_mounts(pod: dict[str, Any]) -> list[str]:
    """The Secrets mounted at GRPC_TLS_DIR in a pod template."""
    volumes = {v["name"]: v for v in pod["spec"].get("volumes", [])}
    return [volumes[m["name"]]["secret"]["secretName"] for c in pod["spec"]["containers"]
            for m in c.get("volumeMounts", []) if m["mountPath"] == TLS_DIR]


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_each_pod_mounts_its_own_certificate_and_only_its_own(overlay: str,
                                                              objects: dict[str, Objects]) -> None:
    objs = objects[overlay]
    for name, dep in of_kind(objs, "Deployment").items():
        pod = dep["spec"]["template"]
        assert _tls_mounts(pod) == [f"authgate-{name}-tls"], name
        others = {f"authgate-{w}-tls" for w in WORKLOADS if w != name} | {"authgate-ca"}
        assert not others & _secrets_read(pod), name
        volume = next(v for v in pod["spec"]["volumes"] if v.get("secret", {}).get(
            "secretName") == f"authgate-{name}-tls")
        assert volume["secret"]["defaultMode"] == 0o440  # group-readable via fsGroup only
        mount = next(m for c in pod["spec"]["containers"] for m in c["volumeMounts"]
                     if m["mountPath"] == TLS_DIR)
        assert mount["readOnly"] is True
    settings = _settings(objs)
    assert settings["GRPC_TLS_DIR"] == TLS_DIR and settings["BIND_HOST"] == "0.0.0.0"
    assert load_source()["internal_tls"]["dir"] == TLS_DIR  # where Envoy looks
    for job in of_kind(objs, "Job").values():
        assert not _tls_mounts(job["spec"]["template"])


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_cert_manager_issues_one_spiffe_certificate_per_workload(overlay: str,
                                                                 objects: dict[str, Objects]) -> None:
    objs = objects[overlay]
    issuers, certs = of_kind(objs, "Issuer"), of_kind(objs, "Certificate")
    # A self-signed bootstrap issuer signs the CA; the CA issuer signs every workload.
    assert "selfSigned" in issuers["authgate-selfsigned"]["spec"]
    ca = certs["authgate-ca"]["spec"]
    assert ca["isCA"] is True and ca["issuerRef"]["name"] == "authgate-selfsigned"
    assert issuers["authgate-ca"]["spec"]["ca"]["secretName"] == ca["secretName"]
    leaves = {name: c["spec"] for name, c in certs.items() if name != "authgate-ca"}
    assert {spec["secretName"] for spec in leaves.values()} == {f"authgate-{w}-tls" for w in WORKLOADS}
    for spec in leaves.values():
        workload = spec["secretName"].removeprefix("authgate-").removesuffix("-tls")
        assert spec["uris"] == [f"spiffe://authgate/{workload}"]
        # The bare name: what every gRPC client checks its server against.
        assert workload in spec["dnsNames"] and "localhost" in spec["dnsNames"]
        assert "127.0.0.1" in spec["ipAddresses"]
        if workload in PORTS:
            for host in (workload, f"{workload}-headless"):
                assert f"{host}.authgate.svc.cluster.local" in spec["dnsNames"]
        assert spec["privateKey"]["algorithm"] == "ECDSA" and spec["privateKey"]["size"] == 256
        assert spec["privateKey"]["rotationPolicy"] == "Always"
        assert {"server auth", "client auth"} <= set(spec["usages"])
        assert spec["issuerRef"] == {"name": "authgate-ca", "kind": "Issuer", "group": "cert-manager.io"}
        assert _hours(spec["renewBefore"]) < _hours(spec["duration"])


def _hours(duration: str) -> float:
    match = re.fullmatch(r"(\d+)h", duration)
    assert match, duration
    return float(match.group(1))


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_gateway_is_probed_and_scraped_on_the_ops_listener(overlay: str,
                                                           objects: dict[str, Objects]) -> None:
    dep = of_kind(objects[overlay], "Deployment")["gateway"]
    (c,) = dep["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    src = load_source()
    assert ports["ops"] == src["ops_port"] and src["admin_port"] not in ports.values()
    for probe in ("readinessProbe", "livenessProbe"):
        assert c[probe]["httpGet"] == {"path": "/ready", "port": "ops"}
    annotations = dep["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(src["ops_port"])
    assert annotations["prometheus.io/path"] == "/stats/prometheus"
    envoy = yaml.safe_load(_envoy_config(objects[overlay])["envoy.yaml"])
    assert envoy["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"


def _settings(objs: Objects) -> dict[str, str]:
    (cm,) = [o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith(
        "authgate-settings")]
    return cm["data"]


def _envoy_config(objs: Objects) -> dict[str, str]:
    (cm,) = [o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith(
        "gateway-envoy")]
    return cm["data"]


def test_prod_serves_https_only(objects: dict[str, Objects]) -> None:
    prod = objects["prod"]
    assert _settings(prod)["SESSION_COOKIE_SECURE"] == "true"
    assert _settings(prod)["ISSUER"].startswith("https://")
    assert _settings(objects["dev"])["SESSION_COOKIE_SECURE"] == "false"
    # envoy.yaml and, next to it (gateway.yaml `sds_dir`), the SDS resources it reads.
    sds = {posixpath.basename(rel): text for rel, text in rendered_sds().items()}
    assert _envoy_config(prod) == {"envoy.yaml": rendered_text("k8s", True), **sds}
    assert _envoy_config(objects["dev"]) == {"envoy.yaml": rendered_text("k8s", False), **{
        name: text for name, text in sds.items() if name != "sds-public-cert.yaml"}}
    config = of_kind(prod, "Deployment")["gateway"]["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "config", "mountPath": load_source()["sds_dir"]["k8s"],
            "readOnly": True} in config["volumeMounts"]
    pod = of_kind(prod, "Deployment")["gateway"]["spec"]["template"]["spec"]
    tls_volume = next(v for v in pod["volumes"] if v["name"] == "tls")
    assert tls_volume["secret"]["secretName"] == "authgate-tls"
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    tls = load_source()["tls"]
    assert pathlib.PurePosixPath(tls["cert_chain"]).parent.as_posix() in mounts
    service = of_kind(prod, "Service")["gateway"]["spec"]
    assert {(p["port"], p["targetPort"]) for p in service["ports"]} == {(80, "http"), (443, "https")}
    ports = {p["name"]: p["containerPort"] for p in pod["containers"][0]["ports"]}
    assert ports["https"] == tls["listener_port"]


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_the_gateway_sees_the_clients_address(overlay: str, objects: dict[str, Objects]) -> None:
    """Per-address limits and the login lockout key on the address Envoy sees: behind the
    L4 balancer it must be the client's (no SNAT), with no X-Forwarded-For hop trusted."""
    service = of_kind(objects[overlay], "Service")["gateway"]["spec"]
    assert (service["type"], service["externalTrafficPolicy"]) == ("LoadBalancer", "Local")
    envoy = yaml.safe_load(_envoy_config(objects[overlay])["envoy.yaml"])
    for listener in envoy["static_resources"]["listeners"]:
        if listener["name"] != "ops":
            hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
            assert hcm["use_remote_address"] is True
            assert hcm["xff_num_trusted_hops"] == load_source()["trusted_hops"]["k8s"] == 0


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_gateway_and_grpc_clients_find_every_replica(overlay: str, objects: dict[str, Objects]) -> None:
    services = of_kind(objects[overlay], "Service")
    settings = _settings(objects[overlay])
    envoy = yaml.safe_load(_envoy_config(objects[overlay])["envoy.yaml"])
    upstreams = {c["name"]: c for c in envoy["static_resources"]["clusters"]}
    for svc, (http_port, grpc_port) in PORTS.items():
        headless = services[f"{svc}-headless"]["spec"]
        assert headless["clusterIP"] == "None"
        assert {p["port"] for p in headless["ports"]} == {http_port, grpc_port} | (
            {AUTHZ_PORT} if svc == "token" else set())
        cluster = upstreams[f"{svc}_http"]
        assert cluster["type"] == "STRICT_DNS"
        address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
        assert address["socket_address"] == {
            "address": f"{svc}-headless.authgate.svc.cluster.local", "port_value": http_port}
        assert settings[f"{svc.upper()}_GRPC_TARGET"] == (
            f"dns:///{svc}-headless.authgate.svc.cluster.local:{grpc_port}")
