"""Failures on the CLI's side (exit 2), as opposed to a service's own answer.

A service that refuses a request answers with an OAuthError (exit 1). These are the
cases where no such answer came: nothing reachable, a certificate the CLI cannot use, a
listener that does not admit this certificate, a certificate `authgate pki` cannot
make. Each carries the code the operator sees beside its message.
"""

from __future__ import annotations


class CliFailure(Exception):
    """Printed as `error` and the message, exit 2."""

    error = "invalid_request"


class ServiceUnreachable(CliFailure):
    """No answer from the service itself: nothing listening, no TLS handshake, no answer in time."""

    error = "temporarily_unavailable"


class AccessRefused(CliFailure):
    """The listener refused this certificate (PERMISSION_DENIED before the method ran)."""

    error = "access_denied"


class CertificateUnusable(CliFailure):
    """The operator certificate's files are missing or unreadable."""

    error = "invalid_configuration"
