"""authgate-verifier: authgate access tokens validated in the resource server's process,
with revocations pushed by the token service's RevocationFeedService (fail closed)."""

from .acr import ACR_MFA, ACR_PASSWORD
from .config import VerifierConfig, connect
from .dpop import DPoPRequest, ReplayCache
from .errors import (
    InsufficientScope,
    InsufficientUserAuthentication,
    InvalidDPoPProof,
    InvalidToken,
    MissingToken,
    Unavailable,
    VerificationError,
)
from .feed import FeedSubscriber, TlsFiles
from .jwks import JwksCache
from .revocations import RevocationState
from .verifier import Claims, Verifier

__all__ = ["ACR_MFA", "ACR_PASSWORD", "Claims", "DPoPRequest", "FeedSubscriber", "InsufficientScope",
           "InsufficientUserAuthentication", "InvalidDPoPProof", "InvalidToken", "JwksCache", "MissingToken",
           "ReplayCache", "RevocationState", "TlsFiles", "Unavailable", "VerificationError", "Verifier",
           "VerifierConfig", "connect"]
