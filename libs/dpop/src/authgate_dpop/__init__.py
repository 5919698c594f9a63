"""DPoP (RFC 9449): what the authorization server and resource servers check of a proof."""

from .client import DPoPKey
from .nonces import NonceIssuer
from .proofs import (
    ALGORITHMS,
    INVALID_DPOP_PROOF,
    USE_DPOP_NONCE,
    Proof,
    ProofError,
    access_token_hash,
    check_proof,
    normalise_htu,
    replay_key,
    thumbprint,
)

__all__ = ["ALGORITHMS", "DPoPKey", "INVALID_DPOP_PROOF", "USE_DPOP_NONCE", "NonceIssuer", "Proof",
           "ProofError", "access_token_hash", "check_proof", "normalise_htu", "replay_key", "thumbprint"]
