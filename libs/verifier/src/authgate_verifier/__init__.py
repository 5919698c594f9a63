"""authgate-verifier: authgate access tokens validated in the resource server's process,
with revocations pushed by the token service's RevocationFeedService (fail closed)."""

from .config import VerifierConfig, connect
from .errors import InsufficientScope, InvalidToken, MissingToken, Unavailable, VerificationError
from .feed import FeedSubscriber, TlsFiles
from .jwks import JwksCache
from .revocations import RevocationState
from .verifier import Claims, Verifier

__all__ = ["Claims", "FeedSubscriber", "InsufficientScope", "InvalidToken", "JwksCache", "MissingToken",
           "RevocationState", "TlsFiles", "Unavailable", "VerificationError", "Verifier", "VerifierConfig",
           "connect"]
