"""The revocation feed is mutual TLS unless a test names plaintext explicitly."""

from __future__ import annotations

import pytest
from authgate_verifier.feed import FeedSubscriber
from authgate_verifier.revocations import RevocationState


def test_no_tls_files_without_the_explicit_plaintext_flag_is_refused() -> None:
    with pytest.raises(ValueError, match="TLS"):
        FeedSubscriber("127.0.0.1:1", None, RevocationState(5.0))
    FeedSubscriber("127.0.0.1:1", None, RevocationState(5.0), insecure_plaintext=True)  # not started
