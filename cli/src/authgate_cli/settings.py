"""Where the CLI finds the services and its certificate: environment variables, `.env` read too.

Not BaseServiceSettings: the CLI holds no secret, so it must not demand SECRET_KEY. The
targets are the services' operator listeners, under names of their own, so a `.env`
shared with the services (whose `<SVC>_GRPC_TARGET` are the internal listeners, which
refuse the operator) does not point the CLI at the wrong ports.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("identity", "session", "authorization", "token")


def target_variable(service: str) -> str:
    return f"{service.upper()}_OPERATOR_TARGET"


class CliSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_file_encoding="utf-8")

    IDENTITY_OPERATOR_TARGET: str = "127.0.0.1:50151"
    SESSION_OPERATOR_TARGET: str = "127.0.0.1:50152"
    AUTHORIZATION_OPERATOR_TARGET: str = "127.0.0.1:50153"
    TOKEN_OPERATOR_TARGET: str = "127.0.0.1:50154"
    # Deadline of every call, in seconds (same variable the services use).
    GRPC_CLIENT_TIMEOUT_SECONDS: float = 5.0
    # The operator certificate (authgate_cli.operator_tls); each unset file defaults to
    # VAR_DIR/pki/operator/{ca.crt,tls.crt,tls.key}, where `make up` puts it.
    AUTHGATE_CA: str | None = None
    AUTHGATE_CERT: str | None = None
    AUTHGATE_KEY: str | None = None
    VAR_DIR: str = "var"

    def target(self, service: str) -> str:
        return str(getattr(self, target_variable(service)))

    @classmethod
    def default_target(cls, service: str) -> str:
        return str(cls.model_fields[target_variable(service)].default)
